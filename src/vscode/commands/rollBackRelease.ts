import { inputError } from '../../core/errors';
import { rollbackReleaseFlow } from '../deploy/releaseRollback';
import { HistoryEntryNode } from '../views/environments/historyNodes';
import type { CommandDef } from './types';

/** "Roll Back Release" on the History row of a release commit: every app it moved goes back, in one commit. */
export const rollBackRelease: CommandDef = {
  id: 'gitopsPilot.rollBackRelease',
  async run(s, node) {
    if (!(node instanceof HistoryEntryNode)) throw inputError('history.noEntry', 'Choose a release in an environment\'s History to roll back');
    await rollbackReleaseFlow(s, node.historyNode.envNode.entry.project, node.record.sha, node.record.subject);
  },
};
