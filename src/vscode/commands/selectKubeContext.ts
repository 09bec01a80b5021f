import * as vscode from 'vscode';
import { cancelled, toPilotError } from '../../core/errors';
import type { ContextInfo } from '../../core/kube/kubeconfig';
import type { FluxRef } from '../../core/kube/flux';
import { fluxCandidates, workloadIdentity, type WorkloadIdentity } from '../../core/kube/fluxPick';
import { FLUX_RESOURCES, RESOURCES, resourcePath, WORKLOAD_RESOURCES, type KubeObject } from '../../core/kube/resources';
import type { KubeSession } from '../../core/kube/session';
import { requireTrust } from '../deploy/run';
import { requireRollouts } from '../kube/pick';
import { pickEnvironment } from '../pick';
import { parseWorkload } from '../../core/config/model';
import type { ClusterMapping } from '../../core/kube/environmentWatch';
import { entryKey } from '../../core/workspace/live';
import type { CommandDef } from './types';

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Select Kubernetes Context…: where an environment runs, for this workspace — a context of the user's
 * kubeconfig (KUBECONFIG and the setting's files merged), a namespace and a workload, each picked from
 * what the cluster lists (typed when it cannot list them). Stored in the workspace state, not in
 * gitops-pilot.yaml (context names are personal); "Use gitops-pilot.yaml's mapping" removes it. When the
 * cluster runs Flux, the Kustomization / HelmRelease whose inventory holds the workload is offered last.
 * (node | envId, projectRoot?)
 */
export const selectKubeContext: CommandDef = {
  id: 'gitopsPilot.selectKubeContext',
  async run(s, node, projectRoot) {
    const rollouts = requireRollouts(s);
    requireTrust('Select Kubernetes Context');
    const arg = typeof node === 'string' && typeof projectRoot === 'string' ? (s.environments.find(node, projectRoot) ?? node) : node;
    const entry = await pickEnvironment(s, arg, { placeHolder: 'Map which environment to a cluster?' });
    const key = entryKey(entry);
    const session = rollouts.session();
    const current = rollouts.target(entry);
    const picked = rollouts.mappings.get(key);
    const config = await session.kubeconfig();

    // 1. the context
    type CtxItem = vscode.QuickPickItem & { ctx?: ContextInfo; reset?: boolean };
    const items: CtxItem[] = config.contexts.map((c) => ({
      label: c.name,
      description: [c.name === config.currentContext ? 'current' : '', c.name === current?.context ? 'in use' : ''].filter(Boolean).join(', ') || undefined,
      detail: `${c.server}${c.namespace ? ` · namespace ${c.namespace}` : ''}${c.exec ? ` · credentials from ${c.exec.command}` : ''}`,
      ctx: c,
    }));
    if (picked && entry.env.workload) items.unshift({ label: "$(discard) Use gitops-pilot.yaml's mapping", description: `${entry.env.workload.kind}/${entry.env.workload.name}`, reset: true });
    const choice = await vscode.window.showQuickPick(items, { title: `Cluster of ${entry.env.name} (1/3): context`, placeHolder: `Kubeconfig context — ${config.describe()}`, matchOnDetail: true });
    if (!choice) throw cancelled();
    if (choice.reset) {
      await rollouts.mappings.set(key, undefined);
      void vscode.window.showInformationMessage(`${entry.env.name} uses gitops-pilot.yaml's mapping again.`);
      return;
    }
    const ctx = choice.ctx!;

    // 2. the namespace
    // suggested: the namespace in use, gitops-pilot.yaml's, one named after the environment, the context's
    const namespaces = await listNames(session, ctx.name, resourcePath('namespaces'), 'namespaces');
    const defaultNs = (current?.context === ctx.name ? current.namespace : undefined) ?? entry.env.cluster?.namespace ?? (namespaces?.includes(entry.env.name) ? entry.env.name : undefined) ?? ctx.namespace ?? entry.env.name;
    const namespace = await pickOrType(namespaces, defaultNs, `Cluster of ${entry.env.name} (2/3): namespace`, `Namespace in ${ctx.name}`, NAME);

    // 3. the workload
    const found: string[] = [];
    for (const kind of ['deployment', 'statefulset', 'daemonset', 'rollout'] as const) {
      const res = WORKLOAD_RESOURCES[kind];
      const names = await listNames(session, ctx.name, resourcePath(res, namespace), RESOURCES[res].name);
      for (const n of names ?? []) found.push(`${kind}/${n}`);
    }
    const app = entry.env.app ?? entry.env.workload?.name;
    const defaultWorkload = current?.workload ? `${current.workload.kind}/${current.workload.name}` : (found.find((w) => app && w.endsWith(`/${app}`)) ?? found[0] ?? '');
    const workload = await pickOrType(found.length ? found : undefined, defaultWorkload, `Cluster of ${entry.env.name} (3/3): workload`, `deployment/NAME, statefulset/NAME, daemonset/NAME or rollout/NAME in ${namespace}`, /^(deployment|statefulset|daemonset|rollout)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);

    const parsed = parseWorkload(workload);
    if (!parsed) throw cancelled();

    // 4. the Flux object whose inventory holds the workload (skipped when the cluster has no Flux)
    const flux = await pickFlux(session, ctx.name, workloadIdentity(parsed, namespace, await readObject(session, ctx.name, resourcePath(WORKLOAD_RESOURCES[parsed.kind], namespace, parsed.name), RESOURCES[WORKLOAD_RESOURCES[parsed.kind]].name)), {
      env: entry.env.name,
      ...(picked?.flux ? { current: picked.flux } : {}),
      ...(entry.env.flux ? { configured: entry.env.flux } : {}),
    });

    const mapping: ClusterMapping = { context: ctx.name, namespace, workload, ...(flux ? { flux } : {}) };
    await rollouts.mappings.set(key, mapping);
    const via = flux ? ` through ${flux.kind} ${flux.namespace}/${flux.name}` : '';
    s.log.info(`${entry.env.name} runs as ${workload} in ${namespace} (context ${ctx.name})${via}, picked in this workspace`);
    void vscode.window.showInformationMessage(`${entry.env.name} now shows ${workload} in ${namespace} (context ${ctx.name})${via} in this workspace.`);
  },
};

/**
 * The Kustomization / HelmRelease that applies the workload, picked from those whose inventory holds it;
 * undefined when the cluster has none (or no Flux) or the user keeps gitops-pilot.yaml's `flux:`.
 */
async function pickFlux(session: KubeSession, context: string, workload: WorkloadIdentity, o: { env: string; current?: FluxRef; configured?: FluxRef }): Promise<FluxRef | undefined> {
  const objects: KubeObject[] = [];
  for (const kind of ['Kustomization', 'HelmRelease'] as const) {
    const res = FLUX_RESOURCES[kind];
    const list = await readObject<{ items?: KubeObject[] }>(session, context, resourcePath(res), RESOURCES[res].name, 'list');
    for (const item of list?.items ?? []) objects.push({ ...item, kind });
  }
  const candidates = fluxCandidates(objects, workload, o);
  if (!candidates.length) return undefined;
  type FluxItem = vscode.QuickPickItem & { ref?: FluxRef };
  const keep = o.configured ? `$(discard) Use gitops-pilot.yaml's flux: (${o.configured.kind} ${o.configured.namespace}/${o.configured.name})` : '$(circle-slash) No Flux object';
  const items: FluxItem[] = [
    ...candidates.map((c, i) => ({ label: c.label, description: [c.description, c.inUse ? 'in use' : i === 0 ? 'suggested' : ''].filter(Boolean).join(' · '), ref: c.ref })),
    { label: keep },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: `Cluster of ${o.env}: the Flux object that applies ${workload.kind}/${workload.name}`, placeHolder: 'Its state shows beside the workload; Reconcile / Suspend / Resume act on it' });
  if (!choice) throw cancelled();
  return choice.ref;
}

/** One object (or list) from the cluster, or undefined when it cannot be read (forbidden, unreachable, not installed). */
async function readObject<T = KubeObject>(session: KubeSession, context: string, path: string, resource: string, verb: 'get' | 'list' = 'get'): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading ${resource}…` }, () => session.request<T>(context, 'GET', path, { verb, resource }, { timeoutMs: 15_000 }));
  } catch {
    return undefined;
  }
}

/** Names the cluster lists, or undefined when it cannot (forbidden, unreachable, not installed). */
async function listNames(session: KubeSession, context: string, path: string, resource: string): Promise<string[] | undefined> {
  try {
    const list = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Listing ${resource}…` }, () =>
      session.request<{ items?: Array<{ metadata?: { name?: string } }> }>(context, 'GET', path, { verb: 'list', resource }, { timeoutMs: 15_000 }),
    );
    return (list.items ?? []).map((i) => i.metadata?.name ?? '').filter(Boolean).sort();
  } catch (err) {
    const e = toPilotError(err);
    if (e.code === 'kube.notFound') return undefined; // the resource type is not installed (Argo Rollouts)
    if (resource === 'namespaces' || resource === 'deployments') void vscode.window.showWarningMessage(`Cannot list ${resource}: ${e.message}. Type the name instead.`);
    return undefined;
  }
}

/** A quick pick of `names` with the default first and "type another"; an input box when there are none. */
async function pickOrType(names: string[] | undefined, def: string, title: string, placeHolder: string, valid: RegExp): Promise<string> {
  const validate = (v: string) => (valid.test(v.trim()) ? undefined : `Not a valid name: ${placeHolder}`);
  if (names && names.length) {
    const TYPE = '$(edit) Type a name…';
    const ordered = [...new Set([...(names.includes(def) ? [def] : []), ...names])];
    const pick = await vscode.window.showQuickPick([...ordered.map((n) => ({ label: n, description: n === def ? 'suggested' : undefined })), { label: TYPE }], { title, placeHolder });
    if (!pick) throw cancelled();
    if (pick.label !== TYPE) return pick.label;
  }
  const typed = await vscode.window.showInputBox({ title, prompt: placeHolder, value: def, validateInput: validate });
  if (typed === undefined) throw cancelled();
  return typed.trim();
}
