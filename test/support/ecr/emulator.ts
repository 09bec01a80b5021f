/**
 * The ECR emulator: an AWS JSON 1.1 API server (what `@aws-sdk/client-ecr` with `endpoint` and
 * `aws ecr --endpoint-url` talk to) plus an authenticating proxy in front of a real registry (what
 * `docker login/push/pull` talk to). See README.md in this folder for the design.
 *
 *   const reg = await startRegistry();
 *   const ecr = await startEcrEmulator({ registry: reg });
 *   new ECRClient({ endpoint: ecr.endpoint, region: ecr.region, credentials: ecr.credentials });
 *   // repositoryUri / proxyEndpoint name ecr.registryHost (127.0.0.1:PORT), not *.amazonaws.com
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { recordSecret } from '../secrets';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../registryClient';
import { startRegistry, type RegistryHandle, type StartRegistryOptions } from '../registry';
import { actions, resourceFor, TARGET_PREFIX, type ApiContext } from './api';
import { EcrError, errors } from './errors';
import { Faults } from './faults';
import { startAuthProxy, type ProxyStats, type Upstream } from './proxy';
import type { ScanFindingsSpec } from './scan';
import { verifySigV4, type KnownCredentials } from './sigv4';
import { EcrStore, type RepositoryMeta } from './store';

export interface RepositorySeed {
  name: string;
  imageTagMutability?: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush?: boolean;
}

export interface EcrEmulatorOptions {
  /** The real registry (url, basic-auth credentials; storageDir enables untagged images and tag removal). */
  registry: Upstream & { storageDir?: string };
  /** Default 123456789012. */
  accountId?: string;
  /** Default us-east-1. Requests must be signed for this region. */
  region?: string;
  /** IAM user name in AccessDenied messages; default `dev`. */
  userName?: string;
  /** Credentials the API accepts; default one random pair. */
  credentials?: KnownCredentials[];
  /** Registry token lifetime; default 12 h like ECR. */
  tokenTtlMs?: number;
  /** Verify SigV4 signatures (default true); false only checks presence, key id, scope and time. */
  verifySignature?: boolean;
  /** Repositories to create at start. */
  repositories?: Array<string | RepositorySeed>;
  /** How long scans stay IN_PROGRESS after a push or StartImageScan; default 0 (complete at once). */
  scanDelayMs?: number;
  /** Create repositories on first push (default false: push to an unknown repository fails like ECR). */
  createRepositoryOnPush?: boolean;
  /** API port (default: any free one). */
  port?: number;
  /** Registry proxy port (default: any free one). */
  proxyPort?: number;
}

export interface ActionStats {
  count: number;
  /** Error type → count. */
  errors: Record<string, number>;
  totalMs: number;
}

export interface EcrStats {
  api: { requests: number; byAction: Record<string, ActionStats> };
  registry: ProxyStats;
}

export interface EcrEmulator {
  /** http://127.0.0.1:PORT, for the SDK's `endpoint` and the CLI's `--endpoint-url`. */
  endpoint: string;
  /** 127.0.0.1:PORT of the registry proxy: the host in every repositoryUri, what `docker login` takes. */
  registryHost: string;
  /** http://127.0.0.1:PORT (GetAuthorizationToken's proxyEndpoint). */
  proxyEndpoint: string;
  accountId: string;
  region: string;
  /** arn:aws:iam::<account>:user/<userName> */
  userArn: string;
  /** The first accepted credentials (static credentials for the SDK / env vars for the CLI). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  faults: Faults;
  /** ECR-side metadata and the registry reader (for tests that need to look inside). */
  store: EcrStore;
  repositoryUri(name: string): string;
  /** Creates a repository directly (like CreateRepository, without a request). */
  createRepository(name: string, settings?: Omit<RepositorySeed, 'name'>): void;
  /** Sets the scan result of the image a tag or digest names; resolves to its digest. */
  setScanFindings(repository: string, ref: string, spec: ScanFindingsSpec): Promise<string>;
  /** A registry password as GetAuthorizationToken would issue it (for tests that skip the API). */
  issueToken(ttlMs?: number): { username: 'AWS'; password: string; expiresAt: Date };
  /** Every registry token issued so far expires now (docker logins with them get 403 DENIED). Returns how many. */
  expireTokens(): number;
  /** While on, every API request fails with ExpiredTokenException. */
  expireCredentials(expired?: boolean): void;
  /** Another accepted credential pair (random unless given). */
  addCredentials(c?: Partial<KnownCredentials>): KnownCredentials;
  /** Deny an ECR action ('GetAuthorizationToken' or 'ecr:PutImage'…) on the API and on the registry. */
  denyAction(action: string): void;
  allowAction(action: string): void;
  /** AWS_* variables for a CLI or SDK process using this emulator (AWS_ENDPOINT_URL_ECR for newer clients). */
  env(): Record<string, string>;
  stats(): EcrStats;
  resetStats(): void;
  close(): Promise<void>;
}

function randomCredentials(): KnownCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((b) => alphabet[b % 32]).join('');
  const secretAccessKey = randomBytes(30).toString('base64');
  recordSecret(secretAccessKey);
  return { accessKeyId: `AKIA${id}`, secretAccessKey };
}

const stripEcr = (a: string) => a.replace(/^ecr:/, '');

export async function startEcrEmulator(opts: EcrEmulatorOptions): Promise<EcrEmulator> {
  const accountId = opts.accountId ?? '123456789012';
  const region = opts.region ?? 'us-east-1';
  const userArn = `arn:aws:iam::${accountId}:user/${opts.userName ?? 'dev'}`;
  const creds = new Map<string, KnownCredentials>();
  for (const c of opts.credentials?.length ? opts.credentials : [randomCredentials()]) creds.set(c.accessKeyId, { ...c });
  const primary = [...creds.values()][0]!;
  const denied = new Set<string>();
  let credentialsExpired = false;
  const faults = new Faults();
  const registryClient = new RegistryClient({ url: opts.registry.url, username: opts.registry.username, password: opts.registry.password });
  const store = new EcrStore(registryClient, opts.registry.storageDir, { scanDelayMs: opts.scanDelayMs ?? 0 });
  for (const r of opts.repositories ?? []) {
    const seed = typeof r === 'string' ? { name: r } : r;
    store.createRepository(seed.name, seed);
  }

  const proxy = await startAuthProxy(
    opts.registry,
    {
      accountId,
      region,
      userArn,
      store,
      faults,
      isDenied: (a) => denied.has(a),
      createOnPush: opts.createRepositoryOnPush ?? false,
    },
    { port: opts.proxyPort },
  );

  const ctx: ApiContext = {
    store,
    accountId,
    region,
    registryHost: proxy.host,
    proxyEndpoint: proxy.url,
    tokenTtlMs: opts.tokenTtlMs ?? 12 * 3600_000,
  };

  let apiStats: EcrStats['api'] = { requests: 0, byAction: {} };

  const send = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...extra,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(`${TARGET_PREFIX}.`) ? target.slice(TARGET_PREFIX.length + 1) : undefined;
    const statKey = action ?? '(unknown)';
    apiStats.requests++;
    const s = (apiStats.byAction[statKey] ??= { count: 0, errors: {}, totalMs: 0 });
    s.count++;
    const body = await readBody(req, 5 * 1024 * 1024);
    try {
      const fault = faults.take({ target: 'api', method, path: req.url ?? '/', action });
      if (fault) {
        if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1_000));
        else if (fault.kind === 'hang') {
          faults.holdHung(req.socket);
          return;
        } else if (fault.kind === 'reset') {
          req.socket.destroy();
          return;
        } else {
          const status = fault.status ?? 500;
          const type = fault.errorType ?? (status >= 500 ? 'ServerException' : 'ThrottlingException');
          throw new EcrError(type, fault.message ?? (type === 'ThrottlingException' ? 'Rate exceeded' : 'injected fault'), status);
        }
      }
      if (method !== 'POST') throw errors.unknownOperation();
      verifySigV4({ method, url: req.url ?? '/', headers: req.headers, body }, (id) => creds.get(id), {
        region,
        service: 'ecr',
        verifySignature: opts.verifySignature ?? true,
      });
      if (credentialsExpired) throw errors.expiredToken();
      if (!action || !Object.prototype.hasOwnProperty.call(actions, action)) throw errors.unknownOperation();
      let input: Record<string, unknown>;
      try {
        const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        input = parsed as Record<string, unknown>;
      } catch {
        throw errors.serialization('Start of structure or map found where not expected.');
      }
      if (denied.has(action)) throw errors.accessDenied(userArn, action, resourceFor(action, input, ctx));
      const out = await actions[action]!(input, ctx);
      send(res, 200, out);
    } catch (e) {
      const err = e instanceof EcrError ? e : errors.server(`internal error: ${(e as Error).message}`);
      s.errors[err.type] = (s.errors[err.type] ?? 0) + 1;
      send(res, err.status, { __type: err.type, message: err.message }, {
        'x-amzn-errortype': `${err.type}:http://internal.amazon.com/coral/com.amazonaws.containerregistry.v20150921/`,
      });
    } finally {
      s.totalMs += performance.now() - started;
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { __type: 'ServerException', message: 'internal error' });
      else res.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await proxy.close();
    throw e;
  }
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;

  return {
    endpoint,
    registryHost: proxy.host,
    proxyEndpoint: proxy.url,
    accountId,
    region,
    userArn,
    credentials: { accessKeyId: primary.accessKeyId, secretAccessKey: primary.secretAccessKey },
    faults,
    store,
    repositoryUri: (name) => `${proxy.host}/${name}`,
    createRepository: (name, settings = {}) => {
      store.createRepository(name, settings);
    },
    setScanFindings: async (repository, ref, spec) => {
      const repo: RepositoryMeta | undefined = await store.repository(repository);
      if (!repo) throw new Error(`no repository ${repository}`);
      const digest = ref.startsWith('sha256:') ? ref : (await registryClient.headManifest(repository, ref))?.digest;
      if (!digest) throw new Error(`no image ${repository}:${ref}`);
      store.setScan(repository, digest, spec);
      return digest;
    },
    issueToken: (ttlMs) => ({ username: 'AWS', ...store.issueToken(ttlMs ?? ctx.tokenTtlMs) }),
    expireTokens: () => store.expireTokens(),
    expireCredentials: (expired = true) => {
      credentialsExpired = expired;
    },
    addCredentials: (c = {}) => {
      const k = { ...randomCredentials(), ...c };
      creds.set(k.accessKeyId, k);
      return k;
    },
    denyAction: (a) => denied.add(stripEcr(a)),
    allowAction: (a) => denied.delete(stripEcr(a)),
    env: () => ({
      AWS_ACCESS_KEY_ID: primary.accessKeyId,
      AWS_SECRET_ACCESS_KEY: primary.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_ECR: endpoint,
    }),
    stats: () => ({ api: structuredClone(apiStats), registry: proxy.stats() }),
    resetStats: () => {
      apiStats = { requests: 0, byAction: {} };
      proxy.resetStats();
    },
    close: () =>
      (closing ??= (async () => {
        faults.releaseHung();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await proxy.close();
      })()),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(errors.serialization('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface EcrStack {
  registry: RegistryHandle;
  ecr: EcrEmulator;
  close(): Promise<void>;
}

/** A real registry plus the emulator in front of it; close() stops both. */
export async function startEcrStack(
  opts: Omit<EcrEmulatorOptions, 'registry'> & { registryOptions?: StartRegistryOptions } = {},
): Promise<EcrStack> {
  const registry = await startRegistry(opts.registryOptions);
  let ecr: EcrEmulator;
  try {
    ecr = await startEcrEmulator({ ...opts, registry });
  } catch (e) {
    await registry.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    registry,
    ecr,
    close: () =>
      (closing ??= (async () => {
        await ecr.close();
        await registry.close();
      })()),
  };
}
