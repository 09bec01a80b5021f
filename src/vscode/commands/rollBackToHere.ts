import { inputError } from '../../core/errors';
import { rollbackFlow } from '../deploy/flows';
import { HistoryEntryNode } from '../views/environments/historyNodes';
import type { CommandDef } from './types';

/** "Roll Back to This" on a History row: deploy the image that commit deployed. */
export const rollBackToHere: CommandDef = {
  id: 'gitopsPilot.rollBackToHere',
  async run(s, node) {
    if (!(node instanceof HistoryEntryNode)) throw inputError('history.noEntry', 'Choose a deployment in an environment\'s History to roll back to');
    const entry = s.environments.find(node.env.id, node.historyNode.envNode.entry.project.root) ?? node.historyNode.envNode.entry;
    await rollbackFlow(s, entry, node.record.sha);
  },
};
