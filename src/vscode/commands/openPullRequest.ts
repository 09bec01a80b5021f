import { inputError } from '../../core/errors';
import { pickEnvironment } from '../pick';
import { openInBrowser } from '../pullRequests/feature';
import { releaseOf } from '../views/environments/nodes';
import type { CommandDef } from './types';

/** Open in Browser on an environment with a promotion pull request (or its Pull request row), or on a release's. */
export const openPullRequest: CommandDef = {
  id: 'gitopsPilot.openPullRequest',
  async run(s, node) {
    const model = s.workspace.pullRequests;
    const release = releaseOf(node);
    if (release) {
      const pr = model?.currentRelease({ project: release.projectEntry.project, name: release.group.name });
      if (!pr) throw inputError('pr.none', `${release.group.name} has no release pull request yet`, { hint: `Promote All to ${release.group.name}: that opens one` });
      await openInBrowser(pr.url);
      return;
    }
    const entry = await pickEnvironment(s, node, { placeHolder: 'Open the pull request of which environment?', filter: (e) => model?.current(e) !== undefined });
    const pr = model?.current(entry);
    if (!pr) {
      throw inputError('pr.none', `${entry.env.name} has no promotion pull request${entry.env.pushMode === 'pull-request' ? ' yet' : ' (it does not change through pull requests)'}`, {
        hint: entry.env.pushMode === 'pull-request' ? 'Promote to it: that opens one' : 'Set pushMode: pull-request on it in gitops-pilot.yaml',
      });
    }
    await openInBrowser(pr.url);
  },
};
