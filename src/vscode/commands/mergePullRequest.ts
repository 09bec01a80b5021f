import { pickEnvironment } from '../pick';
import { mergeFlow } from '../pullRequests/merge';
import type { CommandDef } from './types';

/** Merge on an environment with an open, mergeable promotion pull request: deploys it, then watches the rollout. */
export const mergePullRequest: CommandDef = {
  id: 'gitopsPilot.mergePullRequest',
  async run(s, node) {
    const model = s.workspace.pullRequests;
    const entry = await pickEnvironment(s, node, { placeHolder: 'Merge the pull request of which environment?', filter: (e) => model?.current(e)?.state === 'open' });
    await mergeFlow(s, entry);
  },
};
