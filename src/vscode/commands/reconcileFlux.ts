import * as vscode from 'vscode';
import { inputError } from '../../core/errors';
import { reconcileFlux as reconcile } from '../../core/kube/fluxActions';
import type { ClusterTarget } from '../../core/kube/environmentWatch';
import { clusterEnvironment } from '../kube/pick';
import type { CommandDef, Services } from './types';

/** The environment's Flux object, or an error saying how to configure one. */
export async function fluxEnvironment(s: Services, node: unknown, projectRoot: unknown, what: string) {
  const picked = await clusterEnvironment(s, node, { what, placeHolder: `${what}: which environment?`, projectRoot });
  const flux = (picked.target as ClusterTarget).flux;
  if (!flux) {
    throw inputError('env.noFlux', `${picked.entry.env.name} has no Flux Kustomization or HelmRelease`, {
      hint: `Add flux: { kustomization: NAME, namespace: flux-system } (or helmRelease: NAME) for "${picked.entry.env.name}" in gitops-pilot.yaml`,
    });
  }
  return { ...picked, flux: { ...flux, context: picked.target.context } };
}

/** Reconcile now: the source, then the Kustomization / HelmRelease (`flux reconcile … --with-source`), then watch. */
export const reconcileFlux: CommandDef = {
  id: 'gitopsPilot.reconcileFlux',
  async run(s, node, projectRoot) {
    const { entry, flux, rollouts } = await fluxEnvironment(s, node, projectRoot, 'Reconcile with Flux');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reconciling ${flux.kind} ${flux.name}`, cancellable: true }, async (_p, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const r = await reconcile(rollouts.session(), flux, { signal: abort.signal });
        s.log.info(`Flux: reconcile of ${flux.kind} ${flux.namespace}/${flux.name} requested${r.source ? ` (source ${r.source} fetched first)` : ''}`);
      } finally {
        sub.dispose();
      }
    });
    if (s.settings.get('watchAfterDeploy')) void rollouts.watch(entry, entry.file.ok ? entry.file.declared : undefined);
  },
};
