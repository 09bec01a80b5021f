import * as vscode from 'vscode';
import { inputError } from '../../core/errors';
import { entryKey } from '../../core/workspace/live';
import { requireRollouts } from '../kube/pick';
import { pickEnvironment } from '../pick';
import type { CommandDef } from './types';

/**
 * Show Rollout Details (the status bar indicator's click): the environment in the Environments view,
 * expanded, with its rollout, pods and events. (envId, projectRoot) or a node.
 */
export const showRolloutDetails: CommandDef = {
  id: 'gitopsPilot.showRolloutDetails',
  async run(s, node, projectRoot) {
    const rollouts = requireRollouts(s);
    const arg = typeof node === 'string' && typeof projectRoot === 'string' ? (s.environments.find(node, projectRoot) ?? node) : node;
    const entry = await pickEnvironment(s, arg, { placeHolder: 'Show the rollout of which environment?' });
    await vscode.commands.executeCommand('gitopsPilot.environments.focus');
    await s.workspace.ensureLoaded();
    if (!(await rollouts.reveal(entryKey(entry)))) {
      throw inputError('env.notShown', `${entry.env.name} is not in the Environments view`, { hint: 'Refresh the Environments view' });
    }
  },
};
