import * as vscode from 'vscode';
import { cancelled, toPilotError } from '../../core/errors';
import type { ContextInfo } from '../../core/kube/kubeconfig';
import { RESOURCES, resourcePath, WORKLOAD_RESOURCES } from '../../core/kube/resources';
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
 * gitops-pilot.yaml (context names are personal); "Use gitops-pilot.yaml's mapping" removes it.
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
    const defaultNs = (current?.context === ctx.name ? current.namespace : undefined) ?? entry.env.cluster?.namespace ?? ctx.namespace ?? entry.env.name;
    const namespaces = await listNames(session, ctx.name, resourcePath('namespaces'), 'namespaces');
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
    if (!parseWorkload(workload)) throw cancelled();

    const mapping: ClusterMapping = { context: ctx.name, namespace, workload };
    await rollouts.mappings.set(key, mapping);
    s.log.info(`${entry.env.name} runs as ${workload} in ${namespace} (context ${ctx.name}), picked in this workspace`);
    void vscode.window.showInformationMessage(`${entry.env.name} now shows ${workload} in ${namespace} (context ${ctx.name}) in this workspace.`);
  },
};

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
