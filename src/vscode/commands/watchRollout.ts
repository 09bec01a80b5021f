import { clusterEnvironment } from '../kube/pick';
import type { CommandDef } from './types';

/**
 * Watch Rollout: the status bar follows the environment's rollout until the cluster runs the image its
 * file declares and kubectl's rules say done (or it fails, or times out). (node | envId, projectRoot?)
 */
export const watchRollout: CommandDef = {
  id: 'gitopsPilot.watchRollout',
  async run(s, node, projectRoot) {
    const { entry, rollouts } = await clusterEnvironment(s, node, { what: 'Watch Rollout', placeHolder: 'Watch the rollout of which environment?', projectRoot });
    void rollouts.watch(entry, entry.file.ok ? entry.file.declared : undefined);
  },
};
