/**
 * What the GitHub and GitLab emulators share: an HTTP(S) JSON server, a self-signed certificate made with
 * the real openssl, and git operations on the tests' real bare repositories (a merge really merges: a
 * merge commit made with `git merge-tree --write-tree` + `commit-tree`, then `update-ref` with the old
 * value, so a concurrent push is never lost).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Tls {
  readonly cert: string;
  readonly key: string;
  /** the certificate's file: what SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and python's ssl_verify take */
  readonly certFile: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl in `dir`. */
export function makeCertificate(dir: string): Tls {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile], { stdio: 'pipe' });
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, any>;
}

export type Handler = (req: Request) => Promise<{ status?: number; body: unknown; headers?: Record<string, string> }> | { status?: number; body: unknown; headers?: Record<string, string> };

export interface JsonServer {
  readonly origin: string;
  readonly port: number;
  /** every request, for assertions (method, path, and whether it carried credentials) */
  readonly requests: { method: string; path: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    const out: Record<string, any> = {};
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    return out;
  }
  try {
    return JSON.parse(text) as Record<string, any>;
  } catch {
    throw new HttpError(400, { message: 'Problems parsing JSON' });
  }
}

/** `contentType`: GitHub says `application/json; charset=utf-8`; python-gitlab parses only an exact `application/json`. */
export async function startJsonServer(handler: Handler, tls?: Tls, port = 0, contentType = 'application/json; charset=utf-8'): Promise<JsonServer> {
  const requests: { method: string; path: string }[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(text);
    };
    readBody(req)
      .then((body) => handler({ method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body }))
      .then((r) => send(r.status ?? 200, r.body, r.headers))
      .catch((err: unknown) => (err instanceof HttpError ? send(err.status, err.body, err.headers) : send(500, { message: String(err) })));
  };
  const server: Server = tls ? createHttps({ cert: tls.cert, key: tls.key }, onRequest) : createHttp(onRequest);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  return {
    origin: `${tls ? 'https' : 'http'}://localhost:${p}`,
    port: p,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Forge Emulator',
  GIT_AUTHOR_EMAIL: 'forge@example.test',
  GIT_COMMITTER_NAME: 'Forge Emulator',
  GIT_COMMITTER_EMAIL: 'forge@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function gitIn(bare: string, args: string[]): { code: number; out: string } {
  const r = spawnSync('git', args, { cwd: bare, env: gitEnv, encoding: 'utf8' });
  return { code: r.status ?? -1, out: (r.stdout ?? '').trim() };
}

/** A branch's commit in a bare repository, or undefined. */
export function branchSha(bare: string, branch: string): string | undefined {
  const r = gitIn(bare, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return r.code === 0 ? r.out : undefined;
}

/** Whether `head` merges into `base` without conflicts (the tree it would make), or false. */
export function mergeTree(bare: string, base: string, head: string): string | false {
  const r = gitIn(bare, ['merge-tree', '--write-tree', base, head]);
  return r.code === 0 ? r.out.split('\n')[0]! : false;
}

/** Merges branch `head` (which must be at `expectSha`) into branch `base` with a merge commit; returns its sha. */
export function mergeBranches(bare: string, base: string, head: string, message: string): string {
  const baseSha = branchSha(bare, base);
  const headSha = branchSha(bare, head);
  if (!baseSha || !headSha) throw new HttpError(422, { message: 'branch not found' });
  const tree = mergeTree(bare, baseSha, headSha);
  if (!tree) throw new HttpError(405, { message: 'Pull Request is not mergeable' });
  const commit = gitIn(bare, ['commit-tree', tree, '-p', baseSha, '-p', headSha, '-m', message]);
  if (commit.code !== 0) throw new Error(`commit-tree failed in ${bare}`);
  const update = gitIn(bare, ['update-ref', `refs/heads/${base}`, commit.out, baseSha]);
  if (update.code !== 0) throw new HttpError(409, { message: `${base} moved during the merge` });
  return commit.out;
}

export function bearer(headers: IncomingMessage['headers']): string | undefined {
  const auth = headers.authorization;
  const m = auth ? /^(?:token|bearer)\s+(\S+)$/i.exec(auth) : null;
  return m?.[1];
}

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A commit's message, committer date and author, read from the bare repository. */
export function commitInfo(bare: string, sha: string): { message: string; date: string; author: string; email: string } | undefined {
  const r = gitIn(bare, ['log', '-1', '--format=%cI%x00%an%x00%ae%x00%B', sha, '--']);
  if (r.code !== 0) return undefined;
  const [date, author, email, message] = r.out.split('\0') as [string, string, string, string];
  return { date: new Date(date).toISOString().replace(/\.\d+Z$/, 'Z'), author, email, message: message.trim() };
}

/** Lines added and removed and files changed between two commits (what a pull request's diff counts). */
export function diffStat(bare: string, base: string, head: string): { additions: number; deletions: number; files: number } {
  const r = gitIn(bare, ['diff', '--numstat', `${base}...${head}`, '--']);
  const rows = r.code === 0 && r.out ? r.out.split('\n').map((l) => l.split('\t')) : [];
  return { additions: rows.reduce((n, x) => n + (Number(x[0]) || 0), 0), deletions: rows.reduce((n, x) => n + (Number(x[1]) || 0), 0), files: rows.length };
}
