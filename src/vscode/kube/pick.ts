/** What the cluster commands share: the feature, the environment they act on, and where it runs. */
import * as vscode from 'vscode';
import { cancelled, inputError } from '../../core/errors';
import type { ClusterTarget } from '../../core/kube/environmentWatch';
import type { Services } from '../commands/types';
import { requireTrust } from '../deploy/run';
import { pickEnvironment } from '../pick';
import type { EnvironmentEntry } from '../../core/workspace/environments';
import type { RolloutFeature } from './feature';

export function requireRollouts(s: Services): RolloutFeature {
  if (!s.rollouts) throw inputError('kube.unavailable', 'Cluster features are not available in this window');
  return s.rollouts;
}

/**
 * The environment (from the node, an id, or a quick pick) and where it runs. An environment without a
 * mapping offers "Select Kubernetes Context…" first; `need` narrows to Argo CD apps or Argo Rollouts.
 */
export async function clusterEnvironment(
  s: Services,
  node: unknown,
  opts: { what: string; placeHolder: string; need?: 'argocd' | 'rollout'; projectRoot?: unknown },
): Promise<{ entry: EnvironmentEntry; target: ClusterTarget; rollouts: RolloutFeature }> {
  const rollouts = requireRollouts(s);
  requireTrust(opts.what);
  const fits = (e: EnvironmentEntry) => {
    const t = rollouts.target(e);
    if (!t) return false;
    if (opts.need === 'argocd') return t.argocd !== undefined;
    if (opts.need === 'rollout') return t.workload.kind === 'rollout';
    return true;
  };
  const arg = typeof node === 'string' && typeof opts.projectRoot === 'string' ? s.environments.find(node, opts.projectRoot) ?? node : node;
  const entry = await pickEnvironment(s, arg, { placeHolder: opts.placeHolder, filter: s.environments.environments.some(fits) ? fits : undefined });
  let target = rollouts.target(entry);
  if (!target) {
    const choice = await vscode.window.showInformationMessage(`${entry.env.name} is not mapped to a cluster yet.`, { modal: false }, 'Select Kubernetes Context…');
    if (choice !== 'Select Kubernetes Context…') throw cancelled();
    await vscode.commands.executeCommand('gitopsPilot.selectKubeContext', entry.env.id, entry.project.root);
    target = rollouts.target(entry);
    if (!target) throw cancelled();
  }
  if (opts.need === 'argocd' && !target.argocd) {
    throw inputError('env.noArgoCd', `${entry.env.name} has no Argo CD application`, { hint: `Add argocd: { application: NAME, namespace: argocd } for "${entry.env.name}" in gitops-pilot.yaml` });
  }
  if (opts.need === 'rollout' && target.workload.kind !== 'rollout') {
    throw inputError('env.notRollout', `${entry.env.name} runs ${target.workload.kind}/${target.workload.name}, not an Argo Rollout`, { hint: 'Promote and Abort apply to Argo Rollouts (workload: rollout/NAME)' });
  }
  return { entry, target, rollouts };
}

/** The namespace a target runs in: its own, else its context's, else `default` (kubectl's rule). */
export async function namespaceOf(rollouts: RolloutFeature, target: ClusterTarget): Promise<string> {
  if (target.namespace) return target.namespace;
  const ctx = await rollouts.session().resolveContext(target.context);
  return ctx.namespace ?? 'default';
}
