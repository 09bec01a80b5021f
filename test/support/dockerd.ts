/**
 * A real Docker engine for integration tests, shared by every test file of a run.
 *
 * `startDockerd()` starts `dockerd` (vfs storage, no iptables, no bridge, its own data-root, exec-root and
 * socket, see ../../../shared/ENVIRONMENT.md) in a well-known state directory, or reuses the one already
 * running there (pid + command line + `/_ping` check). Each process holds a lease (a file named by its pid);
 * `stop()` drops the lease and stops the daemon only when no live process holds one, so test files run one
 * after another reuse the data-root (and the base image) and, while another file still uses it, nobody pulls
 * the daemon away. `GITOPS_PILOT_KEEP_DOCKERD=1` keeps it running after the last lease (faster reruns).
 *
 * State dir: `$GITOPS_PILOT_DOCKERD_DIR`, else `<tmpdir>/gitops-pilot-dockerd-<uid>`.
 * dockerd binary: `$GITOPS_PILOT_DOCKERD` or `dockerd` on PATH (or /usr/sbin/dockerd).
 * docker CLI used by the helpers: `opts.cli`, else `$GITOPS_PILOT_DOCKER_CLI`, else `docker` on PATH.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cmdline, isAlive, run, runOk, sleep, tail, waitFor, which, type RunOptions, type RunResult } from './proc';

export interface DockerDaemon {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  socketPath: string;
  /** Variables to add to a docker CLI's environment (DOCKER_HOST). */
  env: Record<string, string>;
  /** The state directory (data-root, exec-root, socket, log). */
  dir: string;
  pid: number;
  /** Whether this call started the daemon (false: it reused a running one). */
  started: boolean;
  /** Releases this process's lease; stops the daemon when no live process holds one. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDockerdOptions {
  dir?: string;
  /** dockerd binary. */
  dockerd?: string;
  /** How long to wait for the daemon to answer `/_ping`. Default 60 s. */
  timeoutMs?: number;
  /** Keep the daemon running after the last lease is released. Default: $GITOPS_PILOT_KEEP_DOCKERD === '1'. */
  keep?: boolean;
}

export function defaultDockerdDir(): string {
  return process.env.GITOPS_PILOT_DOCKERD_DIR || join(tmpdir(), `gitops-pilot-dockerd-${process.getuid?.() ?? 'u'}`);
}

// One lease per process and state dir, reference-counted across startDockerd() calls in that process.
const shared = new Map<string, { promise: Promise<Omit<DockerDaemon, 'stop'>>; refs: number; keep: boolean }>();

export async function startDockerd(opts: StartDockerdOptions = {}): Promise<DockerDaemon> {
  const dir = opts.dir ?? defaultDockerdDir();
  const keep = opts.keep ?? process.env.GITOPS_PILOT_KEEP_DOCKERD === '1';
  let s = shared.get(dir);
  if (!s) {
    const entry = { promise: acquire(dir, opts), refs: 0, keep };
    shared.set(dir, entry);
    entry.promise.catch(() => {
      if (shared.get(dir) === entry) shared.delete(dir);
    });
    s = entry;
  }
  const entry = s;
  const first = entry.refs === 0;
  installExitHook();
  entry.refs++;
  let info: Omit<DockerDaemon, 'stop'>;
  try {
    info = await entry.promise;
  } catch (e) {
    entry.refs--;
    throw e;
  }
  let stopped = false;
  return {
    ...info,
    started: first && info.started,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (--entry.refs > 0) return;
      if (shared.get(dir) === entry) shared.delete(dir);
      await release(dir, entry.keep);
    },
  };
}

let exitHookInstalled = false;
/**
 * When the process exits while still holding a lease (a test forgot stop(), or crashed), drop the lease and,
 * if nobody else holds one and the lock is free right now, send the daemon SIGTERM. Synchronous: no waiting.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [dir, entry] of shared) {
      if (entry.refs <= 0) continue;
      const p = paths(dir);
      rmSync(join(p.leases, String(process.pid)), { force: true });
      if (entry.keep) continue;
      try {
        mkdirSync(p.lock);
      } catch {
        continue; // someone else is starting or stopping it: leave it to them
      }
      try {
        const pid = runningPid(dir);
        if (pid && liveLeases(dir).length === 0) process.kill(pid, 'SIGTERM');
      } catch {
        /* best effort */
      } finally {
        rmSync(p.lock, { recursive: true, force: true });
      }
    }
  });
}

function paths(dir: string) {
  return {
    socket: join(dir, 'docker.sock'),
    dataRoot: join(dir, 'root'),
    execRoot: join(dir, 'exec'),
    pidfile: join(dir, 'docker.pid'),
    log: join(dir, 'dockerd.log'),
    leases: join(dir, 'leases'),
    lock: join(dir, 'lock'),
  };
}

async function acquire(dir: string, opts: StartDockerdOptions): Promise<Omit<DockerDaemon, 'stop'>> {
  const p = paths(dir);
  mkdirSync(p.leases, { recursive: true });
  if (p.socket.length > 100) throw new Error(`dockerd state dir ${dir} is too long for a unix socket path; set GITOPS_PILOT_DOCKERD_DIR`);
  return withLock(p.lock, async () => {
    const host = `unix://${p.socket}`;
    let pid = runningPid(dir);
    let started = false;
    if (pid && !(await ping(p.socket, 10_000))) {
      // alive but not answering: a wedged daemon from an earlier run
      await kill(dir, pid);
      pid = undefined;
    }
    if (!pid) {
      pid = await launch(dir, opts);
      started = true;
    }
    writeFileSync(join(p.leases, String(process.pid)), `${Date.now()}\n`);
    return { host, socketPath: p.socket, env: { DOCKER_HOST: host }, dir, pid, started };
  });
}

async function release(dir: string, keep: boolean): Promise<void> {
  const p = paths(dir);
  await withLock(p.lock, async () => {
    rmSync(join(p.leases, String(process.pid)), { force: true });
    if (keep || liveLeases(dir).length > 0) return;
    const pid = runningPid(dir);
    if (pid) await kill(dir, pid);
  });
}

/** Pids of processes that hold a lease; stale leases (dead processes) are removed. */
function liveLeases(dir: string): number[] {
  const leases = paths(dir).leases;
  const live: number[] = [];
  for (const name of existsSync(leases) ? readdirSync(leases) : []) {
    const pid = Number(name);
    if (isAlive(pid)) live.push(pid);
    else rmSync(join(leases, name), { force: true });
  }
  return live;
}

/** The pid of the dockerd serving this state dir, if one runs. */
function runningPid(dir: string): number | undefined {
  const p = paths(dir);
  let pid: number;
  try {
    pid = Number(readFileSync(p.pidfile, 'utf8').trim());
  } catch {
    return undefined;
  }
  return isAlive(pid) && cmdline(pid).includes(p.socket) ? pid : undefined;
}

function findDockerd(explicit?: string): string {
  const name = explicit ?? process.env.GITOPS_PILOT_DOCKERD ?? 'dockerd';
  const found = which(name) ?? (name === 'dockerd' ? which('/usr/sbin/dockerd') : undefined);
  if (!found) {
    throw new Error(`cannot start the Docker engine: '${name}' not found (install it with: apt-get install -y docker.io)`);
  }
  return found;
}

async function launch(dir: string, opts: StartDockerdOptions): Promise<number> {
  const bin = findDockerd(opts.dockerd);
  const p = paths(dir);
  mkdirSync(p.dataRoot, { recursive: true });
  mkdirSync(p.execRoot, { recursive: true });
  rmSync(p.socket, { force: true });
  rmSync(p.pidfile, { force: true });
  const args = [
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--data-root', p.dataRoot,
    '--exec-root', p.execRoot,
    '-H', `unix://${p.socket}`,
    '--pidfile', p.pidfile,
  ];
  const logFd = openSync(p.log, 'w');
  let exited: string | undefined;
  let child;
  try {
    // detached: its own session, so it outlives this test process and is shared with the next one
    child = spawn(bin, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, DOCKER_HOST: undefined } });
  } finally {
    closeSync(logFd);
  }
  child.on('error', (e) => (exited = e.message));
  child.on('exit', (code, signal) => (exited = `dockerd exited with ${code ?? signal}`));
  child.unref();
  const logTail = () => {
    try {
      return tail(readFileSync(p.log, 'utf8'), 15);
    } catch {
      return '';
    }
  };
  try {
    await waitFor('dockerd to answer /_ping', () => ping(p.socket, 2_000), {
      timeoutMs: opts.timeoutMs ?? 60_000,
      intervalMs: 150,
      abort: () => exited,
    });
  } catch (e) {
    if (child.pid && !exited) await kill(dir, child.pid);
    throw new Error(`cannot start the Docker engine (${bin}): ${(e as Error).message}\n--- ${p.log} ---\n${logTail()}`);
  }
  return child.pid!;
}

async function kill(dir: string, pid: number): Promise<void> {
  const p = paths(dir);
  const containerdPidFile = join(p.execRoot, 'containerd', 'containerd.pid');
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const deadline = Date.now() + 20_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    // dockerd stops its containerd on SIGTERM; after SIGKILL we do it
    try {
      const cpid = Number(readFileSync(containerdPidFile, 'utf8').trim());
      if (isAlive(cpid) && cmdline(cpid).includes(p.execRoot)) process.kill(cpid, 'SIGKILL');
    } catch {
      /* none */
    }
  }
  rmSync(p.socket, { force: true });
}

/** GET /_ping on the daemon's socket. */
export function ping(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** A cross-process lock: a directory whose creation is atomic, holding its owner's pid. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'owner'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      const age = (() => {
        try {
          return Date.now() - statSync(lockDir).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if ((!Number.isNaN(owner) && !isAlive(owner)) || (Number.isNaN(owner) && age > 5_000) || age > timeoutMs) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockDir} (held by pid ${owner})`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

// ── docker CLI helpers ──────────────────────────────────────────────────────────────────────────────

/** The docker CLIs installed here: the 28.x one first on PATH and Debian's 20.10 (`/usr/bin/docker`). */
export function dockerClis(): string[] {
  const found = [which('docker'), which('/usr/local/bin/docker'), which('/usr/bin/docker')].filter((x): x is string => !!x);
  return [...new Set(found)];
}

export function defaultDockerCli(): string {
  return process.env.GITOPS_PILOT_DOCKER_CLI || which('docker') || '/usr/bin/docker';
}

let defaultConfigDir: string | undefined;
/** An empty DOCKER_CONFIG for this process, so the user's ~/.docker (credentials, contexts) never leaks in. */
function processConfigDir(): string {
  if (!defaultConfigDir) {
    const dir = mkdtempSync(join(tmpdir(), 'gitops-pilot-docker-config-'));
    defaultConfigDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return defaultConfigDir;
}

/**
 * The environment for a docker CLI talking to `daemon`: DOCKER_HOST, an isolated DOCKER_CONFIG
 * (`configDir`, where `docker login` stores credentials), the classic builder (the 28.x CLI has no buildx
 * here) and no hints. DOCKER_CONTEXT / DOCKER_TLS* from the caller's environment are dropped.
 */
export function dockerEnv(daemon: Pick<DockerDaemon, 'host'>, configDir?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_TLS']) delete env[k];
  return {
    ...env,
    DOCKER_HOST: daemon.host,
    DOCKER_CONFIG: configDir ?? processConfigDir(),
    DOCKER_BUILDKIT: '0',
    DOCKER_CLI_HINTS: 'false',
  };
}

export interface DockerRunOptions extends Omit<RunOptions, 'env'> {
  /** docker CLI binary (default: defaultDockerCli()). */
  cli?: string;
  /** DOCKER_CONFIG directory (default: an empty per-process one). */
  configDir?: string;
}

/** Runs the docker CLI against `daemon`. */
export function docker(daemon: Pick<DockerDaemon, 'host'>, args: string[], opts: DockerRunOptions = {}): Promise<RunResult> {
  return run(opts.cli ?? defaultDockerCli(), args, { ...opts, env: dockerEnv(daemon, opts.configDir) });
}

/** Like `docker`, but rejects (with redacted output) on a non-zero exit. */
export function dockerOk(daemon: Pick<DockerDaemon, 'host'>, args: string[], opts: DockerRunOptions = {}): Promise<RunResult> {
  return runOk(opts.cli ?? defaultDockerCli(), args, { ...opts, env: dockerEnv(daemon, opts.configDir) });
}

// ── images ──────────────────────────────────────────────────────────────────────────────────────────

const BASE_RECIPE = 'v1';
const APPLETS = ['sh', 'cat', 'echo', 'ls', 'mkdir', 'sleep', 'env', 'true', 'false', 'printf', 'rm', 'cp', 'touch', 'wc', 'grep', 'date', 'id', 'test'];
const baseMemo = new Map<string, Promise<string>>();

/**
 * Builds (once; reused while the daemon's data-root lives) a one-layer base image `FROM scratch` with a
 * static busybox in /bin and symlinks for common applets (so `RUN` shell form works). Returns its
 * reference, `gitops-pilot/busybox-base:<hash>` (the hash covers busybox and this recipe).
 */
export function ensureBaseImage(daemon: Pick<DockerDaemon, 'host'>, opts: { cli?: string; busybox?: string } = {}): Promise<string> {
  const key = `${daemon.host}|${opts.busybox ?? ''}`;
  let p = baseMemo.get(key);
  if (!p) {
    p = buildBase(daemon, opts);
    baseMemo.set(key, p);
    p.catch(() => baseMemo.delete(key));
  }
  return p;
}

async function buildBase(daemon: Pick<DockerDaemon, 'host'>, opts: { cli?: string; busybox?: string }): Promise<string> {
  const busybox = opts.busybox ?? '/bin/busybox';
  if (!existsSync(busybox)) throw new Error(`${busybox} not found: install a static busybox (apt-get install -y busybox-static)`);
  const hash = createHash('sha256').update(readFileSync(busybox)).update(BASE_RECIPE).update(APPLETS.join(',')).digest('hex').slice(0, 12);
  const ref = `gitops-pilot/busybox-base:${hash}`;
  const have = await docker(daemon, ['image', 'inspect', '--format', '{{.Id}}', ref], { cli: opts.cli });
  if (have.code === 0) return ref;
  const ctx = mkdtempSync(join(tmpdir(), 'gitops-pilot-base-'));
  try {
    mkdirSync(join(ctx, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(ctx, 'rootfs', 'tmp'), { recursive: true });
    copyFileSync(busybox, join(ctx, 'rootfs', 'bin', 'busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(ctx, 'rootfs', 'bin', a));
    writeFileSync(
      join(ctx, 'Dockerfile'),
      ['FROM scratch', 'COPY rootfs/ /', 'ENV PATH=/bin', 'CMD ["/bin/sh"]', ''].join('\n'),
    );
    await dockerOk(daemon, ['build', '--quiet', '-t', ref, ctx], { cli: opts.cli, timeoutMs: 180_000 });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return ref;
}

export interface SampleAppOptions {
  /** Base image reference (from ensureBaseImage). */
  base: string;
  /** Written into the image by the RUN step and the app file, so different versions give different layers. */
  version?: string;
  /** Directory to write into (created); default a new temp dir. */
  dir?: string;
  /**
   * Written into the RUN step so the build cache never gives two builds the same image: the daemon is
   * shared by concurrent test processes, and one removing "its" image by id must not remove another's.
   * Default: random. Pass a fixed value to get cache hits on purpose.
   */
  nonce?: string;
}

/**
 * Writes a small app build context: a Dockerfile `FROM <base>` with a RUN step and a COPY of an app file,
 * so the image adds two layers to the base. Returns the directory and a cleanup.
 */
export function writeSampleApp(opts: SampleAppOptions): { dir: string; cleanup: () => void } {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gitops-pilot-app-'));
  mkdirSync(dir, { recursive: true });
  const version = opts.version ?? '1.0.0';
  const nonce = opts.nonce ?? randomBytes(6).toString('hex');
  for (const v of [version, nonce]) if (!/^[\w.+-]+$/.test(v)) throw new Error(`sample app version and nonce must be simple tokens: ${v}`);
  writeFileSync(
    join(dir, 'Dockerfile'),
    [
      `FROM ${opts.base}`,
      `RUN mkdir -p /app && echo "build ${version} ${nonce}" > /app/build-info`,
      'COPY app.txt /app/app.txt',
      'CMD ["/bin/sh", "-c", "cat /app/app.txt"]',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'app.txt'), `demo-app ${version}\n`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `docker build -t <tag>… <dir>`; returns the image id. */
export async function dockerBuild(
  daemon: Pick<DockerDaemon, 'host'>,
  dir: string,
  tags: string[],
  opts: DockerRunOptions = {},
): Promise<string> {
  await dockerOk(daemon, ['build', ...tags.flatMap((t) => ['-t', t]), dir], { timeoutMs: 180_000, ...opts });
  const r = await dockerOk(daemon, ['image', 'inspect', '--format', '{{.Id}}', tags[0]!], opts);
  return r.stdout.trim();
}

/**
 * Removes every local image whose reference starts with `prefix` (e.g. a test registry's `127.0.0.1:PORT/`)
 * so the shared data-root does not grow run after run. `docker rmi` also drops their untagged parents; no
 * `image prune` here: on a shared daemon it could delete another process's build in progress.
 */
export async function removeImages(daemon: Pick<DockerDaemon, 'host'>, prefix: string, opts: DockerRunOptions = {}): Promise<void> {
  const ls = await dockerOk(daemon, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], opts);
  const refs = ls.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(prefix));
  if (refs.length) await docker(daemon, ['image', 'rm', '--force', ...refs], opts);
}

/** Parses `docker push` output: the digest and manifest size it reports on its last line. */
export function parsePushDigest(output: string): { digest: string; size: number } | undefined {
  const m = /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(output);
  return m ? { digest: m[1]!, size: Number(m[2]) } : undefined;
}

