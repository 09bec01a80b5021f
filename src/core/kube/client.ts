/**
 * HTTP to one cluster (one kubeconfig context), with client-node's authentication machinery through its
 * public API: TLS material, bearer tokens, auth providers and proxy agents come from the KubeConfig's
 * `applyToHTTPSOptions`; exec credential plugins (`aws eks get-token`) run in ./execCredential.
 * The requests themselves are ours (node's http/https), because a list+watch loop needs what
 * client-node's `Watch` does not give: the Status body of a refused watch (401/403 say why), every byte's
 * arrival for a watchdog, a socket we can destroy, and keep-alive connections reused across list calls.
 *
 * A credential the server rejects (401) is dropped and the request tried once more with a fresh one from
 * the plugin, as kubectl does.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { registerSecret } from '../log';
import { ExecCredentialError, KubeApiError, type KubeStatus } from './errors';
import { execCredentials, type ExecConfig, type ExecCredential } from './execCredential';
import type { ContextInfo } from './kubeconfig';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** default application/json; patches: application/merge-patch+json, ... */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** default 30 s */
  readonly timeoutMs?: number;
}

/** One event of a watch stream, as sent (objects are raw JSON). */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | string;
  readonly object: any;
}

export interface WatchStream {
  /** settles when the stream ends: the server closed it, the connection broke, or abort() */
  readonly ended: Promise<{ error?: unknown }>;
  /** ms timestamp of the last bytes received (headers count) */
  readonly lastActivity: number;
  abort(): void;
}

/** Counters of what a client did (for tests, benchmarks and the watch-cost figure). */
export interface ClientCounters {
  requests: number;
  watchesOpened: number;
  openWatches: number;
}

interface Prepared {
  headers: Record<string, string>;
  agent: http.Agent;
}

export class KubeClient {
  readonly counters: ClientCounters = { requests: 0, watchesOpened: 0, openWatches: 0 };
  private agent: { key: string; agent: http.Agent } | undefined;
  private readonly streams = new Set<http.ClientRequest>();
  private disposed = false;

  constructor(
    readonly context: ContextInfo,
    private readonly kc: KubeConfig,
    private readonly sdk: { readonly KubeConfig: typeof KubeConfig },
  ) {}

  get server(): string {
    return this.context.server;
  }

  /** watch requests not ended yet (open streams and ones still connecting) */
  get pendingStreams(): number {
    return this.streams.size;
  }

  /** A JSON request; throws KubeApiError for an error answer, ExecCredentialError, or a network error. */
  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    try {
      return await this.requestOnce<T>(method, path, opts);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 401 && this.forgetExecToken()) return this.requestOnce<T>(method, path, opts);
      throw err;
    }
  }

  private async requestOnce<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const { headers, agent } = await this.prepare();
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const url = this.url(path, opts.query);
    this.counters.requests++;
    return new Promise<T>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method, headers, agent, signal: opts.signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch (err) {
              reject(err);
            }
          } else reject(new KubeApiError(code, parseStatus(text), method, url.pathname));
        });
      });
      const timeout = setTimeout(() => req.destroy(Object.assign(new Error('request timed out'), { code: 'timeout' })), opts.timeoutMs ?? 30_000);
      req.on('close', () => clearTimeout(timeout));
      req.on('error', (err) => {
        clearTimeout(timeout);
        reject(err);
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * Opens a watch (`?watch=1` is added). Resolves once the server answered 200 with the stream; rejects
   * with KubeApiError when it refused (the Status body read), or a network/credential error.
   */
  async watch(path: string, query: Query, onEvent: (ev: WatchEvent) => void, opts: { signal?: AbortSignal; connectTimeoutMs?: number } = {}): Promise<WatchStream> {
    try {
      return await this.watchOnce(path, query, onEvent, opts);
    } catch (err) {
      if (err instanceof KubeApiError && err.statusCode === 401 && this.forgetExecToken()) return this.watchOnce(path, query, onEvent, opts);
      throw err;
    }
  }

  private async watchOnce(path: string, query: Query, onEvent: (ev: WatchEvent) => void, opts: { signal?: AbortSignal; connectTimeoutMs?: number }): Promise<WatchStream> {
    const { headers, agent } = await this.prepare();
    if (opts.signal?.aborted) throw Object.assign(new Error('The watch was aborted'), { name: 'AbortError' });
    const url = this.url(path, { ...query, watch: 1 });
    this.counters.requests++;
    return new Promise<WatchStream>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      let lastActivity = Date.now();
      let settle: (v: { error?: unknown }) => void = () => undefined;
      const ended = new Promise<{ error?: unknown }>((r) => (settle = r));
      let open = false;
      let finished = false;
      const finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        this.streams.delete(req);
        if (open) this.counters.openWatches--;
        settle(error === undefined ? {} : { error });
      };
      const req = mod.request(url, { method: 'GET', headers, agent }, (res) => {
        const code = res.statusCode ?? 0;
        lastActivity = Date.now();
        clearTimeout(connectTimer);
        if (code !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => refused(new KubeApiError(code, parseStatus(Buffer.concat(chunks).toString('utf8')), 'GET', url.pathname)));
          res.on('error', refused);
          return;
        }
        open = true;
        this.counters.openWatches++;
        this.counters.watchesOpened++;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          lastActivity = Date.now();
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line) continue;
            let ev: WatchEvent;
            try {
              ev = JSON.parse(line) as WatchEvent;
            } catch {
              continue; // a torn line: the stream is cut right after anyway
            }
            if (!finished) onEvent(ev);
          }
        });
        res.on('end', () => finish());
        res.on('close', () => finish(res.complete ? undefined : new Error('watch stream closed')));
        res.on('error', (err) => finish(err));
        resolve({
          ended,
          get lastActivity() {
            return lastActivity;
          },
          abort: () => {
            req.destroy();
            finish();
          },
        });
      });
      this.streams.add(req);
      req.on('socket', (s) => s.setKeepAlive(true, 15_000));
      const connectTimer = setTimeout(() => req.destroy(Object.assign(new Error('no answer to the watch request'), { code: 'timeout' })), opts.connectTimeoutMs ?? 30_000);
      // the stream never opened: forget the request and the abort listener, then say why (a long-lived
      // informer retries many times; nothing of a failed attempt may stay behind)
      const refused = (err: unknown) => {
        clearTimeout(connectTimer);
        finish(err);
        reject(err);
      };
      req.on('error', (err) => {
        if (open) finish(err);
        else refused(err);
      });
      const onAbort = () => req.destroy();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      void ended.then(() => opts.signal?.removeEventListener('abort', onAbort));
      req.end();
    });
  }

  /** Closes every open stream and idle connection. */
  dispose(): void {
    this.disposed = true;
    for (const r of [...this.streams]) r.destroy();
    this.streams.clear();
    this.agent?.agent.destroy();
    this.agent = undefined;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private url(path: string, query?: Query): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  /** Headers (credentials) for one request, and the connection pool for the TLS material in use. */
  private async prepare(): Promise<Prepared> {
    const user = this.kc.getCurrentUser();
    const cluster = this.kc.getCurrentCluster();
    const exec = execOf(user);
    let credential: ExecCredential | undefined;
    if (exec) {
      try {
        credential = await execCredentials.get(exec, cluster ?? undefined);
      } catch (err) {
        throw err instanceof ExecCredentialError ? err : new ExecCredentialError(err instanceof Error ? err.message : String(err), err);
      }
    }
    const opts: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    try {
      // client-node's public applyToHTTPSOptions: TLS material, tokens, auth providers, impersonation and
      // proxy agents; exec plugins are ours (above), handed to it as the token / client certificate they gave
      await this.effectiveConfig(credential).applyToHTTPSOptions(opts);
    } catch (err) {
      if (user?.authProvider) throw new ExecCredentialError(err instanceof Error ? err.message : String(err), err);
      throw err;
    }
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'gitops-pilot' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth && !headers.Authorization) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const auth = headers.Authorization;
    if (auth) registerSecret(auth.replace(/^\S+\s+/, ''));
    return { headers, agent: this.agentFor(opts) };
  }

  /**
   * A KubeConfig of the current context only, with the exec plugin replaced by what it handed out, and a
   * plain-http server marked so client-node's agent factory accepts it (kubectl allows http: kubectl proxy,
   * local simulators). Built with public calls only (loadFromOptions).
   */
  private effectiveConfig(credential: ExecCredential | undefined): KubeConfig {
    const user = this.kc.getCurrentUser();
    const cluster = this.kc.getCurrentCluster();
    const ctx = this.kc.getContextObject(this.kc.getCurrentContext());
    const exec = execOf(user);
    const kc = new this.sdk.KubeConfig();
    const effectiveUser = user
      ? {
          ...user,
          exec: undefined,
          ...(exec && user.authProvider && !user.exec ? { authProvider: undefined } : {}),
          ...(credential?.token ? { token: credential.token } : {}),
          ...(credential?.clientCertificateData ? { certData: b64(credential.clientCertificateData), certFile: undefined, keyData: b64(credential.clientKeyData ?? ''), keyFile: undefined } : {}),
        }
      : undefined;
    const effectiveCluster = cluster ? { ...cluster, ...(cluster.server.startsWith('http:') ? { skipTLSVerify: true } : {}) } : undefined;
    kc.loadFromOptions({
      clusters: effectiveCluster ? [effectiveCluster] : [],
      users: effectiveUser ? [effectiveUser] : [],
      contexts: ctx ? [ctx] : [],
      currentContext: this.kc.getCurrentContext(),
    });
    return kc;
  }

  /** One keep-alive pool per TLS material (it changes only when an exec plugin hands out a new client certificate). */
  private agentFor(opts: https.RequestOptions): http.Agent {
    const cluster = this.kc.getCurrentCluster();
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    const key = JSON.stringify([cluster?.server, cluster?.proxyUrl, tls.ca?.toString(), tls.cert?.toString(), tls.key?.toString(), tls.rejectUnauthorized, tls.servername]);
    if (this.agent?.key === key) return this.agent.agent;
    this.agent?.agent.destroy();
    let agent: http.Agent;
    if (cluster?.proxyUrl && opts.agent instanceof http.Agent) {
      // client-node built the proxy agent (socks, http and https proxies) in applyToHTTPSOptions
      agent = opts.agent;
    } else if (this.server.startsWith('http:')) {
      // plain http (kubectl proxy, local simulators): allowed, as kubectl allows it
      agent = new http.Agent({ keepAlive: true });
    } else {
      agent = new https.Agent({ ...tls, keepAlive: true });
    }
    this.agent = { key, agent };
    return agent;
  }

  /** Drops a cached exec-plugin credential so the next request runs the plugin again. True if there was one. */
  private forgetExecToken(): boolean {
    const exec = execOf(this.kc.getCurrentUser());
    return exec ? execCredentials.forget(exec, this.kc.getCurrentCluster() ?? undefined) : false;
  }
}

/** The exec plugin of a kubeconfig user (also the legacy `auth-provider: {config: {exec}}` form). */
function execOf(user: User | null | undefined): ExecConfig | undefined {
  const exec = (user?.exec ?? (user?.authProvider?.config as { exec?: unknown } | undefined)?.exec) as Partial<ExecConfig> | undefined;
  if (!exec || typeof exec.command !== 'string') return undefined;
  return {
    command: exec.command,
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env: Array.isArray(exec.env) ? exec.env.filter((e) => e && typeof e.name === 'string').map((e) => ({ name: e.name, value: String(e.value ?? '') })) : [],
    ...(typeof exec.apiVersion === 'string' ? { apiVersion: exec.apiVersion } : {}),
    ...(exec.provideClusterInfo ? { provideClusterInfo: true } : {}),
  };
}

const b64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

function parseStatus(text: string): KubeStatus | undefined {
  try {
    const s = JSON.parse(text) as KubeStatus;
    return s && typeof s === 'object' ? s : undefined;
  } catch {
    return text ? { message: text.trim().slice(0, 500) } : undefined;
  }
}

/** Makes a client for a context of a merged kubeconfig (loads the SDK on first use). */
export async function createClient(context: ContextInfo, kc: KubeConfig): Promise<KubeClient> {
  const sdk = await import('../../lazy/kube');
  return new KubeClient(context, kc, sdk);
}
