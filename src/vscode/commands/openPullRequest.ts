import { inputError } from '../../core/errors';
import { openInBrowser } from '../pullRequests/feature';
import { pickPullRequest } from '../pullRequests/pick';
import type { CommandDef } from './types';

/** Open in Browser on an environment with a promotion pull request (or its Pull request row), or on a release's. */
export const openPullRequest: CommandDef = {
  id: 'gitopsPilot.openPullRequest',
  async run(s, node) {
    const model = s.workspace.pullRequests;
    const choice = await pickPullRequest(s, node, { placeHolder: 'Open the pull request of which environment?', wanted: (pr) => pr !== undefined });
    if ('release' in choice) {
      const { projectEntry, group } = choice.release;
      const pr = model?.currentRelease({ project: projectEntry.project, name: group.name });
      if (!pr) throw inputError('pr.none', `${group.name} has no release pull request yet`, { hint: `Promote All to ${group.name}: that opens one` });
      await openInBrowser(pr.url);
      return;
    }
    const { entry } = choice;
    const pr = model?.current(entry);
    if (!pr) {
      throw inputError('pr.none', `${entry.env.name} has no promotion pull request${entry.env.pushMode === 'pull-request' ? ' yet' : ' (it does not change through pull requests)'}`, {
        hint: entry.env.pushMode === 'pull-request' ? 'Promote to it: that opens one' : 'Set pushMode: pull-request on it in gitops-pilot.yaml',
      });
    }
    await openInBrowser(pr.url);
  },
};
