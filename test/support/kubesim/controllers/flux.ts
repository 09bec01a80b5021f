/**
 * A Flux agent for the simulator: source-controller, kustomize-controller and helm-controller in small,
 * reconciling from the test's bare git repositories (test/support/gitopsSource, the mechanism the
 * Argo-CD-like sandbox agent uses) on each object's `spec.interval` (scaled by the speed's timeFactor:
 * 1m is 600 ms when fast) and at once on a new `reconcile.fluxcd.io/requestedAt`, a spec change, or a new
 * source revision. Every step is a status write, with Flux's conditions:
 *   GitRepository  Reconciling "building artifact: new upstream revision '…'" -> Ready Succeeded
 *                  "stored artifact for revision 'main@sha1:…'" (or Ready False GitOperationFailed + FetchFailed)
 *   Kustomization  Reconciling "Fetching manifests for revision … with a timeout of …" -> apply (Ready False
 *                  ArtifactFailed / BuildFailed / ReconciliationFailed with the error) -> "Running health checks
 *                  for revision …" (wait or healthChecks) -> Ready ReconciliationSucceeded "Applied revision: …",
 *                  or Ready False HealthCheckFailed "health check failed after …: timeout waiting for: […]"
 *   HelmRelease    Reconciling "Running 'upgrade' action with timeout of 5m0s" -> Ready/Released
 *                  InstallSucceeded/UpgradeSucceeded "Helm upgrade succeeded for release ns/name.vN with chart
 *                  name@0.1.0+<commit12>", or UpgradeFailed "…: context deadline exceeded" and Stalled RetriesExceeded
 * What "apply" means here: a Kustomization's `<path>/kustomization.yaml` `images:` entries are set on the
 * containers (of the Deployments in its target namespace) whose image they name, as kustomize's images
 * transformer does; a HelmRelease's `valuesFiles` give `image.repository`/`image.tag`/`replicaCount` of the
 * Deployment named after the release. The Deployments must exist (the test creates them).
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { fileAt, gitBare } from '../../gitopsSource';
import type { Controller, Runtime } from '../runtime';
import { clone, rfc3339, type KubeObject } from '../util';
import { workloadHealth } from './application';

export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
type Kind = 'gitrepositories' | 'kustomizations' | 'helmreleases';
interface Cond { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; observedGeneration?: number; lastTransitionTime?: string }

/** Go's time.Duration string (`1m0s`, `30s`, `5m`) in seconds; undefined when not one. */
export function goDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(text)) return undefined;
  let s = 0;
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) s += Number(n) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[u!]!;
  return s;
}

/** `1m0s`, `4m30s`: how Flux prints a duration in messages. */
export function formatGoDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round((seconds - m * 60) * 10) / 10;
  return m ? `${m}m${s}s` : `${s}s`;
}

export class FluxController implements Controller {
  readonly name = 'flux';
  private readonly repos = new Map<string, string>();
  private readonly busy = new Set<string>();
  private readonly next = new Map<string, number>();
  /** what the last reconcile of each object started from: its generation and its source's revision */
  private readonly attempted = new Map<string, { generation?: number; source?: string }>();

  constructor(private readonly rt: Runtime) {
    rt.store.subscribe((ev) => {
      const r = ev.rt.resource;
      if (ev.type === 'DELETED' || (r !== 'gitrepositories' && r !== 'kustomizations' && r !== 'helmreleases')) return;
      this.rt.enqueue(this, ev.object.metadata.namespace, `${r}/${ev.object.metadata.name}`);
    });
  }

  /** Serves a bare repository at a GitRepository URL (any URL; `file://` paths work without this). */
  addRepository(url: string, bareDir: string): void {
    this.repos.set(url, bareDir);
  }

  reconcile(namespace: string | undefined, key: string): void {
    const [kind, name] = key.split('/') as [Kind, string];
    const obj = this.rt.store.tryGet(kind, namespace, name);
    const id = `${kind}/${namespace}/${name}`;
    if (!obj || obj.metadata.deletionTimestamp || this.busy.has(id) || obj.spec?.suspend === true) return;
    const s = obj.status ?? {};
    const requested = obj.metadata.annotations?.[REQUESTED_AT];
    const due = (this.next.get(id) ?? 0) <= Date.now();
    const last = this.attempted.get(id);
    const source = kind === 'gitrepositories' ? undefined : this.sourceRevision(obj);
    const newSpec = last?.generation !== obj.metadata.generation;
    const newRequest = requested !== undefined && requested !== s.lastHandledReconcileAt;
    const newSource = source !== undefined && source !== last?.source;
    if (!due && !newSpec && !newRequest && !newSource) return;
    this.busy.add(id);
    this.attempted.set(id, { generation: obj.metadata.generation, source });
    const done = () => {
      this.busy.delete(id);
      const ms = this.rt.seconds(goDuration(obj.spec?.interval) ?? 600);
      this.next.set(id, Date.now() + ms);
      this.rt.enqueueAfter(this, namespace, key, ms);
      // a request, spec change or new revision that came while this one ran
      this.rt.enqueue(this, namespace, key);
    };
    const step = Math.max(1, this.rt.timings.scheduleMs);
    const run = kind === 'gitrepositories' ? this.source(obj, step, done) : kind === 'kustomizations' ? this.kustomization(obj, step, done) : this.helmRelease(obj, step, done);
    run.catch(() => done());
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────────
  private write(kind: Kind, obj: KubeObject, fn: (status: any, current: KubeObject) => void, events?: { type: 'Normal' | 'Warning'; reason: string; message: string }): KubeObject | undefined {
    const current = this.rt.store.tryGet(kind, obj.metadata.namespace, obj.metadata.name ?? '');
    if (!current) return undefined;
    const next = clone(current);
    next.status = next.status ?? {};
    fn(next.status, current);
    const updated = this.rt.store.update(kind, obj.metadata.namespace, obj.metadata.name ?? '', next, { subresource: 'status' });
    if (events) this.rt.events.record(updated, { ...events, source: { component: kind === 'gitrepositories' ? 'source-controller' : kind === 'kustomizations' ? 'kustomize-controller' : 'helm-controller' } });
    return updated;
  }

  private static set(status: any, gen: number | undefined, ...conds: Cond[]): void {
    const list: Cond[] = Array.isArray(status.conditions) ? status.conditions : [];
    const now = rfc3339();
    for (const c of conds) {
      const old = list.find((x) => x.type === c.type);
      const entry = { ...c, observedGeneration: gen, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
      if (old) list.splice(list.indexOf(old), 1, entry);
      else list.push(entry);
    }
    // Ready first, then the rest in Flux's order
    const order = ['Ready', 'Reconciling', 'Stalled', 'Healthy', 'Released', 'FetchFailed', 'ArtifactInStorage'];
    status.conditions = list.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  }

  private static drop(status: any, ...types: string[]): void {
    status.conditions = (status.conditions ?? []).filter((c: Cond) => !types.includes(c.type));
  }

  private handled(status: any, current: KubeObject): void {
    const requested = current.metadata.annotations?.[REQUESTED_AT];
    if (requested !== undefined) status.lastHandledReconcileAt = requested;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => this.rt.after(ms, resolve));
  }

  // ── source-controller ───────────────────────────────────────────────────────────────────────────
  private async source(obj: KubeObject, step: number, done: () => void): Promise<void> {
    const gen = obj.metadata.generation;
    const url: string = obj.spec?.url ?? '';
    const branch: string = obj.spec?.ref?.branch ?? 'master';
    const bare = this.repos.get(url) ?? (url.startsWith('file://') ? url.slice('file://'.length) : undefined);
    let rev: string | undefined;
    let error: string | undefined;
    try {
      if (!bare) throw new Error('repository not found');
      rev = `${branch}@sha1:${gitBare(bare, 'rev-parse', `refs/heads/${branch}`)}`;
    } catch (err) {
      error = `failed to checkout and determine revision: unable to clone '${url}': ${(err as Error).message.replace(/^git [^:]*: /, '')}`;
    }
    const changed = rev !== obj.status?.artifact?.revision;
    this.write('gitrepositories', obj, (s) => {
      FluxController.set(s, gen, { type: 'Reconciling', status: 'True', reason: 'Progressing', message: changed && rev ? `building artifact: new upstream revision '${rev}'` : 'reconciliation in progress' });
      if (!s.conditions.some((c: Cond) => c.type === 'Ready')) FluxController.set(s, gen, { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'reconciliation in progress' });
    });
    await this.wait(step);
    this.write('gitrepositories', obj, (s, current) => {
      this.handled(s, current);
      if (error || !rev) {
        FluxController.set(s, gen, { type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: error! }, { type: 'FetchFailed', status: 'True', reason: 'GitOperationFailed', message: error! }, { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: 'retrying' });
        return;
      }
      const digest = `sha256:${createHash('sha256').update(rev).digest('hex')}`;
      s.artifact = { digest, lastUpdateTime: changed ? rfc3339() : (s.artifact?.lastUpdateTime ?? rfc3339()), path: `gitrepository/${obj.metadata.namespace}/${obj.metadata.name}/${rev.split(':')[1]}.tar.gz`, revision: rev, size: 1024, url: `http://source-controller.flux-system.svc.cluster.local./gitrepository/${obj.metadata.namespace}/${obj.metadata.name}/${rev.split(':')[1]}.tar.gz` };
      FluxController.drop(s, 'Reconciling', 'FetchFailed');
      FluxController.set(s, gen, { type: 'Ready', status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${rev}'` }, { type: 'ArtifactInStorage', status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${rev}'` });
      s.observedGeneration = gen;
    }, error ? { type: 'Warning', reason: 'GitOperationFailed', message: error } : changed ? { type: 'Normal', reason: 'NewArtifact', message: `stored artifact for commit '${rev}'` } : undefined);
    if (changed && rev) for (const r of ['kustomizations', 'helmreleases'] as const) for (const o of this.rt.store.select(r)) if (this.sourceOf(o)?.name === obj.metadata.name && this.sourceOf(o)?.namespace === obj.metadata.namespace) this.rt.enqueue(this, o.metadata.namespace, `${r}/${o.metadata.name}`);
    done();
  }

  private sourceOf(obj: KubeObject): { name: string; namespace: string; bare?: string } | undefined {
    const ref = obj.kind === 'HelmRelease' ? obj.spec?.chart?.spec?.sourceRef : obj.spec?.sourceRef;
    if (!ref?.name || (ref.kind ?? 'GitRepository') !== 'GitRepository') return undefined;
    return { name: ref.name, namespace: ref.namespace ?? obj.metadata.namespace ?? 'default' };
  }

  private sourceRevision(obj: KubeObject): string | undefined {
    const ref = this.sourceOf(obj);
    return ref ? this.rt.store.tryGet('gitrepositories', ref.namespace, ref.name)?.status?.artifact?.revision : undefined;
  }

  /** The source's revision and bare repository, or the ArtifactFailed message. */
  private artifact(obj: KubeObject): { rev: string; bare: string } | { error: string } {
    const ref = this.sourceOf(obj);
    const repo = ref && this.rt.store.tryGet('gitrepositories', ref.namespace, ref.name);
    if (!ref || !repo) return { error: `GitRepository.source.toolkit.fluxcd.io "${ref?.name ?? ''}" not found` };
    const rev = repo.status?.artifact?.revision;
    const url: string = repo.spec?.url ?? '';
    const bare = this.repos.get(url) ?? (url.startsWith('file://') ? url.slice(7) : undefined);
    if (!rev || !bare) return { error: `Source artifact not found, retrying in ${obj.spec?.retryInterval ?? '30s'}` };
    return { rev, bare };
  }

  // ── kustomize-controller ────────────────────────────────────────────────────────────────────────
  private async kustomization(obj: KubeObject, step: number, done: () => void): Promise<void> {
    const K = 'kustomizations' as const;
    const gen = obj.metadata.generation;
    const timeout = goDuration(obj.spec?.timeout) ?? goDuration(obj.spec?.interval) ?? 300;
    const fail = (reason: string, message: string) => {
      this.write(K, obj, (s, current) => {
        this.handled(s, current);
        FluxController.set(s, gen, { type: 'Ready', status: 'False', reason, message }, { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: `Detecting drift for revision ${s.lastAttemptedRevision ?? ''} with a timeout of ${formatGoDuration(timeout)}` });
      }, { type: 'Warning', reason, message });
      done();
    };
    const art = this.artifact(obj);
    if ('error' in art) return fail('ArtifactFailed', art.error);
    this.write(K, obj, (s) => {
      s.lastAttemptedRevision = art.rev;
      FluxController.set(s, gen, { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Fetching manifests for revision ${art.rev} with a timeout of ${formatGoDuration(timeout)}` }, { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' });
    });
    await this.wait(step);
    const path = String(obj.spec?.path ?? '').replace(/^\.\/?/, '').replace(/\/$/, '');
    const text = fileAt(art.bare, art.rev.split(':')[1]!, `${path ? `${path}/` : ''}kustomization.yaml`);
    if (text === undefined) return fail('ArtifactFailed', `kustomization path not found: stat /tmp/kustomization/${path}: no such file or directory`);
    let doc: any;
    try {
      doc = parseYaml(text) ?? {};
    } catch (err) {
      return fail('BuildFailed', `kustomize build failed: ${(err as Error).message.split('\n')[0]}`);
    }
    const namespace: string = obj.spec?.targetNamespace ?? doc.namespace ?? obj.metadata.namespace;
    if (!this.rt.store.tryGet('namespaces', undefined, namespace)) return fail('ReconciliationFailed', `Namespace/${namespace} not found: namespaces "${namespace}" not found`);
    const images: Array<{ name?: string; newName?: string; newTag?: string; digest?: string }> = Array.isArray(doc.images) ? doc.images : [];
    const applied: KubeObject[] = [];
    for (const dep of this.rt.store.select('deployments', { namespace })) {
      const containers: Array<{ name: string; image: string }> = dep.spec?.template?.spec?.containers ?? [];
      const patch = containers.flatMap((c) => {
        const repo = c.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
        const e = images.find((i) => i.name === repo);
        if (!e) return [];
        const image = `${e.newName ?? repo}${e.digest ? `@${e.digest}` : `:${e.newTag ?? 'latest'}`}`;
        return [{ name: c.name, image }];
      });
      if (!patch.length) continue;
      const labels = { 'kustomize.toolkit.fluxcd.io/name': obj.metadata.name, 'kustomize.toolkit.fluxcd.io/namespace': obj.metadata.namespace };
      this.rt.store.patch('deployments', namespace, dep.metadata.name ?? '', 'strategic', { metadata: { labels }, spec: { template: { spec: { containers: patch } } } });
      applied.push(dep);
    }
    const inventory = { entries: applied.map((d) => ({ id: `${namespace}_${d.metadata.name}_apps_Deployment`, v: 'v1' })) };
    this.write(K, obj, (s) => {
      s.inventory = inventory;
    }, { type: 'Normal', reason: 'Progressing', message: applied.map((d) => `Deployment/${namespace}/${d.metadata.name} configured`).join('\n') || 'no changes' });
    const checks = obj.spec?.wait ? applied.map((d) => ({ namespace, name: d.metadata.name ?? '' })) : (obj.spec?.healthChecks ?? []).filter((h: any) => h.kind === 'Deployment').map((h: any) => ({ namespace: h.namespace ?? namespace, name: h.name }));
    if (checks.length) {
      this.write(K, obj, (s) => FluxController.set(s, gen, { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Running health checks for revision ${art.rev} with a timeout of ${formatGoDuration(timeout)}` }, { type: 'Healthy', status: 'Unknown', reason: 'Progressing', message: `Running health checks for revision ${art.rev} with a timeout of ${formatGoDuration(timeout)}` }));
      const waiting = await this.healthy(checks, timeout);
      if (waiting.length) {
        const message = `health check failed after ${formatGoDuration(timeout)}: timeout waiting for: [${waiting.map((w) => `Deployment/${w.namespace}/${w.name} status: 'InProgress'`).join(', ')}]`;
        this.write(K, obj, (s) => FluxController.set(s, gen, { type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message }));
        return fail('HealthCheckFailed', message);
      }
    }
    this.write(K, obj, (s, current) => {
      this.handled(s, current);
      FluxController.drop(s, 'Reconciling');
      FluxController.set(s, gen, { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${art.rev}` }, ...(checks.length ? [{ type: 'Healthy', status: 'True' as const, reason: 'Succeeded', message: 'Health check passed' }] : []));
      s.lastAppliedRevision = art.rev;
      s.observedGeneration = gen;
    }, { type: 'Normal', reason: 'ReconciliationSucceeded', message: `Reconciliation finished, next run in ${obj.spec?.interval ?? '10m'}` });
    done();
  }

  /** Waits until every Deployment is Healthy (gitops-engine's rules, as kstatus for a Deployment) or the timeout; returns those still waiting. */
  private healthy(checks: Array<{ namespace: string; name: string }>, timeoutSeconds: number): Promise<Array<{ namespace: string; name: string }>> {
    const waiting = () => checks.filter((c) => {
      const d = this.rt.store.tryGet('deployments', c.namespace, c.name);
      return !d || workloadHealth(d).status !== 'Healthy';
    });
    return new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        unsubscribe();
        resolve(waiting());
      };
      const unsubscribe = this.rt.store.subscribe(() => {
        if (!waiting().length) queueMicrotask(finish);
      });
      this.rt.after(this.rt.seconds(timeoutSeconds), finish);
      if (!waiting().length) queueMicrotask(finish);
    });
  }

  // ── helm-controller ─────────────────────────────────────────────────────────────────────────────
  private async helmRelease(obj: KubeObject, step: number, done: () => void): Promise<void> {
    const H = 'helmreleases' as const;
    const gen = obj.metadata.generation;
    const ns = obj.metadata.namespace ?? 'default';
    const name = obj.metadata.name ?? '';
    const release = obj.spec?.releaseName ?? (obj.spec?.targetNamespace ? `${obj.spec.targetNamespace}-${name}` : name);
    const target = obj.spec?.targetNamespace ?? ns;
    const timeout = goDuration(obj.spec?.timeout) ?? 300;
    const chartPath = String(obj.spec?.chart?.spec?.chart ?? '').replace(/^\.\//, '');
    const src = this.sourceOf(obj);
    const helmChart = `${src?.namespace ?? ns}/${ns}-${name}`;
    const fail = (reason: string, message: string, stalled?: string) => {
      this.write(H, obj, (s, current) => {
        this.handled(s, current);
        FluxController.drop(s, 'Reconciling');
        FluxController.set(s, gen, { type: 'Ready', status: 'False', reason, message }, ...(stalled ? [{ type: 'Stalled' as const, status: 'True' as const, reason: 'RetriesExceeded', message: stalled }, { type: 'Released', status: 'False' as const, reason, message }] : []));
        s.observedGeneration = gen;
      }, { type: 'Warning', reason, message });
      done();
    };
    const art = this.artifact(obj);
    if ('error' in art) return fail('ArtifactFailed', `HelmChart '${helmChart}' is not ready: ${art.error}`);
    const commit = art.rev.split(':')[1]!;
    const chartYaml = fileAt(art.bare, commit, `${chartPath}/Chart.yaml`);
    if (chartYaml === undefined) return fail('ArtifactFailed', `HelmChart '${helmChart}' is not ready: chart path '${chartPath}' not found in revision '${art.rev}'`);
    const chart = (parseYaml(chartYaml) ?? {}) as { name?: string; version?: string; appVersion?: string };
    const chartName = chart.name ?? chartPath.split('/').pop() ?? name;
    const chartVersion = `${chart.version ?? '0.1.0'}${obj.spec?.chart?.spec?.reconcileStrategy === 'Revision' ? `+${commit.slice(0, 12)}` : ''}`;
    const values: Record<string, any> = {};
    for (const f of obj.spec?.chart?.spec?.valuesFiles ?? []) Object.assign(values, deepMerge(values, parseYaml(fileAt(art.bare, commit, f) ?? '') ?? {}));
    Object.assign(values, deepMerge(values, obj.spec?.values ?? {}));
    const configDigest = `sha256:${createHash('sha256').update(JSON.stringify(values)).digest('hex')}`;
    const history: any[] = clone(obj.status?.history ?? []);
    const last = history[0];
    if (last && last.status === 'deployed' && last.chartVersion === chartVersion && last.configDigest === configDigest) {
      this.write(H, obj, (s, current) => {
        this.handled(s, current);
        s.observedGeneration = gen;
        });
      return done();
    }
    const action = last ? 'upgrade' : 'install';
    this.write(H, obj, (s) => {
      s.lastAttemptedRevision = chartVersion;
      s.lastAttemptedConfigDigest = configDigest;
      s.lastAttemptedGeneration = gen;
      s.helmChart = helmChart;
      s.storageNamespace = target;
      FluxController.set(s, gen, { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Running '${action}' action with timeout of ${formatGoDuration(timeout)}` }, { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: `Running '${action}' action with timeout of ${formatGoDuration(timeout)}` });
    });
    await this.wait(step);
    const image = values.image?.repository && values.image?.tag ? `${values.image.repository}:${values.image.tag}` : undefined;
    const version = (last?.version ?? 0) + 1;
    const Action = action === 'install' ? 'Install' : 'Upgrade';
    try {
      const dep = this.rt.store.get('deployments', target, release);
      const container = dep.spec?.template?.spec?.containers?.[0]?.name;
      const labels = { 'helm.toolkit.fluxcd.io/name': name, 'helm.toolkit.fluxcd.io/namespace': ns, 'app.kubernetes.io/managed-by': 'Helm' };
      const patch: any = { metadata: { labels, annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': target } }, spec: image ? { template: { spec: { containers: [{ name: container, image }] } } } : {} };
      if (typeof values.replicaCount === 'number') patch.spec.replicas = values.replicaCount;
      this.rt.store.patch('deployments', target, release, 'strategic', patch);
    } catch (err) {
      return fail(`${Action}Failed`, `Helm ${action} failed for release ${target}/${release} with chart ${chartName}@${chartVersion}: ${(err as Error).message}`, `Failed to ${action} after 1 attempt(s)`);
    }
    const now = rfc3339();
    const entry = { appVersion: chart.appVersion, chartName, chartVersion, configDigest, digest: `sha256:${createHash('sha256').update(`${release}.v${version}`).digest('hex')}`, firstDeployed: history.at(-1)?.firstDeployed ?? now, lastDeployed: now, name: release, namespace: target, status: 'deployed', version };
    const waiting = obj.spec?.[action]?.disableWait ? [] : await this.healthy([{ namespace: target, name: release }], timeout);
    if (waiting.length) {
      history.unshift({ ...entry, status: 'failed' });
      this.write(H, obj, (s) => {
        s.history = history.slice(0, 5);
      });
      return fail(`${Action}Failed`, `Helm ${action} failed for release ${target}/${release} with chart ${chartName}@${chartVersion}: context deadline exceeded`, `Failed to ${action} after 1 attempt(s)`);
    }
    for (const h of history) if (h.status === 'deployed') h.status = 'superseded';
    history.unshift(entry);
    const message = `Helm ${action} succeeded for release ${target}/${release}.v${version} with chart ${chartName}@${chartVersion}`;
    this.write(H, obj, (s, current) => {
      this.handled(s, current);
      s.history = history.slice(0, 5);
      s.observedGeneration = gen;
      FluxController.drop(s, 'Reconciling', 'Stalled');
      FluxController.set(s, gen, { type: 'Ready', status: 'True', reason: `${Action}Succeeded`, message }, { type: 'Released', status: 'True', reason: `${Action}Succeeded`, message });
    }, { type: 'Normal', reason: `${Action}Succeeded`, message });
    done();
  }
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? deepMerge(out[k], v) : v;
  return out;
}
