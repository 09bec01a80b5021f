import * as vscode from 'vscode';
import { syncArgoApp as sync } from '../../core/kube/actions';
import { clusterEnvironment } from '../kube/pick';
import type { CommandDef } from './types';

/** Sync Argo CD App (Sync now): starts a sync of the environment's Application, then watches the rollout. */
export const syncArgoApp: CommandDef = {
  id: 'gitopsPilot.syncArgoApp',
  async run(s, node, projectRoot) {
    const { entry, target, rollouts } = await clusterEnvironment(s, node, { what: 'Sync Argo CD App', placeHolder: 'Sync the Argo CD application of which environment?', need: 'argocd', projectRoot });
    const app = target.argocd!;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Syncing ${app.application}`, cancellable: true }, async (_p, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        await sync(rollouts.session(), { context: target.context, application: app.application, namespace: app.namespace }, { signal: abort.signal });
      } finally {
        sub.dispose();
      }
    });
    s.log.info(`Argo CD: sync of ${app.application} started`);
    if (s.settings.get('watchAfterDeploy')) void rollouts.watch(entry, entry.file.ok ? entry.file.declared : undefined);
  },
};
