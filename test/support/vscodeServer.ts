/**
 * A real VS Code (the server and web workbench shipped in the npm package `code-server`), provisioned
 * offline into a cache outside the repository, and started on a loopback port for one test run.
 *
 *   node out/test/support/vscodeServer.js provision [--force]   install (or check) the cached server
 *   node out/test/support/vscodeServer.js path                  print the server's directory
 *   node out/test/support/vscodeServer.js start [WORKSPACE]     start it on a workspace and print the URL
 *
 * Cache: `$GITOPS_PILOT_CACHE/vscode-1.100.3` (default `~/.cache/gitops-pilot/vscode-1.100.3`). A marker file
 * is written last, after every step succeeded; a directory without it is removed and provisioned again.
 * The recipe (and why each step) is in ENVIRONMENT.md, "A real VS Code, in a real browser".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { repoRoot } from './paths';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
/** Bump when the provisioning steps change, so existing caches are redone. */
const RECIPE = 2;
const MARKER = '.gitops-pilot-provisioned.json';
/**
 * Native modules of VS Code's server, rebuilt against the system Node's headers. ENVIRONMENT.md lists
 * the first four; without native-watchdog every extension host logs "Cannot find module
 * './build/Release/watchdog'" (it still runs, but the noise hides real errors).
 */
const NATIVE_MODULES = ['kerberos', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog'];
const NODE_GYP_CANDIDATES = [
  '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
];

// ─── cache locations ────────────────────────────────────────────────────────────────────────────

/** The project's cache root: `$GITOPS_PILOT_CACHE`, else `~/.cache/gitops-pilot`. */
export function cacheRoot(): string {
  const fromEnv = process.env.GITOPS_PILOT_CACHE;
  return fromEnv ? resolve(fromEnv) : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gitops-pilot');
}

/** Where the provisioned server lives: `<cacheRoot>/vscode-1.100.3`. */
export function serverInstallDir(): string {
  return join(cacheRoot(), `vscode-${VSCODE_VERSION}`);
}

/** VS Code itself inside the install (has out/server-main.js). */
export function vscodeDir(installDir = serverInstallDir()): string {
  return join(installDir, 'node_modules/code-server/lib/vscode');
}

export function isProvisioned(installDir = serverInstallDir()): boolean {
  try {
    const m = JSON.parse(readFileSync(join(installDir, MARKER), 'utf8')) as { recipe?: number; codeServer?: string; abi?: string };
    // native modules are built for one Node ABI: another Node major needs a rebuild
    return m.recipe === RECIPE && m.codeServer === CODE_SERVER_VERSION && m.abi === process.versions.modules && existsSync(join(vscodeDir(installDir), 'out/server-main.js'));
  } catch {
    return false;
  }
}

// ─── provisioning ───────────────────────────────────────────────────────────────────────────────

export interface ProvisionOptions {
  /** redo even when the marker says it is done */
  force?: boolean;
  /** progress lines (default: stderr with a `[vscode-server]` prefix) */
  log?: (line: string) => void;
}

/**
 * Makes sure the cached VS Code server exists and returns its install directory. Does nothing when the
 * marker is present. Builds into `<dir>.partial` and renames it into place only after every step
 * (marker included) succeeded, so an interrupted run never looks finished. Concurrent callers wait
 * for each other through a lock directory.
 */
export async function provision(opts: ProvisionOptions = {}): Promise<string> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[vscode-server] ${l}\n`));
  const dir = serverInstallDir();
  if (!opts.force && isProvisioned(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const release = await lock(`${dir}.lock`, log);
  try {
    if (!opts.force && isProvisioned(dir)) return dir; // someone else finished while we waited
    const t0 = Date.now();
    log(`provisioning VS Code ${VSCODE_VERSION} (code-server ${CODE_SERVER_VERSION}) into ${dir}`);
    if (existsSync(dir)) {
      log(`removing ${opts.force ? 'the existing' : 'an unfinished'} install`);
      rmSync(dir, { recursive: true, force: true });
    }
    const work = `${dir}.partial`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    await runSteps(work, log);
    writeFileSync(
      join(work, MARKER),
      `${JSON.stringify({ recipe: RECIPE, codeServer: CODE_SERVER_VERSION, vscode: VSCODE_VERSION, node: process.version, abi: process.versions.modules, provisionedAt: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000) }, null, 2)}\n`,
    );
    renameSync(work, dir);
    log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s (${du(dir)} MB)`);
    return dir;
  } finally {
    release();
  }
}

async function runSteps(work: string, log: (line: string) => void): Promise<void> {
  const rg = findOnPath('rg');
  if (!rg) throw new Error('ripgrep (rg) is not on PATH: apt-get install -y ripgrep');
  const gyp = NODE_GYP_CANDIDATES.find((p) => existsSync(p));
  if (!gyp) throw new Error(`node-gyp not found (looked in ${NODE_GYP_CANDIDATES.join(', ')})`);
  if (!existsSync('/usr/include/node/node.h')) throw new Error('Node headers missing in /usr/include/node (the Debian/NodeSource nodejs package ships them)');
  const npmEnv = npmEnvironment();
  const step = async (name: string, fn: () => Promise<void>) => {
    const t = Date.now();
    log(`  ${name} …`);
    await fn();
    log(`  ${name}: ${((Date.now() - t) / 1000).toFixed(0)} s`);
  };
  const vs = vscodeDir(work);
  await step(`npm install code-server@${CODE_SERVER_VERSION} (no install scripts: they download from GitHub)`, () =>
    exec('npm', ['install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', work, `code-server@${CODE_SERVER_VERSION}`], { cwd: work, env: npmEnv }),
  );
  if (!existsSync(join(vs, 'out/server-main.js'))) throw new Error(`${vs}/out/server-main.js missing after installing code-server`);
  await step('npm install VS Code server dependencies (lib/vscode)', () =>
    exec('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: vs, env: npmEnv }),
  );
  for (const m of NATIVE_MODULES) {
    await step(`node-gyp rebuild ${m} (--nodedir=/usr: no header download)`, () =>
      exec(process.execPath, [gyp, 'rebuild', '--nodedir=/usr', '--jobs=max'], { cwd: join(vs, 'node_modules', m), env: npmEnv }),
    );
  }
  await step('link ripgrep, node_modules.asar', async () => {
    const rgBin = join(vs, 'node_modules/@vscode/ripgrep/bin');
    mkdirSync(rgBin, { recursive: true });
    rmSync(join(rgBin, 'rg'), { force: true });
    symlinkSync(rg, join(rgBin, 'rg'));
    rmSync(join(vs, 'node_modules.asar'), { force: true });
    symlinkSync('node_modules', join(vs, 'node_modules.asar'));
  });
  await step('npm install built-in extensions dependencies', () =>
    exec('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: join(vs, 'extensions'), env: npmEnv }),
  );
}

/** npm run from `npm test` passes its own npm_* variables; keep config (registry, cache), drop the rest. */
function npmEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/i.test(k) || /^npm_config_(prefix|global|omit|include|save|dry_run)$/i.test(k)) continue;
    env[k] = v;
  }
  env.npm_config_nodedir = '/usr';
  env.npm_config_update_notifier = 'false';
  return env;
}

/** Runs a command (argument array, no shell); output goes to a log that is shown when it fails. */
function exec(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer) => {
      out = (out + b.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited with ${code ?? signal}\n${out.trimEnd().split('\n').slice(-40).join('\n')}`));
    });
  });
}

/** A lock directory holding the owner's pid; a lock whose owner is gone (or older than 30 min) is taken over. */
async function lock(path: string, log: (line: string) => void): Promise<() => void> {
  let said = false;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSafe(join(path, 'pid')));
      // a provisioning run takes minutes; a lock much older than that belongs to something else now
      const stale = Date.now() - mtime(path) > 30 * 60_000;
      if (!pid || !alive(pid) || stale) {
        // a crashed provisioner (or one between mkdir and writing its pid: give it a moment)
        if (!pid && Date.now() - mtime(path) < 5_000) {
          await delay(500);
          continue;
        }
        rmSync(path, { recursive: true, force: true });
        continue;
      }
      if (!said) log(`waiting for another provisioning run (pid ${pid}) to finish`);
      said = true;
      await delay(1000);
    }
  }
}

// ─── starting a server ──────────────────────────────────────────────────────────────────────────

export interface StartOptions {
  /** folder opened in the window (absolute path), or a .code-workspace file */
  workspace: string;
  /** written to the user settings.json, over BASE_USER_SETTINGS (`{"workbench.startupEditor": "none"}`, no network checks) */
  userSettings?: Record<string, unknown>;
  /** false leaves out --disable-workspace-trust, so the window starts in Restricted Mode */
  trusted?: boolean;
  /** added to the server's environment; the extension host inherits it */
  env?: Record<string, string | undefined>;
  /** keep the temp dir (server data, logs) after stop(); also when GITOPS_PILOT_KEEP=1 */
  keep?: boolean;
  /** provision the server when it is missing (default true) */
  provision?: boolean;
  /** extension folders copied into the server's extensions dir (installed as if from a VSIX) */
  extensions?: string[];
}

/** `payload` entries of the workbench URL. Absolute paths in these keys become vscode-remote URIs. */
export type Payload = Record<string, string> | [string, string][];
const REMOTE_PATH_KEYS = new Set(['extensionDevelopmentPath', 'extensionTestsPath']);

/**
 * User settings every test window starts with: no Welcome page (calm screenshots), and nothing that
 * reaches for the network or pops up on its own (extension gallery checks, recommendations, port
 * forwarding notifications, experiments, telemetry). `userSettings` is written over these.
 */
export const BASE_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'remote.autoForwardPorts': false,
  'npm.fetchOnlinePackageInfo': false,
  'git.autofetch': false,
  // untrusted windows open in Restricted Mode directly, without the modal trust prompt
  'security.workspace.trust.startupPrompt': 'never',
};

/**
 * Server environment defaults. code-server's build points the extension gallery at open-vsx.org unless
 * EXTENSIONS_GALLERY says otherwise; an empty gallery turns it off, so the server never looks up
 * extensions on the internet (tests must not call the internet).
 */
const BASE_ENV: Readonly<Record<string, string>> = { EXTENSIONS_GALLERY: '{}' };

export interface VSCodeServer {
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  readonly workspace: string;
  /** temp dir holding server-data, user-data and extensions dirs */
  readonly dataDir: string;
  /** The workbench URL for the workspace, with an optional payload (see Payload). */
  url(payload?: Payload): string;
  /** vscode-remote://127.0.0.1:PORT/ABS/PATH */
  remoteUri(absPath: string): string;
  /** the server's stdout and stderr so far */
  logs(): string;
  /** VS Code's log files (remote agent, extension host, each extension's output channel, ...) */
  logFiles(): string[];
  /** the text of the extension host log(s), newest last; '' when none yet */
  extensionHostLog(): string;
  /** resolves with the exit code when the server exits */
  readonly exited: Promise<number | null>;
  /** stops the server and everything it started; removes the temp dir unless kept */
  stop(): Promise<void>;
}

/**
 * Starts VS Code's server (out/server-main.js, not code-server's wrapper) on a free loopback port with
 * its own server-data, user-data and extensions dirs in a temp dir, and waits until it answers HTTP.
 */
export async function startVSCodeServer(opts: StartOptions): Promise<VSCodeServer> {
  const workspace = resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`workspace ${workspace} does not exist`);
  const installDir = opts.provision === false ? serverInstallDir() : await provision();
  if (!isProvisioned(installDir)) throw new Error(`VS Code server is not provisioned in ${installDir}: run node out/test/support/vscodeServer.js provision`);
  const vs = vscodeDir(installDir);
  const dataDir = mkdtempSync(join(tmpdir(), 'gitops-pilot-vscode-'));
  const dirs = { sd: join(dataDir, 'server-data'), ud: join(dataDir, 'user-data'), ext: join(dataDir, 'extensions') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  for (const ext of opts.extensions ?? []) cpSync(ext, join(dirs.ext, basename(ext)), { recursive: true });
  const settings = `${JSON.stringify({ ...BASE_USER_SETTINGS, ...opts.userSettings }, null, 2)}\n`;
  // the web workbench reads user settings from the server; both places are used by different builds. This
  // window is a remote one, where VS Code ignores a `machine`-scoped setting (the kubeconfig, git and docker
  // paths) in user settings once the remote's own settings are read: those come from data/Machine, as they do
  // for a user of Remote-SSH or Codespaces (the first reads may still see the user's value, later ones not).
  for (const userDir of [join(dirs.ud, 'User'), join(dirs.sd, 'data/User'), join(dirs.sd, 'data/Machine')]) {
    mkdirSync(userDir, { recursive: true });
    writeFileSync(join(userDir, 'settings.json'), settings);
  }
  const keep = opts.keep ?? process.env.GITOPS_PILOT_KEEP === '1';
  const env: NodeJS.ProcessEnv = { ...process.env, ...BASE_ENV };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // VS Code's own variables from an outer VS Code would confuse the server
  for (const k of Object.keys(env)) if (/^(VSCODE_|ELECTRON_RUN_AS_NODE)/.test(k)) delete env[k];

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const args = [
      join(vs, 'out/server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--telemetry-level', 'off',
      ...(opts.trusted === false ? [] : ['--disable-workspace-trust']),
      '--server-data-dir', dirs.sd,
      '--user-data-dir', dirs.ud,
      '--extensions-dir', dirs.ext,
      '--default-folder', workspace,
    ];
    const logFile = join(dataDir, `server-${attempt}.log`);
    const logStream = createWriteStream(logFile);
    const child = spawn(process.execPath, args, { cwd: vs, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const onData = (b: Buffer) => {
      logStream.write(b);
      output = (output + b.toString('utf8')).slice(-200_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    live.add(child);
    hookProcessEnd();
    try {
      await waitForHttp(`http://127.0.0.1:${port}/version`, exited, 60_000, () => output);
    } catch (err) {
      killGroup(child, 'SIGKILL');
      live.delete(child);
      lastError = err as Error;
      if (/EADDRINUSE/.test(output) && attempt < 3) continue;
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      throw lastError;
    }
    const origin = `http://127.0.0.1:${port}`;
    const remoteUri = (p: string) => `vscode-remote://127.0.0.1:${port}${resolve(p)}`;
    let stopped: Promise<void> | undefined;
    const server: VSCodeServer = {
      port,
      origin,
      workspace,
      dataDir,
      remoteUri,
      url(payload) {
        // a .code-workspace file opens as a (multi-root) workspace, anything else as a folder
        const q = [workspace.endsWith('.code-workspace') ? `workspace=${encodeURI(workspace)}` : `folder=${encodeURI(workspace)}`];
        if (payload) {
          const pairs = (Array.isArray(payload) ? payload : Object.entries(payload)).map(([k, v]): [string, string] => [k, REMOTE_PATH_KEYS.has(k) && isAbsolute(v) ? remoteUri(v) : v]);
          q.push(`payload=${encodeURIComponent(JSON.stringify(pairs))}`);
        }
        return `${origin}/?${q.join('&')}`;
      },
      logs: () => output,
      logFiles: () => [join(dirs.ud, 'logs'), join(dirs.sd, 'data/logs')].flatMap(listFiles).filter((f) => f.endsWith('.log')),
      extensionHostLog() {
        return server
          .logFiles()
          .filter((f) => /exthost\d*\/remoteexthost\.log$|exthost\d*\/exthost\.log$/.test(f))
          .sort((a, b) => mtime(a) - mtime(b))
          .map((f) => `── ${f}\n${readFileSafe(f)}`)
          .join('\n');
      },
      exited,
      stop() {
        stopped ??= (async () => {
          killGroup(child, 'SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5_000)))]);
          clearTimeout(timer);
          if (!done) killGroup(child, 'SIGKILL');
          // children (extension host, pty host, watcher) are in the same group: take them down too
          killGroup(child, 'SIGKILL');
          live.delete(child);
          await new Promise<void>((r) => logStream.end(() => r()));
          keepLogs(server.logFiles(), basename(dataDir));
          if (!keep) rmSync(dataDir, { recursive: true, force: true });
          else process.stderr.write(`[vscode-server] kept ${dataDir}\n`);
        })();
        return stopped;
      },
    };
    return server;
  }
  throw lastError ?? new Error('VS Code server did not start');
}

/**
 * The window's and extension host's logs (GitOps Pilot's own output channel among them) are test artifacts:
 * copied to out/results/logs/<server>/ before the temp dir goes, so the end-of-run secret scan reads them
 * and a failed run can be looked at.
 */
function keepLogs(files: string[], name: string): void {
  const dest = join(repoRoot, 'out/results/logs', name);
  for (const f of files) {
    try {
      mkdirSync(dest, { recursive: true });
      cpSync(f, join(dest, f.split('/').slice(-3).join('__')));
    } catch {
      // a log that vanished with its process
    }
  }
}

async function waitForHttp(url: string, exited: Promise<number | null>, timeoutMs: number, output: () => string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c ?? -1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`VS Code server exited (${exitCode}) before it answered:\n${tailLines(output(), 40)}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await delay(200);
  }
  throw new Error(`VS Code server did not answer ${url} within ${timeoutMs / 1000} s:\n${tailLines(output(), 40)}`);
}

/** Servers not stopped yet. They run in their own process group (so stop() takes their children down too). */
const live = new Set<ChildProcess>();
let hooked = false;

/**
 * A detached server would outlive a test process that exits, or is interrupted (Ctrl+C reaches only the
 * foreground process group), without calling stop(): kill what is left, then let the signal do its default.
 */
function hookProcessEnd(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of live) killGroup(c, 'SIGKILL');
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.off(sig, onSignal);
      // nobody else handles it: re-raise, so the process ends the way it would have
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

// ─── small helpers ──────────────────────────────────────────────────────────────────────────────

/** A loopback TCP port that was free a moment ago (callers retry on EADDRINUSE). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port ? res(port) : rej(new Error('no free port'))));
    });
  });
}

export function tailLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f)).filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

function readFileSafe(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

function mtime(f: string): number {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function findOnPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function du(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += statSync(p).size;
    }
  };
  walk(dir);
  return Math.round(bytes / 1e6);
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ─── CLI ────────────────────────────────────────────────────────────────────────────────────────

async function cli(argv: string[]): Promise<number> {
  const [cmd = 'provision', ...rest] = argv;
  if (cmd === 'provision') {
    const t0 = Date.now();
    const already = !rest.includes('--force') && isProvisioned();
    const dir = await provision({ force: rest.includes('--force') });
    console.log(already ? `VS Code ${VSCODE_VERSION} server already provisioned in ${dir} (checked in ${Date.now() - t0} ms)` : `VS Code ${VSCODE_VERSION} server ready in ${dir}`);
    return 0;
  }
  if (cmd === 'path') {
    console.log(vscodeDir());
    return isProvisioned() ? 0 : 1;
  }
  if (cmd === 'start') {
    const workspace = rest.find((a) => !a.startsWith('--')) ?? process.cwd();
    const dev = rest.find((a) => a.startsWith('--extensionDevelopmentPath='))?.split('=')[1];
    const server = await startVSCodeServer({ workspace, keep: rest.includes('--keep') });
    console.log(server.url(dev ? { extensionDevelopmentPath: resolve(dev) } : undefined));
    console.log('Ctrl+C stops it');
    await new Promise<void>((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
      void server.exited.then(() => r());
    });
    await server.stop();
    return 0;
  }
  console.error('usage: vscodeServer.js provision [--force] | path | start [WORKSPACE] [--extensionDevelopmentPath=DIR] [--keep]');
  return 2;
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
