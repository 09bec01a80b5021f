/**
 * Exec credential plugins (`users[].user.exec` in a kubeconfig: `aws eks get-token`, `gke-gcloud-auth-plugin`,
 * `kubelogin`), run the way client-go runs them: the plugin's `env` entries are added to the child's
 * environment only (never to this process), `KUBERNETES_EXEC_INFO` tells it the protocol version and that
 * nobody can answer a prompt, and its ExecCredential is cached until `status.expirationTimestamp` (without
 * one: until the server rejects it). A token the server rejects is forgotten so the next request asks the
 * plugin again. Concurrent requests share one run of the plugin.
 *
 * Ours rather than client-node's because client-node writes `exec.env` into `process.env` and keeps an
 * expired-but-rejected token in a private static cache: doing it here keeps us on its public API.
 */
import { spawn } from 'node:child_process';
import { ExecCredentialError } from './errors';

export interface ExecConfig {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly apiVersion?: string;
  readonly provideClusterInfo?: boolean;
}

export interface ExecCredential {
  readonly token?: string;
  /** PEM */
  readonly clientCertificateData?: string;
  /** PEM */
  readonly clientKeyData?: string;
  /** ms since the epoch; undefined: valid until rejected */
  readonly expiresAt?: number;
}

export interface ExecCredentialOptions {
  /** injected clock (tests) */
  readonly now?: () => number;
  /** a plugin that does not answer in this time is stopped (default 120 s: an SSO login page may be open) */
  readonly timeoutMs?: number;
}

/** What the plugin's stdout says, checked like client-go checks it. Throws ExecCredentialError. */
export function parseExecCredential(stdout: string, expectedApiVersion: string | undefined): ExecCredential {
  let obj: any;
  try {
    obj = JSON.parse(stdout);
  } catch {
    throw new ExecCredentialError(`the plugin printed no ExecCredential JSON${stdout.trim() ? `: ${stdout.trim().split('\n')[0]!.slice(0, 120)}` : ''}`);
  }
  if (!obj || typeof obj !== 'object' || obj.kind !== 'ExecCredential') throw new ExecCredentialError('the plugin printed JSON that is not an ExecCredential');
  if (expectedApiVersion && obj.apiVersion && obj.apiVersion !== expectedApiVersion) {
    throw new ExecCredentialError(`the plugin answered ${obj.apiVersion}, the kubeconfig asks for ${expectedApiVersion}`);
  }
  const status = obj.status ?? {};
  const token = typeof status.token === 'string' && status.token ? status.token : undefined;
  const cert = typeof status.clientCertificateData === 'string' && status.clientCertificateData ? status.clientCertificateData : undefined;
  const key = typeof status.clientKeyData === 'string' && status.clientKeyData ? status.clientKeyData : undefined;
  if (!token && !(cert && key)) throw new ExecCredentialError('the plugin\'s ExecCredential has neither a token nor a client certificate and key');
  if (Boolean(cert) !== Boolean(key)) throw new ExecCredentialError('the plugin\'s ExecCredential has a client certificate without its key (or a key without its certificate)');
  const expires = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
  return {
    ...(token ? { token } : {}),
    ...(cert ? { clientCertificateData: cert, clientKeyData: key } : {}),
    ...(Number.isFinite(expires) ? { expiresAt: expires } : {}),
  };
}

/** Runs plugins and caches their credentials (one instance per process is enough; the key is the exec config). */
export class ExecCredentialCache {
  private readonly entries = new Map<string, { credential?: ExecCredential; pending?: Promise<ExecCredential> }>();
  private readonly now: () => number;

  constructor(private readonly opts: ExecCredentialOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** The cached credential while it is valid, else the plugin's fresh one. */
  get(exec: ExecConfig, cluster?: { server: string }): Promise<ExecCredential> {
    const key = cacheKey(exec, cluster);
    const entry = this.entries.get(key) ?? {};
    this.entries.set(key, entry);
    // client-go refreshes a little before the expiry, so a request does not race the deadline
    if (entry.credential && (entry.credential.expiresAt === undefined || entry.credential.expiresAt - 10_000 > this.now())) return Promise.resolve(entry.credential);
    entry.credential = undefined;
    entry.pending ??= this.run(exec, cluster).then(
      (c) => {
        entry.pending = undefined;
        entry.credential = c;
        return c;
      },
      (err) => {
        entry.pending = undefined;
        throw err;
      },
    );
    return entry.pending;
  }

  /** The server rejected the credential: the next get() runs the plugin again. True if one was cached. */
  forget(exec: ExecConfig, cluster?: { server: string }): boolean {
    const entry = this.entries.get(cacheKey(exec, cluster));
    const had = Boolean(entry?.credential);
    if (entry) entry.credential = undefined;
    return had;
  }

  private run(exec: ExecConfig, cluster?: { server: string }): Promise<ExecCredential> {
    const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1';
    const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.provideClusterInfo && cluster ? { cluster: { server: cluster.server } } : {}) } };
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const e of exec.env ?? []) env[e.name] = e.value;
    return new Promise<ExecCredential>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let failed: unknown;
      const child = spawn(exec.command, [...(exec.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      const timer = setTimeout(() => {
        failed = new ExecCredentialError(`the plugin did not answer within ${Math.round((this.opts.timeoutMs ?? 120_000) / 1000)} s`);
        child.kill();
      }, this.opts.timeoutMs ?? 120_000);
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (err) => (failed ??= new ExecCredentialError(err.message, err)));
      child.on('close', (code) => {
        clearTimeout(timer);
        if (failed) return reject(failed);
        if (code !== 0) return reject(new ExecCredentialError(stderr.trim() || `exit code ${code}`));
        try {
          resolve(parseExecCredential(stdout, exec.apiVersion));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}

function cacheKey(exec: ExecConfig, cluster?: { server: string }): string {
  return JSON.stringify([exec.command, exec.args ?? [], exec.env ?? [], exec.apiVersion ?? '', exec.provideClusterInfo ? cluster?.server : '']);
}

/** The process's cache: every client of every session shares it, as kubectl shares one per process. */
export const execCredentials = new ExecCredentialCache();
