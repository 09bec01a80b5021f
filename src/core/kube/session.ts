/**
 * Everything GitOps Pilot holds open towards clusters, in one place: the merged kubeconfig (re-read when
 * its files change), one client (keep-alive connection pool, credentials) per context, and the shared
 * informers. The extension has one session; the CLI makes one per command. `dispose()` closes it all.
 */
import type { Logger } from '../log';
import { createClient, type KubeClient } from './client';
import { kubeError } from './errors';
import { InformerPool, type Connection, type InformerOptions } from './informer';
import { KubeconfigLoader, type ContextInfo, type Kubeconfig, type KubeconfigSource } from './kubeconfig';

export interface KubeSessionOptions {
  /** the kubeconfig files to merge (asked again on every connect, so a settings change applies) */
  readonly kubeconfig: () => KubeconfigSource;
  readonly log?: Logger;
  readonly informers?: InformerOptions;
}

export class KubeSession {
  readonly loader: KubeconfigLoader;
  readonly pool: InformerPool;
  private readonly clients = new Map<string, { stamp: string; conn: Promise<Connection>; client?: KubeClient }>();
  private disposed = false;

  constructor(private readonly opts: KubeSessionOptions) {
    this.loader = new KubeconfigLoader(opts.kubeconfig);
    this.pool = new InformerPool((context) => this.connect(context), { log: opts.log, ...opts.informers }, () => this.openWatches);
  }

  get log(): Logger | undefined {
    return this.opts.log;
  }

  /** The merged kubeconfig (cached until a file changes). */
  kubeconfig(): Promise<Kubeconfig> {
    return this.loader.load();
  }

  /** The context a name resolves to (undefined: the current context); throws a PilotError saying what to do. */
  async resolveContext(name: string | undefined): Promise<ContextInfo> {
    return (await this.kubeconfig()).resolve(name);
  }

  /**
   * A client for the context (undefined: the current one), made once per context and kubeconfig version.
   * When the kubeconfig files changed, the old client is closed (its streams reconnect with the new one).
   */
  async connect(contextName?: string): Promise<Connection> {
    if (this.disposed) throw new Error('the Kubernetes session is closed');
    const config = await this.kubeconfig();
    const context = config.resolve(contextName);
    const stamp = this.loader.stamp();
    const cached = this.clients.get(context.name);
    if (cached && cached.stamp === stamp) return cached.conn;
    cached?.client?.dispose();
    const entry: { stamp: string; conn: Promise<Connection>; client?: KubeClient } = { stamp, conn: undefined as never };
    entry.conn = createClient(context, config.forContext(context.name)).then((client) => {
      entry.client = client;
      if (this.disposed) client.dispose();
      return { client, context };
    });
    this.clients.set(context.name, entry);
    entry.conn.catch(() => {
      if (this.clients.get(context.name) === entry) this.clients.delete(context.name);
    });
    return entry.conn;
  }

  /** One request with the error translated (the operation names what was being done). */
  async request<T = any>(contextName: string | undefined, method: string, path: string, op: { verb: string; resource?: string; namespace?: string; name?: string }, opts: Parameters<KubeClient['request']>[2] = {}): Promise<T> {
    const { client, context } = await this.connect(contextName);
    try {
      return await client.request<T>(method, path, opts);
    } catch (err) {
      throw kubeError(err, context, op);
    }
  }

  /** Watch streams open now, over every client. */
  get openWatches(): number {
    let n = 0;
    for (const e of this.clients.values()) n += e.client?.counters.openWatches ?? 0;
    return n;
  }

  /** Requests sent so far by the current clients. */
  get requests(): number {
    let n = 0;
    for (const e of this.clients.values()) n += e.client?.counters.requests ?? 0;
    return n;
  }

  /** The kubeconfig or the settings changed: new clients, and every stream reconnects with them. */
  reset(): void {
    this.loader.invalidate();
    for (const e of this.clients.values()) e.client?.dispose();
    this.clients.clear();
    this.pool.restartAll();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.pool.dispose();
    for (const e of this.clients.values()) e.client?.dispose();
    this.clients.clear();
  }
}
