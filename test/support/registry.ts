/**
 * A real Docker Registry v2 (Debian's `docker-registry`, distribution 2.8) on a loopback port, with htpasswd
 * basic auth (bcrypt, user `AWS` like ECR's registry), filesystem storage in a temp dir and deletes enabled.
 * Docker treats 127.0.0.0/8 as an insecure registry, so plain http works for `docker login/push/pull`.
 *
 *   const reg = await startRegistry();
 *   // reg.url = http://127.0.0.1:PORT, reg.host = 127.0.0.1:PORT, reg.username = 'AWS', reg.password
 *   await reg.close();
 *
 * Binary: `opts.binary`, `$GITOPS_PILOT_REGISTRY`, or `docker-registry` on PATH; `htpasswd` from apache2-utils.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { recordSecret } from './secrets';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { runOk, tail, waitFor, which } from './proc';

export interface RegistryHandle {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` (what docker image references use) */
  host: string;
  username: string;
  password: string;
  /** The registry's storage root (`rootdirectory`); its layout is distribution's filesystem driver layout. */
  storageDir: string;
  /** The directory holding config, htpasswd and storage. */
  dir: string;
  /** Stops the registry and removes its directory (unless `keepDir`). Safe to call twice. */
  close(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Directory for config, htpasswd and data; default a new temp dir (removed by close()). */
  dir?: string;
  port?: number;
  username?: string;
  password?: string;
  binary?: string;
  /** Keep `dir` after close(). */
  keepDir?: boolean;
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<RegistryHandle> {
  const binary = which(opts.binary ?? process.env.GITOPS_PILOT_REGISTRY ?? 'docker-registry');
  if (!binary) throw new Error('cannot start the registry: docker-registry not found (install it with: apt-get install -y docker-registry)');
  const htpasswdBin = which('htpasswd');
  if (!htpasswdBin) throw new Error('cannot start the registry: htpasswd not found (install it with: apt-get install -y apache2-utils)');

  const ownDir = !opts.dir;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gitops-pilot-registry-'));
  const storageDir = join(dir, 'data');
  mkdirSync(storageDir, { recursive: true });
  const username = opts.username ?? 'AWS';
  const password = opts.password ?? randomBytes(24).toString('base64url');
  recordSecret(password);
  recordSecret(Buffer.from(`${opts.username ?? 'AWS'}:${password}`).toString('base64'));
  // bcrypt entry; the password goes through stdin, never the command line
  const entry = await runOk(htpasswdBin, ['-niB', username], { input: `${password}\n`, secrets: [password] });
  writeFileSync(join(dir, 'htpasswd'), entry.stdout.trim() + '\n', { mode: 0o600 });

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = opts.port ?? (await freePort());
    const config = join(dir, 'config.yml');
    writeFileSync(config, configYaml({ port, storageDir, htpasswd: join(dir, 'htpasswd') }), { mode: 0o600 });
    const child = spawn(binary, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let exited: string | undefined;
    child.stdout!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
    child.stderr!.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
    child.on('error', (e) => (exited = e.message));
    child.on('exit', (code, signal) => (exited = `docker-registry exited with ${code ?? signal}`));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        `docker-registry on ${url}`,
        async () => {
          const r = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) });
          await r.arrayBuffer();
          return r.status === 401; // up, and asking for credentials
        },
        { timeoutMs: 20_000, intervalMs: 100, abort: () => exited },
      );
    } catch (e) {
      stopChild(child);
      lastError = new Error(`${(e as Error).message}\n${tail(output, 10)}`);
      if (!opts.port && /address already in use/.test(output)) continue;
      break;
    }
    // a forgotten close() must not keep the test process alive; the exit hook still stops the registry
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    const onExit = () => {
      stopChild(child);
      if (ownDir && !opts.keepDir) rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    let closed = false;
    return {
      url,
      host: `127.0.0.1:${port}`,
      username,
      password,
      storageDir,
      dir,
      close: async () => {
        if (closed) return;
        closed = true;
        process.removeListener('exit', onExit);
        await stopChildAndWait(child);
        if (ownDir && !opts.keepDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (ownDir && !opts.keepDir) rmSync(dir, { recursive: true, force: true });
  throw new Error(`cannot start the registry: ${lastError?.message ?? 'unknown error'}`);
}

function configYaml(o: { port: number; storageDir: string; htpasswd: string }): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(o.storageDir)}`,
    '  delete:',
    '    enabled: true',
    '  redirect:',
    '    disable: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${q(`127.0.0.1:${o.port}`)}`,
    `  secret: ${q(randomBytes(16).toString('hex'))}`,
    'auth:',
    '  htpasswd:',
    '    realm: "gitops-pilot-registry"',
    `    path: ${q(o.htpasswd)}`,
    '',
  ].join('\n');
}

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

function stopChildAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
