/**
 * The editor's side of gates and of Argo CD after a push, filled into the deploy hooks in activate():
 *   gates       a promotion's gates, asking the source's cluster where the tree's mapping says it runs
 *   afterDeploy a push that moved an environment with an Argo CD Application asks it to refresh now
 *   afterRollout a failed rollout of an environment with `onFailure: rollback` is reverted (deploy/autoRollback.ts)
 */
import * as vscode from 'vscode';
import { evaluateGates } from '../../core/gates/evaluate';
import { observeSource } from '../../core/gates/observe';
import { refreshAfterPush } from '../../core/kube/argoRefresh';
import type { Services } from '../commands/types';
import { rollBackAutomatically } from '../deploy/autoRollback';
import type { Log } from '../log';
import type { Settings } from '../settings';
import type { RolloutFeature } from './feature';

export function installGateHooks(services: Services, feature: RolloutFeature, settings: Settings, log: Log): void {
  const hooks = services.hooks;
  // onFailure: rollback — after the watch of a deployment ends
  hooks.afterRollout = (result, progress) => void rollBackAutomatically(services, result, progress);
  hooks.gates = async (from, to) => {
    const project = feature.entryOf(to)?.project ?? feature.entryOf(from)?.project;
    if (!project) throw new Error(`${to.name} is not in the Environments view`);
    return evaluateGates(
      project,
      to,
      {
        observe: async (source, o) => {
          const entry = feature.entryOf(source);
          const target = entry ? feature.target(entry) : undefined;
          if (!target || !vscode.workspace.isTrusted) return undefined;
          return observeSource(feature.session(), source, { target, healthUrl: o.healthUrl });
        },
        now: Date.now,
      },
      from,
    );
  };
  hooks.afterDeploy.push((result) => {
    if (!vscode.workspace.isTrusted) return;
    const entry = feature.entryOf(result.env);
    const target = entry ? feature.target(entry) : undefined;
    void refreshAfterPush(() => feature.session(), result, { pushMode: settings.get('pushMode'), ...(target?.context ? { context: target.context } : {}), ...(target?.flux ? { flux: target.flux } : {}) }).then(
      (o) => {
        if (o?.requested) log.info(o.message);
        else if (o) log.warn(o.message);
      },
      (err) => log.warn(`Argo CD refresh / Flux reconcile after the push: ${err instanceof Error ? err.message : String(err)}`),
    );
  });
}
