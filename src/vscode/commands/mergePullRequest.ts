import { mergeFlow, mergeReleaseFlow } from '../pullRequests/merge';
import { pickPullRequest } from '../pullRequests/pick';
import type { CommandDef } from './types';

/** Merge on an environment with an open, mergeable promotion pull request (or on a release's): deploys it, then watches the rollout. */
export const mergePullRequest: CommandDef = {
  id: 'gitopsPilot.mergePullRequest',
  async run(s, node) {
    const choice = await pickPullRequest(s, node, { placeHolder: 'Merge the pull request of which environment?', wanted: (pr) => pr?.state === 'open' });
    if ('release' in choice) await mergeReleaseFlow(s, choice.release.projectEntry, choice.release.group);
    else await mergeFlow(s, choice.entry);
  },
};
