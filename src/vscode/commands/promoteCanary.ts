import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { promoteRollout } from '../../core/kube/actions';
import { clusterEnvironment, namespaceOf } from '../kube/pick';
import type { CommandDef } from './types';

/**
 * Promote Canary (Argo Rollouts): what `kubectl argo rollouts promote` does — a paused canary continues,
 * a stepping one skips to its next step. Protected environments ask first. Then the status bar watches.
 */
export const promoteCanary: CommandDef = {
  id: 'gitopsPilot.promoteCanary',
  async run(s, node, projectRoot) {
    const { entry, target, rollouts } = await clusterEnvironment(s, node, { what: 'Promote Canary', placeHolder: 'Promote the canary of which environment?', need: 'rollout', projectRoot });
    const name = target.workload.name;
    if (entry.env.protected) {
      const ok = await vscode.window.showWarningMessage(`Promote the canary of ${name} in ${entry.env.name}?`, { modal: true, detail: `${entry.env.name} is protected. The rollout continues to its next step (more traffic on the new version).` }, 'Promote');
      if (ok !== 'Promote') throw cancelled();
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Promoting ${name}` }, async () =>
      promoteRollout(rollouts.session(), { context: target.context, namespace: await namespaceOf(rollouts, target), name }),
    );
    s.log.info(`Argo Rollouts: promoted ${name} in ${entry.env.name}`);
    void rollouts.watch(entry);
  },
};
