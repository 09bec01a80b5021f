/**
 * The scheduler and the kubelets of the simulated nodes: binds pods to nodes, then walks each pod
 * through sandbox creation, image pulls, container start and readiness, with the status fields,
 * conditions and events real ones produce, and the scripted failures of `PodBehavior`
 * (ErrImagePull/ImagePullBackOff, CrashLoopBackOff, OOMKilled, failing readiness, Unschedulable).
 * Deleted pods with a node terminate gracefully (Killing events) before the object goes away.
 */
import { createHash } from 'node:crypto';
import { BEHAVIOR_ANNOTATION, POD_BEHAVIORS, type PodBehavior, type Runtime } from '../runtime';
import type { StoreEvent } from '../store';
import { targetNode } from './daemonset';
import { isPlainObject, rfc3339, type KubeObject } from '../util';

type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string } };

interface ContainerSim {
  name: string;
  image: string;
  pullPolicy: string;
  behavior: PodBehavior;
  readyAfterMs: number;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  ready: boolean;
  started: boolean;
  restartCount: number;
  imageID: string;
  containerID?: string;
  startedAt?: string;
  pullBackoffSeconds: number;
  crashBackoffSeconds: number;
}

interface PodSim {
  uid: string;
  namespace: string;
  name: string;
  /** bumped when the pod starts terminating: pending steps of the old epoch are dropped */
  epoch: number;
  node?: string;
  hostIP?: string;
  podIP?: string;
  startTime?: string;
  scheduled: boolean;
  unschedulableMessage?: string;
  sandboxReady: boolean;
  terminating: boolean;
  containers: ContainerSim[];
  conditionTimes: Map<string, { status: string; time: string }>;
}

const SCHEDULER = { component: 'default-scheduler' };

/** Docker-style normalization: `nginx:1.25` -> `docker.io/library/nginx:1.25`. */
export function normalizeImage(image: string): string {
  let ref = image;
  const first = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) ref = ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const lastSlash = ref.lastIndexOf('/');
  if (!ref.includes('@') && !ref.slice(lastSlash + 1).includes(':')) ref += ':latest';
  return ref;
}

function imageDigest(image: string): string {
  return `sha256:${createHash('sha256').update(normalizeImage(image)).digest('hex')}`;
}

function repositoryOf(image: string): string {
  const ref = normalizeImage(image);
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon < 0 ? ref : ref.slice(0, colon);
}

export class Kubelet {
  readonly name = 'kubelet';
  private readonly pods = new Map<string, PodSim>();
  private readonly nodeImages = new Map<string, Set<string>>();
  private readonly readySince = new Map<string, number>();
  private nextNode = 0;
  private nextIp = 10;

  constructor(private readonly rt: Runtime) {
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'pods') this.onPod(ev);
    });
  }

  /** When the pod became Ready (ms since epoch), for minReadySeconds / availability. */
  readyAt(pod: KubeObject): number | undefined {
    const known = this.readySince.get(pod.metadata.uid ?? '');
    if (known !== undefined) return known;
    const cond = (pod.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Ready');
    if (cond?.status !== 'True') return undefined;
    // pods that did not go through this kubelet (fixtures): trust the condition, available at once
    return 0;
  }

  private onPod(ev: StoreEvent): void {
    const pod = ev.object;
    const uid = pod.metadata.uid ?? '';
    if (ev.type === 'DELETED') {
      const sim = this.pods.get(uid);
      if (sim) sim.epoch += 1;
      this.pods.delete(uid);
      this.readySince.delete(uid);
      return;
    }
    let sim = this.pods.get(uid);
    if (!sim) {
      sim = this.track(pod);
      if (!sim) return;
    }
    if (pod.metadata.deletionTimestamp && !sim.terminating) this.terminate(sim, pod);
  }

  /** Starts simulating a new pod (or adopts one stored already running, e.g. by a fixture). */
  private track(pod: KubeObject): PodSim | undefined {
    const specContainers: Array<Record<string, unknown>> = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    const podBehavior = this.podBehavior(pod);
    const sim: PodSim = {
      uid: pod.metadata.uid ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      epoch: 0,
      scheduled: false,
      sandboxReady: false,
      terminating: false,
      containers: specContainers.map((c) => {
        const image = String(c.image ?? '');
        const rule = this.rt.behaviors.ruleFor(image);
        return {
          name: String(c.name ?? ''),
          image,
          pullPolicy: String(c.imagePullPolicy ?? 'IfNotPresent'),
          behavior: podBehavior ?? rule?.behavior ?? 'healthy',
          readyAfterMs: rule?.readyAfterMs ?? this.rt.timings.readyMs,
          state: { waiting: { reason: 'ContainerCreating' } },
          lastState: {},
          ready: false,
          started: false,
          restartCount: 0,
          imageID: '',
          pullBackoffSeconds: 10,
          crashBackoffSeconds: 10,
        };
      }),
      conditionTimes: new Map(),
    };
    this.pods.set(sim.uid, sim);
    if (pod.status?.phase === 'Running' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      // stored with a status already (fixture): leave it as it is
      sim.scheduled = true;
      sim.node = pod.spec?.nodeName;
      return sim;
    }
    if (pod.metadata.deletionTimestamp) return sim;
    this.at(sim, this.rt.timings.scheduleMs, () => this.schedule(sim));
    return sim;
  }

  private podBehavior(pod: KubeObject): PodBehavior | undefined {
    const value = pod.metadata.annotations?.[BEHAVIOR_ANNOTATION];
    return value && (POD_BEHAVIORS as readonly string[]).includes(value) ? (value as PodBehavior) : undefined;
  }

  private at(sim: PodSim, ms: number, fn: () => void): void {
    const epoch = sim.epoch;
    this.rt.after(ms, () => {
      if (this.pods.get(sim.uid) !== sim || sim.epoch !== epoch) return;
      fn();
    });
  }

  private fresh(sim: PodSim): KubeObject | undefined {
    return this.rt.store.tryGet('pods', sim.namespace, sim.name);
  }

  private event(sim: PodSim, type: 'Normal' | 'Warning', reason: string, message: string, container?: ContainerSim, source?: { component: string; host?: string }): void {
    const pod = this.fresh(sim);
    if (!pod) return;
    this.rt.events.record(pod, {
      type,
      reason,
      message,
      source: source ?? { component: 'kubelet', host: sim.node },
      fieldPath: container ? `spec.containers{${container.name}}` : undefined,
    });
  }

  // ── scheduling ─────────────────────────────────────────────────────────────────────────────────

  private schedule(sim: PodSim): void {
    const pod = this.fresh(sim);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const nodes = this.rt.store.select('nodes').filter((n) => {
      const ready = (n.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
      const selector = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
      const fits = Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v);
      return ready && !n.spec?.unschedulable && fits;
    });
    const total = this.rt.store.select('nodes').length;
    const wantsUnschedulable = sim.containers.some((c) => c.behavior === 'unschedulable');
    let node: string | undefined = pod.spec?.nodeName;
    const pinned = targetNode(pod);
    if (!node && pinned) node = nodes.some((n) => n.metadata.name === pinned) ? pinned : undefined;
    else if (!node && !wantsUnschedulable && nodes.length) {
      node = nodes[this.nextNode % nodes.length]!.metadata.name;
      this.nextNode += 1;
    }
    if (!node || wantsUnschedulable) {
      const message = wantsUnschedulable || nodes.length === 0
        ? `0/${total} nodes are available: ${total} Insufficient cpu. preemption: 0/${total} nodes are available: ${total} No preemption victims found for incoming pod.`
        : `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
      sim.unschedulableMessage = message;
      this.event(sim, 'Warning', 'FailedScheduling', message, undefined, SCHEDULER);
      this.writeStatus(sim);
      // the scheduler retries (a rule may have been lifted, a node added)
      this.at(sim, this.rt.seconds(10), () => {
        for (const c of sim.containers) if (c.behavior === 'unschedulable') c.behavior = this.currentBehavior(sim, c);
        this.schedule(sim);
      });
      return;
    }
    sim.unschedulableMessage = undefined;
    sim.node = node;
    sim.scheduled = true;
    sim.startTime = rfc3339();
    const nodeObj = this.rt.store.tryGet('nodes', undefined, node);
    sim.hostIP = (nodeObj?.status?.addresses ?? []).find((a: { type?: string }) => a.type === 'InternalIP')?.address ?? '10.0.0.10';
    if (!pod.spec.nodeName) {
      pod.spec.nodeName = node;
      this.rt.store.update('pods', sim.namespace, sim.name, pod);
    }
    this.event(sim, 'Normal', 'Scheduled', `Successfully assigned ${sim.namespace}/${sim.name} to ${node}`, undefined, SCHEDULER);
    this.writeStatus(sim);
    this.at(sim, this.rt.timings.sandboxMs, () => {
      sim.sandboxReady = true;
      const nodeIndex = Math.max(0, this.rt.store.select('nodes').findIndex((n) => n.metadata.name === node));
      sim.podIP = `10.244.${nodeIndex}.${this.nextIp++ % 250 + 2}`;
      this.writeStatus(sim);
      for (const c of sim.containers) this.pull(sim, c);
    });
  }

  /** The behaviour now configured for a container (rules can change while a pod waits). */
  private currentBehavior(sim: PodSim, c: ContainerSim): PodBehavior {
    const pod = this.fresh(sim);
    return (pod && this.podBehavior(pod)) ?? this.rt.behaviors.ruleFor(c.image)?.behavior ?? 'healthy';
  }

  // ── images and containers ──────────────────────────────────────────────────────────────────────

  private pull(sim: PodSim, c: ContainerSim): void {
    const images = this.nodeImages.get(sim.node ?? '') ?? new Set<string>();
    this.nodeImages.set(sim.node ?? '', images);
    c.behavior = this.currentBehavior(sim, c);
    if (c.pullPolicy !== 'Always' && images.has(normalizeImage(c.image)) && c.behavior !== 'image-pull-error') {
      this.event(sim, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c);
      this.at(sim, this.rt.timings.startMs, () => this.start(sim, c));
      return;
    }
    this.event(sim, 'Normal', 'Pulling', `Pulling image "${c.image}"`, c);
    const began = Date.now();
    this.at(sim, this.rt.timings.pullMs, () => {
      const epoch = sim.epoch;
      void this.resolveImage(c).then((result) => {
        if (this.pods.get(sim.uid) !== sim || sim.epoch !== epoch) return;
        if (result.ok) {
          images.add(normalizeImage(c.image));
          c.imageID = `${repositoryOf(c.image)}@${imageDigest(c.image)}`;
          const took = ((Date.now() - began) / 1000).toFixed(3);
          const size = 10_000_000 + (parseInt(imageDigest(c.image).slice(7, 13), 16) % 90_000_000);
          this.event(sim, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${took}s (${took}s including waiting). Image size: ${size} bytes.`, c);
          this.at(sim, this.rt.timings.startMs, () => this.start(sim, c));
        } else {
          this.pullFailed(sim, c, result.error);
        }
      });
    });
  }

  private async resolveImage(c: ContainerSim): Promise<{ ok: true } | { ok: false; error: string }> {
    const ref = normalizeImage(c.image);
    const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
    if (c.behavior === 'image-pull-error') return { ok: false, error: notFound };
    try {
      return (await this.rt.imageExists(c.image)) ? { ok: true } : { ok: false, error: notFound };
    } catch (err) {
      return { ok: false, error: `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": ${(err as Error).message ?? String(err)}` };
    }
  }

  private pullFailed(sim: PodSim, c: ContainerSim, error: string): void {
    this.event(sim, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${error}`, c);
    this.event(sim, 'Warning', 'Failed', 'Error: ErrImagePull', c);
    c.state = { waiting: { reason: 'ErrImagePull', message: error } };
    this.writeStatus(sim);
    this.at(sim, Math.min(this.rt.timings.pullMs, this.rt.seconds(1)), () => {
      const backoff = `Back-off pulling image "${c.image}"`;
      this.event(sim, 'Normal', 'BackOff', backoff, c);
      this.event(sim, 'Warning', 'Failed', 'Error: ImagePullBackOff', c);
      c.state = { waiting: { reason: 'ImagePullBackOff', message: backoff } };
      this.writeStatus(sim);
      const wait = this.rt.seconds(c.pullBackoffSeconds);
      c.pullBackoffSeconds = Math.min(c.pullBackoffSeconds * 2, 300);
      this.at(sim, wait, () => this.pull(sim, c));
    });
  }

  private start(sim: PodSim, c: ContainerSim): void {
    if (c.started) c.restartCount += 1;
    c.containerID = `containerd://${createHash('sha256').update(`${sim.uid}/${c.name}/${c.restartCount}/${Date.now()}`).digest('hex')}`;
    if (!c.imageID) c.imageID = `${repositoryOf(c.image)}@${imageDigest(c.image)}`;
    this.event(sim, 'Normal', 'Created', `Created container ${c.name}`, c);
    this.event(sim, 'Normal', 'Started', `Started container ${c.name}`, c);
    c.startedAt = rfc3339();
    c.state = { running: { startedAt: c.startedAt } };
    c.started = true;
    c.ready = false;
    this.writeStatus(sim);
    c.behavior = this.currentBehavior(sim, c);
    switch (c.behavior) {
      case 'crashloop':
      case 'oomkilled':
        this.at(sim, this.rt.timings.crashAfterMs, () => this.crash(sim, c));
        break;
      case 'never-ready':
        this.at(sim, c.readyAfterMs, () => this.probeFails(sim, c));
        break;
      default:
        this.at(sim, c.readyAfterMs, () => {
          c.ready = true;
          if (sim.containers.every((x) => x.ready)) this.readySince.set(sim.uid, Date.now());
          this.writeStatus(sim);
        });
    }
  }

  private probeFails(sim: PodSim, c: ContainerSim): void {
    this.event(sim, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', c);
    this.at(sim, this.rt.seconds(10), () => this.probeFails(sim, c));
  }

  private crash(sim: PodSim, c: ContainerSim): void {
    const oom = c.behavior === 'oomkilled';
    const terminated = {
      exitCode: oom ? 137 : 1,
      reason: oom ? 'OOMKilled' : 'Error',
      startedAt: c.startedAt ?? rfc3339(),
      finishedAt: rfc3339(),
      containerID: c.containerID ?? '',
    };
    c.ready = false;
    this.readySince.delete(sim.uid);
    c.state = { terminated };
    this.writeStatus(sim);
    const backoffSeconds = c.crashBackoffSeconds;
    c.crashBackoffSeconds = Math.min(c.crashBackoffSeconds * 2, 300);
    this.at(sim, Math.min(this.rt.timings.startMs, this.rt.seconds(1)), () => {
      this.event(sim, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${sim.name}_${sim.namespace}(${sim.uid})`, c);
      c.lastState = { terminated };
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${formatBackoff(backoffSeconds)} restarting failed container=${c.name} pod=${sim.name}_${sim.namespace}(${sim.uid})` } };
      this.writeStatus(sim);
      this.at(sim, this.rt.seconds(backoffSeconds), () => {
        this.event(sim, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`, c);
        this.start(sim, c);
      });
    });
  }

  // ── termination ────────────────────────────────────────────────────────────────────────────────

  private terminate(sim: PodSim, pod: KubeObject): void {
    sim.terminating = true;
    sim.epoch += 1;
    this.readySince.delete(sim.uid);
    if (sim.scheduled && sim.node) {
      for (const c of sim.containers) {
        if ('running' in c.state) this.event(sim, 'Normal', 'Killing', `Stopping container ${c.name}`, c);
      }
    }
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    this.at(sim, Math.min(this.rt.timings.terminateMs, grace), () => {
      this.rt.store.remove('pods', sim.namespace, sim.name);
    });
  }

  // ── status ─────────────────────────────────────────────────────────────────────────────────────

  private condition(sim: PodSim, type: string, status: 'True' | 'False', extra: { reason?: string; message?: string } = {}): Record<string, unknown> {
    const prev = sim.conditionTimes.get(type);
    const time = prev && prev.status === status ? prev.time : rfc3339();
    sim.conditionTimes.set(type, { status, time });
    const c: Record<string, unknown> = { type, status, lastProbeTime: null, lastTransitionTime: time };
    if (extra.reason) c.reason = extra.reason;
    if (extra.message) c.message = extra.message;
    return c;
  }

  private writeStatus(sim: PodSim): void {
    const pod = this.fresh(sim);
    if (!pod || sim.terminating) return;
    const status: Record<string, unknown> = { ...(isPlainObject(pod.status) ? pod.status : {}) };
    const conditions: Record<string, unknown>[] = [];
    if (!sim.scheduled) {
      if (sim.unschedulableMessage) {
        conditions.push(this.condition(sim, 'PodScheduled', 'False', { reason: 'Unschedulable', message: sim.unschedulableMessage }));
      }
      status.phase = 'Pending';
      status.conditions = conditions;
      pod.status = status;
      this.rt.store.update('pods', sim.namespace, sim.name, pod, { subresource: 'status' });
      return;
    }
    const unready = sim.containers.filter((c) => !c.ready).map((c) => c.name);
    const allReady = unready.length === 0 && sim.containers.length > 0;
    const notReady = { reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` };
    conditions.push(this.condition(sim, 'PodReadyToStartContainers', sim.sandboxReady ? 'True' : 'False'));
    conditions.push(this.condition(sim, 'Initialized', 'True'));
    conditions.push(this.condition(sim, 'Ready', allReady ? 'True' : 'False', allReady ? {} : notReady));
    conditions.push(this.condition(sim, 'ContainersReady', allReady ? 'True' : 'False', allReady ? {} : notReady));
    conditions.push(this.condition(sim, 'PodScheduled', 'True'));
    const hasRun = sim.containers.some((c) => c.started || 'terminated' in c.lastState);
    status.phase = hasRun ? 'Running' : 'Pending';
    status.conditions = conditions;
    status.hostIP = sim.hostIP;
    status.hostIPs = [{ ip: sim.hostIP }];
    if (sim.podIP) {
      status.podIP = sim.podIP;
      status.podIPs = [{ ip: sim.podIP }];
    }
    status.startTime = sim.startTime;
    status.containerStatuses = sim.containers.map((c) => {
      const s: Record<string, unknown> = {
        name: c.name,
        state: c.state,
        lastState: c.lastState,
        ready: c.ready,
        restartCount: c.restartCount,
        image: c.image,
        imageID: c.imageID,
        started: 'running' in c.state,
      };
      if (c.containerID) s.containerID = c.containerID;
      return s;
    });
    pod.status = status;
    this.rt.store.update('pods', sim.namespace, sim.name, pod, { subresource: 'status' });
  }
}

function formatBackoff(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
