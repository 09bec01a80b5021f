import { pickEnvironment } from '../pick';
import { mergeFlow, mergeReleaseFlow } from '../pullRequests/merge';
import { releaseOf } from '../views/environments/nodes';
import type { CommandDef } from './types';

/** Merge on an environment with an open, mergeable promotion pull request (or on a release's): deploys it, then watches the rollout. */
export const mergePullRequest: CommandDef = {
  id: 'gitopsPilot.mergePullRequest',
  async run(s, node) {
    const release = releaseOf(node);
    if (release) {
      await mergeReleaseFlow(s, release.projectEntry, release.group);
      return;
    }
    const model = s.workspace.pullRequests;
    const entry = await pickEnvironment(s, node, { placeHolder: 'Merge the pull request of which environment?', filter: (e) => model?.current(e)?.state === 'open' });
    await mergeFlow(s, entry);
  },
};
