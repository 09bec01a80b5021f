/**
 * The registry endpoint docker talks to: an authenticating reverse proxy in front of the real registry.
 *
 * ECR's registry accepts basic auth `AWS:<password>` where the password comes from GetAuthorizationToken and
 * expires (12 h). The real registry only knows one fixed htpasswd password, so this proxy checks the
 * password against the tokens the emulator issued (unknown → 401, expired → 403 "Your authorization token
 * has expired"), then forwards the request with the registry's real credentials. Bodies are streamed both
 * ways, and the Host header is kept, so the Location headers the registry builds point back at the proxy.
 *
 * It also does what ECR's registry does beyond a plain registry: pushes to a repository that was never
 * created fail with NAME_UNKNOWN, tags of IMMUTABLE repositories cannot be overwritten (TAG_INVALID),
 * per-action AccessDenied (ecr:PutImage, ecr:InitiateLayerUpload, …), push time / pull time recording;
 * and it is where registry faults are injected (see faults.ts).
 */
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultRule, Faults, RegistryOp } from './faults';
import type { EcrStore } from './store';

export interface ProxyBackend {
  accountId: string;
  region: string;
  userArn: string;
  store: EcrStore;
  faults: Faults;
  /** Whether an ECR IAM action (without the `ecr:` prefix) is denied. */
  isDenied(action: string): boolean;
  /** Create repositories on first push instead of answering NAME_UNKNOWN. */
  createOnPush: boolean;
}

export interface Upstream {
  url: string;
  username: string;
  password: string;
}

export interface ProxyStats {
  requests: number;
  /** Keyed `METHOD op`, e.g. `PATCH upload`, `PUT manifest`. */
  byOp: Record<string, number>;
  byStatus: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  authFailures: { missing: number; unknown: number; expired: number };
  faultsInjected: number;
}

export interface AuthProxy {
  url: string;
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  stats(): ProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

export interface Classified {
  op: RegistryOp;
  repository?: string;
  reference?: string;
  /** The ECR IAM action this request needs. */
  iamAction?: string;
}

/** What a registry v2 request is, from its method and path. */
export function classifyRegistryRequest(method: string, path: string): Classified {
  if (path === '/v2/' || path === '/v2') return { op: 'ping' };
  if (path === '/v2/_catalog') return { op: 'catalog', iamAction: 'DescribeRepositories' };
  const m = /^\/v2\/(.+?)\/(tags\/list|manifests\/([^/]+)|blobs\/uploads(?:\/([^/]*))?|blobs\/([^/]+))$/.exec(path);
  if (!m) return { op: 'other' };
  const repository = m[1]!;
  const what = m[2]!;
  if (what === 'tags/list') return { op: 'tags', repository, iamAction: 'ListImages' };
  if (what.startsWith('manifests/')) {
    const iamAction = method === 'PUT' ? 'PutImage' : method === 'DELETE' ? 'BatchDeleteImage' : 'BatchGetImage';
    return { op: 'manifest', repository, reference: decodeURIComponent(m[3]!), iamAction };
  }
  if (what.startsWith('blobs/uploads')) {
    const iamAction = method === 'POST' ? 'InitiateLayerUpload' : method === 'PUT' ? 'CompleteLayerUpload' : 'UploadLayerPart';
    return { op: 'upload', repository, iamAction };
  }
  const iamAction = method === 'HEAD' ? 'BatchCheckLayerAvailability' : method === 'DELETE' ? 'BatchDeleteImage' : 'GetDownloadUrlForLayer';
  return { op: 'blob', repository, reference: m[5], iamAction };
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'transfer-encoding', 'upgrade', 'te', 'trailer'];
const PUSH_ACTIONS = new Set(['InitiateLayerUpload', 'UploadLayerPart', 'CompleteLayerUpload', 'PutImage', 'BatchCheckLayerAvailability']);

function emptyStats(): ProxyStats {
  return { requests: 0, byOp: {}, byStatus: {}, bytesIn: 0, bytesOut: 0, authFailures: { missing: 0, unknown: 0, expired: 0 }, faultsInjected: 0 };
}

export async function startAuthProxy(upstream: Upstream, backend: ProxyBackend, opts: { port?: number; host?: string } = {}): Promise<AuthProxy> {
  const up = new URL(upstream.url);
  const upstreamAuth = `Basic ${Buffer.from(`${upstream.username}:${upstream.password}`).toString('base64')}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let stats = emptyStats();
  let selfUrl = '';

  const registryError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'docker-distribution-api-version': 'registry/2.0',
      ...headers,
    });
    res.end(body);
  };

  const challenge = () => ({ 'www-authenticate': `Basic realm="${selfUrl}/",service="ecr.amazonaws.com"` });

  const applyFault = async (rule: FaultRule, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    stats.faultsInjected++;
    switch (rule.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, rule.delayMs ?? 1_000));
        return false; // then handle normally
      case 'hang':
        backend.faults.holdHung(req.socket);
        return true;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'status':
      default: {
        req.resume();
        const status = rule.status ?? 503;
        registryError(res, status, status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE', rule.message ?? 'service unavailable (injected fault)');
        return true;
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const c = classifyRegistryRequest(method, path);
    stats.requests++;
    const key = `${method} ${c.op}`;
    stats.byOp[key] = (stats.byOp[key] ?? 0) + 1;
    res.on('finish', () => (stats.byStatus[res.statusCode] = (stats.byStatus[res.statusCode] ?? 0) + 1));

    const fault = backend.faults.take({ target: 'registry', method, path, op: c.op, repository: c.repository });
    if (fault && (await applyFault(fault, req, res))) return;

    // ── authentication: AWS:<password issued by GetAuthorizationToken> ──
    const auth = req.headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(auth);
    if (!basic) {
      stats.authFailures.missing++;
      req.resume();
      return registryError(res, 401, 'UNAUTHORIZED', 'authentication required', challenge());
    }
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    const state = user === 'AWS' ? backend.store.checkToken(password) : 'unknown';
    if (state === 'expired') {
      stats.authFailures.expired++;
      req.resume();
      return registryError(res, 403, 'DENIED', 'Your authorization token has expired. Reauthenticate and try again.');
    }
    if (state !== 'ok') {
      stats.authFailures.unknown++;
      req.resume();
      return registryError(res, 401, 'UNAUTHORIZED', 'authentication required', challenge());
    }

    // ── ECR semantics on top of the registry ──
    if (c.iamAction && backend.isDenied(c.iamAction)) {
      req.resume();
      const resource = c.repository ? `arn:aws:ecr:${backend.region}:${backend.accountId}:repository/${c.repository}` : '*';
      return registryError(res, 403, 'DENIED', `User: ${backend.userArn} is not authorized to perform: ecr:${c.iamAction} on resource: ${resource}`);
    }
    if (c.repository) {
      let repo = await backend.store.repository(c.repository).catch(() => undefined);
      if (!repo && backend.createOnPush && c.iamAction && PUSH_ACTIONS.has(c.iamAction)) repo = backend.store.createRepository(c.repository);
      if (!repo) {
        req.resume();
        return registryError(
          res,
          404,
          'NAME_UNKNOWN',
          `The repository with name '${c.repository}' does not exist in the registry with id '${backend.accountId}'`,
        );
      }
      if (c.op === 'manifest' && method === 'PUT' && c.reference && !c.reference.includes(':') && repo.imageTagMutability === 'IMMUTABLE') {
        const existing = await backend.store.registry.headManifest(c.repository, c.reference).catch(() => undefined);
        if (existing) {
          req.resume();
          return registryError(
            res,
            400,
            'TAG_INVALID',
            `The image tag '${c.reference}' already exists in the '${c.repository}' repository and cannot be overwritten because the repository is immutable.`,
          );
        }
      }
    }

    forward(req, res, method, url, c);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, method: string, url: string, c: Classified) => {
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    headers.authorization = upstreamAuth; // Host is kept: the registry's Location headers then name the proxy
    const upReq = request({ hostname: up.hostname, port: up.port, method, path: url, headers, agent }, (upRes) => {
      const status = upRes.statusCode ?? 502;
      const digest = upRes.headers['docker-content-digest'];
      if (c.repository && c.op === 'manifest' && typeof digest === 'string') {
        if (method === 'PUT' && status === 201) backend.store.recordPush(c.repository, digest);
        if (method === 'GET' && status === 200) backend.store.recordPull(c.repository, digest);
      }
      const out: Record<string, string | string[] | undefined> = { ...upRes.headers };
      for (const h of HOP_BY_HOP) delete out[h];
      res.writeHead(status, out);
      upRes.on('data', (b: Buffer) => (stats.bytesOut += b.length));
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    upReq.on('error', () => {
      if (!res.headersSent) registryError(res, 502, 'UNAVAILABLE', 'the registry behind the proxy did not answer');
      else res.destroy();
    });
    req.on('data', (b: Buffer) => (stats.bytesIn += b.length));
    req.pipe(upReq);
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) registryError(res, 500, 'UNKNOWN', 'internal error in the emulator proxy');
      else res.destroy();
    });
  });
  // docker first tries TLS on insecure registries: answer the handshake bytes with a plain 400 and close
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `${opts.host ?? '127.0.0.1'}:${port}`;
  selfUrl = `http://${host}`;
  let closed: Promise<void> | undefined;
  return {
    url: selfUrl,
    host,
    port,
    stats: () => structuredClone(stats),
    resetStats: () => (stats = emptyStats()),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        backend.faults.releaseHung();
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      })),
  };
}
