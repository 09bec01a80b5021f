/**
 * kubesim: a Kubernetes API server simulator for tests and the sandbox.
 *
 *   const sim = await startKubeSim();                      // fast timings, 3 nodes, no auth
 *   await createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 3, image: 'web:1.0.0' });
 *   sim.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:1.0.1' }] } } } });
 *   await sim.waitFor(() => sim.store.get('deployments', 'dev', 'web').status?.updatedReplicas === 3);
 *   await sim.close();
 *
 * See README.md next to this file for the full API, failure modes and faults.
 */
import { recordSecret } from '../secrets';
import { writeFileSync } from 'node:fs';
import { stringify as toYaml } from 'yaml';
import { AnalysisRules, AnalysisRunController, type AnalysisRule } from './controllers/analysis';
import { ApplicationController, type ApplicationApi, type ApplicationOperationHandler } from './controllers/application';
import { FluxController } from './controllers/flux';
import { DaemonSetController } from './controllers/daemonset';
import { DeploymentController } from './controllers/deployment';
import { Kubelet } from './controllers/kubelet';
import { ReplicaSetController } from './controllers/replicaset';
import { RolloutController } from './controllers/rollout';
import { StatefulSetController } from './controllers/statefulset';
import { EventRecorder } from './events';
import { FailureRules, Stats, type RequestFilter, type StatsSnapshot } from './faults';
import { Behaviors, Runtime, SPEEDS, type BehaviorRule, type ImageExistsHook, type Speed, type Timings } from './runtime';
import { KubeApiServer, type ForbidRule } from './server';
import { Store, type StoreEvent } from './store';
import { selfSignedCertificate, type TlsMaterial } from './tls';
import { Random, type KubeObject } from './util';

export type { KubeObject } from './util';
export type { Speed, Timings, PodBehavior, BehaviorRule, ImageExistsHook } from './runtime';
export { BEHAVIOR_ANNOTATION, SPEEDS } from './runtime';
export type { RequestFilter, StatsSnapshot, Verb } from './faults';
export type { ForbidRule } from './server';
export type { Store, StoreEvent, ListOptions, ListResult, PatchType, DeleteOptions } from './store';
export type { ApplicationApi, ApplicationOperationHandler, ApplicationOperationRequest, ApplicationResource, HealthStatus, SyncStatus } from './controllers/application';
export { REFRESH_ANNOTATION } from './controllers/application';
export { ApiError } from './status';
export type { TlsMaterial } from './tls';

export interface KubeSimOptions {
  /** 0 (default) picks a free port */
  port?: number;
  host?: string;
  /** `fast` (default; tens of ms per pod step, spec seconds x0.01) or `realistic` (seconds, real time) */
  speed?: Speed;
  /** overrides of the speed's timings */
  timings?: Partial<Timings>;
  /** run the controllers, scheduler and kubelets (default true); false gives a plain API server */
  controllers?: boolean;
  /** seed of generated names and uids (default 1): the same seed gives the same names */
  seed?: number;
  /** change events kept per resource type for watches; older resourceVersions get 410 Gone (default 1000) */
  historyLimit?: number;
  /** simulated nodes: a count (default 3, named kubesim-worker-N) or names */
  nodes?: number | string[];
  /** require `Authorization: Bearer <token>`; tokens map to user names */
  auth?: { tokens: Record<string, string> };
  /** the user of an unauthenticated simulator, shown in Forbidden messages (default `kubesim-admin`) */
  user?: string;
  /** BOOKMARK interval on watches that allow them (default: 1 s fast, 60 s realistic) */
  bookmarkIntervalMs?: number;
  /** server-side timeout of watches that give no timeoutSeconds (default 1800) */
  defaultWatchTimeoutSeconds?: number;
  /** whether an image can be pulled (default: every image exists) */
  imageExists?: ImageExistsHook;
  /**
   * Serve HTTPS: `true` makes a self-signed certificate (openssl), or pass one. kubectl sends bearer
   * tokens only over TLS, so kubectl tests of authentication need this; the kubeconfig trusts the certificate.
   */
  tls?: boolean | TlsMaterial;
  /** reported by /version; /usr/bin/kubectl (a version dispatcher) picks its client by it (default 32) */
  kubernetesMinorVersion?: number;
  /** objects to create at start (through the API semantics, so controllers act on them) */
  objects?: KubeObject[];
  /** request log and controller errors (default: controller errors to stderr, no request log) */
  log?: (line: string) => void;
}

export interface KubeSimControllers {
  /** holds every controller, scheduler and kubelet step until resume() */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  readonly timings: Timings;
  setTimings(t: Partial<Timings>): void;
  /** per-image scripted pod behaviours (see PodBehavior); later rules win */
  addBehavior(rule: BehaviorRule): () => void;
  clearBehaviors(): void;
  /** scripted outcomes of Argo Rollouts analysis metrics, per image (and metric); default Successful */
  addAnalysisRule(rule: AnalysisRule): () => void;
  setImageExists(hook: ImageExistsHook): void;
}

export interface KubeSimFaults {
  /** The next `count` requests matching `filter` get HTTP `status` (410 on a watch: an ERROR event, as the API server sends). */
  failNext(count: number, status: number, filter?: RequestFilter, message?: string): void;
  /** Closes matching watch streams now (abruptly unless graceful). Returns how many. */
  dropWatches(filter?: RequestFilter, opts?: { graceful?: boolean }): number;
  /** Matching watch streams stay open but send nothing for `ms` (then deliver what was held). Returns how many. */
  stallWatches(ms: number, filter?: RequestFilter): number;
  /**
   * An API server restart: every connection is dropped; with `downtimeMs` the port refuses connections
   * for that long; with `resetHistory` the watch history is gone, so old resourceVersions get 410.
   */
  restart(opts?: { resetHistory?: boolean; downtimeMs?: number }): Promise<void>;
  /** Forgets the change history up to now (like etcd compaction): watches from older resourceVersions get 410. */
  compact(): void;
  /** Removes pending injected failures. */
  clear(): void;
}

export interface KubeSimAuth {
  /** Requests matching the rule get 403 Forbidden. Returns a function removing the rule. */
  forbid(rule: ForbidRule): () => void;
  clearForbidden(): void;
}

export interface KubeSim {
  readonly url: string;
  readonly port: number;
  /** the serving certificate (PEM) when started with `tls`: clients trust it as their CA */
  readonly ca?: string;
  /** direct access to objects (no auth, faults or stats): create/get/update/patch/delete/list/select/put */
  readonly store: Store;
  readonly controllers: KubeSimControllers;
  readonly faults: KubeSimFaults;
  readonly auth: KubeSimAuth;
  readonly stats: { snapshot(): StatsSnapshot; reset(): void };
  /** Argo CD: called when an Application gets an `operation` (Sync) or the refresh annotation. */
  onApplicationOperation(handler: ApplicationOperationHandler): () => void;
  /** Argo CD application status writes for agents and tests */
  readonly argocd: ApplicationApi;
  /** Flux: GitRepository URLs served from bare repositories on disk (`file://` URLs need no entry) */
  readonly flux: { addRepository(url: string, bareDir: string): void };
  /**
   * Resolves with the first truthy value of `check`, evaluated now and after every change in the
   * store; rejects after `timeoutMs` (default 10 s) with `description`.
   */
  waitFor<T>(check: () => T | undefined | null | false, opts?: { timeoutMs?: number; description?: string }): Promise<T>;
  /** Subscribes to every change in the store. */
  onChange(listener: (ev: StoreEvent) => void): () => void;
  /** A kubeconfig (YAML) whose current context points at the simulator. */
  kubeconfig(opts?: { token?: string; namespace?: string; context?: string }): string;
  writeKubeconfig(file: string, opts?: { token?: string; namespace?: string; context?: string }): void;
  close(): Promise<void>;
}

function nodeObject(name: string, index: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'm5.large',
        'topology.kubernetes.io/zone': `us-east-2${'abc'[index % 3]}`,
      },
    },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
      addresses: [
        { type: 'InternalIP', address: `10.0.1.${10 + index}` },
        { type: 'Hostname', address: name },
      ],
      capacity: { cpu: '2', memory: '8035260Ki', pods: '110' },
      allocatable: { cpu: '1930m', memory: '7284668Ki', pods: '110' },
      nodeInfo: {
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        kernelVersion: '6.1.0-kubesim',
        containerRuntimeVersion: 'containerd://1.7.24',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const speed = opts.speed ?? 'fast';
  for (const token of Object.keys(opts.auth?.tokens ?? {})) recordSecret(token);
  const timings: Timings = { ...SPEEDS[speed], ...(opts.timings ?? {}) };
  const random = new Random(opts.seed ?? 1);
  const withControllers = opts.controllers !== false;
  const log = opts.log;
  const onError = (err: unknown, where: string) => {
    const text = `kubesim: ${where}: ${(err as Error)?.stack ?? String(err)}`;
    if (log) log(text);
    else process.stderr.write(`${text}\n`);
  };

  const store = new Store({ random, historyLimit: opts.historyLimit ?? 1000, gracefulPodDeletion: () => withControllers });
  const events = new EventRecorder(store);
  const behaviors = new Behaviors();
  const analysisRules = new AnalysisRules();
  const runtime = new Runtime(store, events, random, timings, behaviors, opts.imageExists ?? (() => true), onError);
  const stats = new Stats();
  const failures = new FailureRules();
  const forbidden: ForbidRule[] = [];

  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const nodeNames = Array.isArray(opts.nodes) ? opts.nodes : Array.from({ length: opts.nodes ?? 3 }, (_, i) => `kubesim-worker-${i + 1}`);
  nodeNames.forEach((name, i) => store.put(nodeObject(name, i)));

  // the Application API works without controllers (agents and tests write status through it)
  const applications = new ApplicationController(runtime, onError, withControllers);
  if (withControllers) {
    const kubelet = new Kubelet(runtime);
    new ReplicaSetController(runtime, kubelet);
    new DeploymentController(runtime);
    new StatefulSetController(runtime, kubelet);
    new DaemonSetController(runtime, kubelet);
    new RolloutController(runtime, analysisRules);
    new AnalysisRunController(runtime, analysisRules);
  }
  const flux = withControllers ? new FluxController(runtime) : undefined;
  const argocd: ApplicationApi = applications;

  for (const o of opts.objects ?? []) store.createObject(o);

  const tls = opts.tls === true ? selfSignedCertificate() : opts.tls || undefined;
  const server = new KubeApiServer({
    tls,
    store,
    stats,
    failures,
    auth: opts.auth,
    user: opts.user ?? 'kubesim-admin',
    forbidden,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? (speed === 'fast' ? 1000 : 60_000),
    defaultWatchTimeoutSeconds: opts.defaultWatchTimeoutSeconds ?? 1800,
    version: { major: '1', minor: String(opts.kubernetesMinorVersion ?? 32), gitVersion: `v1.${opts.kubernetesMinorVersion ?? 32}.0-kubesim` },
    log,
  });
  const host = opts.host ?? '127.0.0.1';
  const port = await server.listen(opts.port ?? 0, host);
  const url = server.url;

  const kubeconfig = (k: { token?: string; namespace?: string; context?: string } = {}) => {
    const context = k.context ?? 'kubesim';
    const user: Record<string, unknown> = {};
    const token = k.token ?? (opts.auth ? Object.keys(opts.auth.tokens)[0] : undefined);
    if (token) user.token = token;
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      // @kubernetes/client-node refuses plain http unless the cluster skips TLS verification
      clusters: [{ name: context, cluster: tls ? { server: url, 'certificate-authority-data': Buffer.from(tls.cert).toString('base64') } : { server: url, 'insecure-skip-tls-verify': true } }],
      contexts: [{ name: context, context: { cluster: context, user: context, namespace: k.namespace ?? 'default' } }],
      'current-context': context,
      users: [{ name: context, user }],
      preferences: {},
    });
  };

  let closed = false;
  const sim: KubeSim = {
    url,
    port,
    ca: tls?.cert,
    store,
    controllers: {
      pause: () => runtime.pause(),
      resume: () => runtime.resume(),
      get paused() {
        return runtime.isPaused;
      },
      get timings() {
        return runtime.timings;
      },
      setTimings: (t) => {
        runtime.timings = { ...runtime.timings, ...t };
      },
      addBehavior: (rule) => behaviors.add(rule),
      clearBehaviors: () => {
        behaviors.clear();
        analysisRules.clear();
      },
      addAnalysisRule: (rule) => analysisRules.add(rule),
      setImageExists: (hook) => {
        runtime.imageExists = hook;
      },
    },
    faults: {
      failNext: (count, status, filter, message) => failures.add({ count, status, filter, message }),
      dropWatches: (filter, o) => server.dropWatches(filter, o),
      stallWatches: (ms, filter) => server.stallWatches(ms, filter),
      restart: async (o = {}) => {
        if (o.resetHistory) store.compact();
        if (o.downtimeMs && o.downtimeMs > 0) {
          await server.stopListening();
          await new Promise((r) => setTimeout(r, o.downtimeMs));
          if (!closed) await server.listen(port, host);
        } else {
          server.dropAllConnections();
        }
      },
      compact: () => store.compact(),
      clear: () => failures.clear(),
    },
    auth: {
      forbid: (rule) => {
        forbidden.push(rule);
        return () => {
          const i = forbidden.indexOf(rule);
          if (i >= 0) forbidden.splice(i, 1);
        };
      },
      clearForbidden: () => {
        forbidden.length = 0;
      },
    },
    stats: { snapshot: () => stats.snapshot(), reset: () => stats.reset() },
    onApplicationOperation: (handler) => {
      if (!withControllers) throw new Error('kubesim: Argo CD operations need the controllers (controllers: true)');
      return applications.onOperation(handler);
    },
    argocd,
    flux: {
      addRepository: (url, bareDir) => {
        if (!flux) throw new Error('kubesim: Flux needs the controllers (controllers: true)');
        flux.addRepository(url, bareDir);
      },
    },
    waitFor: (check, o = {}) =>
      new Promise((resolve, reject) => {
        const timeoutMs = o.timeoutMs ?? 10_000;
        let done = false;
        let last: unknown;
        const finish = (fn: () => void) => {
          if (done) return;
          done = true;
          unsubscribe();
          clearTimeout(timer);
          clearInterval(poll);
          fn();
        };
        const evaluate = () => {
          if (done) return;
          try {
            const v = check();
            last = v;
            if (v) finish(() => resolve(v as never));
          } catch (err) {
            finish(() => reject(err));
          }
        };
        const unsubscribe = store.subscribe(() => queueMicrotask(evaluate));
        // time-based conditions (deadlines) change without a store write
        const poll = setInterval(evaluate, 25);
        const timer = setTimeout(() => finish(() => reject(new Error(`kubesim: timed out after ${timeoutMs} ms waiting for ${o.description ?? 'a condition'} (last value: ${JSON.stringify(last)})`))), timeoutMs);
        evaluate();
      }),
    onChange: (listener) => store.subscribe(listener),
    kubeconfig,
    writeKubeconfig: (file, k) => writeFileSync(file, kubeconfig(k), { mode: 0o600 }),
    close: async () => {
      if (closed) return;
      closed = true;
      runtime.stop();
      await server.close();
    },
  };
  return sim;
}

export * from './fixtures';
export * from './fluxFixtures';
