/**
 * List + watch, shared: one informer per (context, namespace, resource, label selector, field selector),
 * reference-counted by its subscribers and stopped when the last one leaves. No polling anywhere.
 *
 * The loop is client-go's reflector, with what the kubernetes-client/javascript issue tracker shows a
 * Node client needs on top (#364, #596, #958: streams that hang without an error; #1933: reconnect
 * storms; ListWatch stops for good on any error that is not a 410):
 *   - list, then watch from the list's resourceVersion with bookmarks requested and a server-side
 *     timeout of 5–10 minutes (randomized so many watches do not reconnect together);
 *   - 410 Gone (as an ERROR event, or an HTTP answer) relists; any other end of the stream re-watches from
 *     the last resourceVersion seen (events and bookmarks advance it);
 *   - every retry waits a jittered exponential backoff; a stream that was healthy (it delivered events, or
 *     lived a while) resets it, one that ends at once does not, so a flapping server is not stormed;
 *   - a watchdog restarts a stream that has been silent longer than `silenceMs` (bookmarks count as
 *     life: the API server sends one about every minute);
 *   - errors (unreachable, 401, 403, ...) are kept as `error`, the last good objects stay (marked
 *     stale), and the loop keeps retrying until the informer is stopped.
 */
import { PilotError } from '../errors';
import type { Logger } from '../log';
import { Emitter, type Disposable, type Event } from '../util/events';
import type { KubeClient, WatchEvent } from './client';
import { KubeApiError, kubeError } from './errors';
import type { ContextInfo } from './kubeconfig';
import { qualified, RESOURCES, resourcePath, type KubeObject, type ResourceName } from './resources';

export interface InformerKey {
  /** the resolved context name */
  readonly context: string;
  readonly namespace: string;
  readonly resource: ResourceName;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export function informerId(k: InformerKey): string {
  return JSON.stringify([k.context, k.namespace, k.resource, k.labelSelector ?? '', k.fieldSelector ?? '']);
}

export interface InformerOptions {
  readonly log?: Logger;
  /** a stream silent for this long is restarted (default 150 s: the API server bookmarks about every 60 s) */
  readonly silenceMs?: number;
  /** retry delays: base doubles per failed attempt up to max, then a random 50–100% of it (default 250 ms, 30 s) */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** the server-side watch timeout is a random number of seconds in this range (default 300–600) */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** a stream that lived this long counts as healthy even without events (default 1 s) */
  readonly healthyAfterMs?: number;
  readonly random?: () => number;
}

export interface Connection {
  readonly client: KubeClient;
  readonly context: ContextInfo;
}

export type InformerStatus = 'connecting' | 'synced' | 'error';

export interface InformerStats {
  lists: number;
  watches: number;
  /** relists after 410 Gone */
  relists: number;
  /** re-watches after a stream ended (server timeout, dropped connection) */
  reconnects: number;
  /** streams restarted by the watchdog */
  watchdogRestarts: number;
  errors: number;
  events: number;
}

const DEFAULTS = { silenceMs: 150_000, backoff: { baseMs: 250, maxMs: 30_000 }, watchTimeoutSeconds: [300, 600] as const, healthyAfterMs: 1000 };

export class Informer {
  private readonly map = new Map<string, KubeObject>();
  private readonly changed = new Emitter<void>();
  /** fires after every change of the objects, the status or the error */
  readonly onDidChange: Event<void> = this.changed.event;
  readonly stats: InformerStats = { lists: 0, watches: 0, relists: 0, reconnects: 0, watchdogRestarts: 0, errors: 0, events: 0 };
  private _status: InformerStatus = 'connecting';
  private _error: PilotError | undefined;
  private rv = '';
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private restartCurrent: (() => void) | undefined;
  private readonly opts: Required<Omit<InformerOptions, 'log'>> & { log?: Logger };

  constructor(
    readonly key: InformerKey,
    private readonly connect: (context: string) => Promise<Connection>,
    opts: InformerOptions = {},
  ) {
    this.opts = { ...DEFAULTS, random: Math.random, ...opts };
  }

  get status(): InformerStatus {
    return this._status;
  }

  /** the last error; set while status is 'error', or while a synced informer is reconnecting after one */
  get error(): PilotError | undefined {
    return this._error;
  }

  /** synced once, but the connection is broken now: the objects may be out of date */
  get stale(): boolean {
    return this._status === 'synced' && this._error !== undefined;
  }

  get synced(): boolean {
    return this._status === 'synced';
  }

  get resourceVersion(): string {
    return this.rv;
  }

  get objects(): KubeObject[] {
    return [...this.map.values()];
  }

  get(name: string): KubeObject | undefined {
    return this.map.get(name);
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (this.running) return;
    const abort = (this.abort = new AbortController());
    this.running = this.loop(abort.signal).finally(() => {
      if (this.abort === abort) this.running = undefined;
    });
  }

  /** Stops the loop and closes the stream; resolves when it has stopped. */
  async stop(): Promise<void> {
    this.abort?.abort();
    const r = this.running;
    this.running = undefined;
    await r;
  }

  /** Ends the current stream now (the loop re-watches): used when credentials or the kubeconfig changed. */
  restart(): void {
    this.restartCurrent?.();
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private fire(): void {
    this.changed.fire();
  }

  private get path(): string {
    return resourcePath(this.key.resource, this.key.namespace);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      let healthy = false;
      let ctx: ContextInfo | undefined;
      try {
        const conn = await this.connect(this.key.context);
        ctx = conn.context;
        if (signal.aborted) break;
        if (!this.rv) await this.list(conn.client, signal);
        const outcome = await this.watchOnce(conn.client, signal);
        healthy = outcome.healthy;
        if (outcome.gone) {
          this.rv = '';
          this.stats.relists++;
        } else if (outcome.silent) {
          this.stats.watchdogRestarts++;
        } else {
          this.stats.reconnects++;
        }
        if (outcome.error) throw outcome.error;
        if (this._error && healthy) {
          this._error = undefined;
          this.fire();
        }
      } catch (err) {
        if (signal.aborted) break;
        this.stats.errors++;
        if (err instanceof KubeApiError && err.statusCode === 410) {
          this.rv = '';
          this.stats.relists++;
        }
        const e = ctx ? kubeError(err, ctx, { verb: this.rv ? 'watch' : 'list', resource: qualified(this.key.resource), namespace: this.key.namespace }) : err instanceof PilotError ? err : kubeError(err, { name: this.key.context, cluster: '', user: '', server: '' }, { verb: 'list', resource: qualified(this.key.resource) });
        this.opts.log?.debug(`watch ${this.describe()}: ${e.message}`);
        if (this._error?.message !== e.message || this._status === 'connecting') {
          this._error = e;
          if (this._status !== 'synced') this._status = 'error';
          this.fire();
        }
      }
      if (signal.aborted) break;
      attempt = healthy ? 0 : attempt + 1;
      await sleep(this.delay(attempt), signal);
    }
  }

  /** Jittered exponential backoff; after a healthy stream, a short jitter only. */
  private delay(attempt: number): number {
    const { baseMs, maxMs } = this.opts.backoff;
    const d = Math.min(maxMs, baseMs * 2 ** attempt);
    return Math.round(d * (0.5 + this.opts.random() * 0.5));
  }

  private describe(): string {
    const k = this.key;
    return `${k.context}/${k.namespace}/${k.resource}${k.labelSelector ? `?${k.labelSelector}` : ''}${k.fieldSelector ? `?${k.fieldSelector}` : ''}`;
  }

  private async list(client: KubeClient, signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const list = await client.request<{ metadata?: { resourceVersion?: string }; items?: KubeObject[] }>('GET', this.path, {
      query: { labelSelector: this.key.labelSelector, fieldSelector: this.key.fieldSelector },
      signal,
    });
    if (signal.aborted) return;
    const type = RESOURCES[this.key.resource];
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    this.map.clear();
    for (const item of list.items ?? []) {
      // list items of built-in types come without kind/apiVersion
      item.kind ??= type.kind;
      item.apiVersion ??= apiVersion;
      if (item.metadata?.name) this.map.set(item.metadata.name, item);
    }
    this.rv = list.metadata?.resourceVersion ?? '';
    this._status = 'synced';
    this._error = undefined;
    this.fire();
  }

  private async watchOnce(client: KubeClient, signal: AbortSignal): Promise<{ healthy: boolean; gone: boolean; silent: boolean; error?: unknown }> {
    const [lo, hi] = this.opts.watchTimeoutSeconds;
    const timeoutSeconds = Math.round(lo + this.opts.random() * (hi - lo));
    let gone = false;
    let silent = false;
    let events = 0;
    let error: unknown;
    let stream: { abort(): void } | undefined;
    const onEvent = (ev: WatchEvent) => {
      if (signal.aborted) return;
      const obj = ev.object as KubeObject | undefined;
      switch (ev.type) {
        case 'ERROR': {
          const code = (obj as { code?: number } | undefined)?.code;
          if (code === 410) gone = true;
          else error = new KubeApiError(code ?? 500, obj as never, 'WATCH', this.path);
          stream?.abort();
          return;
        }
        case 'BOOKMARK':
          if (obj?.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
          return;
        case 'ADDED':
        case 'MODIFIED':
          if (!obj?.metadata?.name) return;
          this.map.set(obj.metadata.name, obj);
          break;
        case 'DELETED':
          if (!obj?.metadata?.name) return;
          this.map.delete(obj.metadata.name);
          break;
        default:
          return;
      }
      events++;
      this.stats.events++;
      if (obj.metadata.resourceVersion) this.rv = obj.metadata.resourceVersion;
      this.fire();
    };
    this.stats.watches++;
    const started = Date.now();
    const s = await client.watch(
      this.path,
      { resourceVersion: this.rv, allowWatchBookmarks: true, timeoutSeconds, labelSelector: this.key.labelSelector, fieldSelector: this.key.fieldSelector },
      onEvent,
      { signal },
    );
    stream = s;
    // an ERROR event can arrive before watch() resolved; the informer may have been stopped meanwhile
    if (gone || error || signal.aborted) s.abort();
    else if (this._error) {
      // connected again: what was cached is being brought up to date
      this._error = undefined;
      this.fire();
    }
    const silenceMs = this.opts.silenceMs;
    const watchdog = setInterval(
      () => {
        if (Date.now() - s.lastActivity > silenceMs) {
          silent = true;
          this.opts.log?.debug(`watch ${this.describe()}: silent for ${silenceMs} ms, restarting it`);
          s.abort();
        }
      },
      Math.max(20, Math.min(1000, silenceMs / 4)),
    );
    this.restartCurrent = () => s.abort();
    try {
      const end = await s.ended;
      if (end.error && !gone && !error && !silent && !signal.aborted) this.opts.log?.debug(`watch ${this.describe()}: stream ended: ${(end.error as Error).message ?? end.error}`);
    } finally {
      clearInterval(watchdog);
      this.restartCurrent = undefined;
    }
    const healthy = !error && !gone && !silent && (events > 0 || Date.now() - started >= this.opts.healthyAfterMs);
    return { healthy, gone, silent, error };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface Subscription extends Disposable {
  readonly informer: Informer;
}

export interface PoolStats {
  /** informers running now */
  informers: number;
  /** watch streams open now */
  openWatches: number;
  lists: number;
  watches: number;
  relists: number;
  reconnects: number;
  watchdogRestarts: number;
  errors: number;
  events: number;
}

/**
 * The shared informers: `subscribe` starts one for a new key and counts subscribers; the last
 * `dispose` stops it. Stats add up every informer that ever ran.
 */
export class InformerPool {
  private readonly informers = new Map<string, { informer: Informer; refs: number }>();
  private readonly totals: InformerStats = { lists: 0, watches: 0, relists: 0, reconnects: 0, watchdogRestarts: 0, errors: 0, events: 0 };
  private readonly changed = new Emitter<void>();
  /** fires when informers start or stop */
  readonly onDidChangeInformers = this.changed.event;

  constructor(
    private readonly connect: (context: string) => Promise<Connection>,
    private readonly opts: InformerOptions = {},
    /** how many watch streams are open now, over every client */
    private readonly openStreams: () => number = () => 0,
  ) {}

  subscribe(key: InformerKey, listener?: () => void): Subscription {
    const id = informerId(key);
    let entry = this.informers.get(id);
    if (!entry) {
      entry = { informer: new Informer(key, this.connect, this.opts), refs: 0 };
      this.informers.set(id, entry);
      entry.informer.start();
      this.changed.fire();
    }
    entry.refs++;
    const sub = listener ? entry.informer.onDidChange(listener) : undefined;
    const e = entry;
    let disposed = false;
    return {
      informer: e.informer,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        sub?.dispose();
        e.refs--;
        if (e.refs === 0 && this.informers.get(id) === e) {
          this.informers.delete(id);
          this.retire(e.informer);
          this.changed.fire();
        }
      },
    };
  }

  /** Informers running now. */
  get size(): number {
    return this.informers.size;
  }

  get keys(): InformerKey[] {
    return [...this.informers.values()].map((e) => e.informer.key);
  }

  stats(): PoolStats {
    const sum = { ...this.totals };
    for (const { informer } of this.informers.values()) for (const k of Object.keys(sum) as (keyof InformerStats)[]) sum[k] += informer.stats[k];
    return { informers: this.informers.size, openWatches: this.openStreams(), ...sum };
  }

  /** Every stream ends now and re-watches (after a kubeconfig change, credentials refreshed). */
  restartAll(): void {
    for (const { informer } of this.informers.values()) informer.restart();
  }

  private retire(informer: Informer): void {
    void informer.stop().then(() => {
      for (const k of Object.keys(this.totals) as (keyof InformerStats)[]) this.totals[k] += informer.stats[k];
      informer.dispose();
    });
  }

  /** Stops every informer; resolves when all have stopped. */
  async dispose(): Promise<void> {
    const all = [...this.informers.values()].map((e) => e.informer);
    this.informers.clear();
    await Promise.all(all.map((i) => i.stop()));
    for (const i of all) i.dispose();
    this.changed.fire();
    this.changed.dispose();
  }
}
