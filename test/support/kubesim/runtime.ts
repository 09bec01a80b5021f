/**
 * What the simulated controllers share: a work queue (one pending reconcile per object, like
 * client-go's workqueue), timers that stop with the simulator and hold while it is paused, the clock
 * scale, the event recorder, and the per-image behaviours that script failures.
 */
import { ApiError } from './status';
import type { Store } from './store';
import type { EventRecorder } from './events';
import { Timers, type Random } from './util';

export type Speed = 'fast' | 'realistic';

export interface Timings {
  /** pod creation to the scheduler binding it to a node */
  scheduleMs: number;
  /** binding to the first image pull (pod sandbox creation) */
  sandboxMs: number;
  /** one image pull */
  pullMs: number;
  /** image present to container running */
  startMs: number;
  /** container running to Ready (the readiness probe's first success) */
  readyMs: number;
  /** deletion to the pod object disappearing (graceful termination) */
  terminateMs: number;
  /** running time of a crash-looping / OOM-killed container before it exits */
  crashAfterMs: number;
  /**
   * Scales everything specified in seconds by users or by Kubernetes defaults: progressDeadlineSeconds,
   * minReadySeconds, canary pause durations, image pull and crash back-offs (10 s doubling to 5 min),
   * probe periods (10 s) and the scheduler's retry (10 s). 1 = real time.
   */
  timeFactor: number;
}

export const SPEEDS: Record<Speed, Timings> = {
  fast: { scheduleMs: 5, sandboxMs: 5, pullMs: 15, startMs: 10, readyMs: 20, terminateMs: 15, crashAfterMs: 30, timeFactor: 0.01 },
  realistic: { scheduleMs: 300, sandboxMs: 700, pullMs: 2500, startMs: 600, readyMs: 4000, terminateMs: 2000, crashAfterMs: 3000, timeFactor: 1 },
};

/**
 * How a pod's containers behave once scheduled:
 *   healthy           pulls, starts, becomes Ready
 *   image-pull-error  the pull fails (ErrImagePull, then ImagePullBackOff), whatever imageExists says
 *   crashloop         starts, exits 1 after a while, restarts with back-off (CrashLoopBackOff)
 *   oomkilled         like crashloop, but exits 137 with reason OOMKilled
 *   never-ready       runs, but the readiness probe keeps failing (Unhealthy events)
 *   unschedulable     the scheduler finds no node (PodScheduled=False, reason Unschedulable)
 */
export type PodBehavior = 'healthy' | 'image-pull-error' | 'crashloop' | 'oomkilled' | 'never-ready' | 'unschedulable';

export const POD_BEHAVIORS: readonly PodBehavior[] = ['healthy', 'image-pull-error', 'crashloop', 'oomkilled', 'never-ready', 'unschedulable'];

/** Pod (template) annotation that selects a behaviour for every container of the pod. */
export const BEHAVIOR_ANNOTATION = 'kubesim.gitops-pilot.dev/behavior';

export interface BehaviorRule {
  /** exact image reference, a glob with `*`, or a RegExp */
  image: string | RegExp;
  behavior: PodBehavior;
  /** for healthy / never-ready: time from running to Ready (or to the first failed probe) instead of the speed's readyMs */
  readyAfterMs?: number;
}

/** Whether an image can be pulled (the sandbox plugs a registry lookup in here). */
export type ImageExistsHook = (image: string) => boolean | Promise<boolean>;

/** Scripted rules chosen by image (exact, `*` glob or RegExp); later rules win. */
export class ImageRules<R extends { image: string | RegExp }> {
  private rules: R[] = [];

  /** Adds a rule; later rules win over earlier ones. Returns a function removing it. */
  add(rule: R): () => void {
    this.rules.push(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  clear(): void {
    this.rules = [];
  }

  /** The latest rule matching one of the images (and `also`). */
  find(images: readonly string[], also: (rule: R) => boolean = () => true): R | undefined {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i]!;
      if (also(r) && images.some((image) => matchesImage(r.image, image))) return r;
    }
    return undefined;
  }
}

export class Behaviors extends ImageRules<BehaviorRule> {
  /** The rule for an image, the latest matching one first. */
  ruleFor(image: string): BehaviorRule | undefined {
    return this.find([image]);
  }
}

export function matchesImage(pattern: string | RegExp, image: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(image);
  if (!pattern.includes('*')) return pattern === image;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(image);
}

export interface Controller {
  readonly name: string;
  reconcile(namespace: string | undefined, name: string): void;
}

export class Runtime {
  readonly timers = new Timers();
  private readonly queue = new Map<string, { controller: Controller; namespace: string | undefined; name: string }>();
  private draining = false;
  private paused = false;
  private held: Array<() => void> = [];
  private stopped = false;

  constructor(
    readonly store: Store,
    readonly events: EventRecorder,
    readonly random: Random,
    public timings: Timings,
    readonly behaviors: Behaviors,
    public imageExists: ImageExistsHook,
    private readonly onError: (err: unknown, where: string) => void,
  ) {}

  /** Milliseconds for a duration given in (Kubernetes) seconds, scaled by timeFactor. */
  seconds(s: number): number {
    return s * 1000 * this.timings.timeFactor;
  }

  /** Schedules a reconcile of one object; several requests before it runs collapse into one. */
  enqueue(controller: Controller, namespace: string | undefined, name: string): void {
    if (this.stopped) return;
    this.queue.set(`${controller.name}|${namespace ?? ''}|${name}`, { controller, namespace, name });
    this.kick();
  }

  enqueueAfter(controller: Controller, namespace: string | undefined, name: string, ms: number): void {
    this.after(ms, () => this.enqueue(controller, namespace, name));
  }

  /** Runs `fn` after `ms`, unless the simulator stopped; while paused, it runs on resume. */
  after(ms: number, fn: () => void): void {
    this.timers.after(ms, () => {
      if (this.paused) this.held.push(fn);
      else this.guard(fn, 'timer');
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const fn of held) this.guard(fn, 'timer');
    this.kick();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  stop(): void {
    this.stopped = true;
    this.timers.stop();
    this.queue.clear();
    this.held = [];
  }

  private kick(): void {
    if (this.draining || this.paused || this.stopped) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      if (this.paused || this.stopped) return;
      // reconciles may enqueue more work: drain in rounds, yielding between them
      const batch = [...this.queue.values()];
      this.queue.clear();
      for (const item of batch) {
        this.guard(() => item.controller.reconcile(item.namespace, item.name), `${item.controller.name} ${item.namespace ?? ''}/${item.name}`, () =>
          this.enqueueAfter(item.controller, item.namespace, item.name, 20),
        );
      }
      if (this.queue.size) this.kick();
    });
  }

  private guard(fn: () => void, where: string, retry?: () => void): void {
    try {
      fn();
    } catch (err) {
      // the object went away or changed under us: the next event brings it back to the queue
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) {
        if (err.code === 409) retry?.();
        return;
      }
      this.onError(err, where);
      retry?.();
    }
  }
}
