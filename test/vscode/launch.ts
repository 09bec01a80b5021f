/**
 * Runs the mocha suites of test/vscode inside a real VS Code extension host and writes the totals for
 * test/run.mjs (`--results=FILE`: `{passed, failed, skipped, failures, runs}`); exits non-zero on failures.
 *
 *   node out/test/vscode/launch.js [--results=FILE]            every run in RUNS below
 *   node out/test/vscode/launch.js --run=rollout [--run=images]  the named runs of RUNS (with their setup)
 *   node out/test/vscode/launch.js --suite=suite --workspace=DIR --env=K=V --grep=RE --untrusted --git --keep
 *                                                              one ad-hoc run (any of these flags; no setup)
 *
 * Launchers: by default the VS Code server from test/support/vscodeServer.ts (cached, offline), opened in
 * Chromium with `payload` extensionDevelopmentPath = this repo and extensionTestsPath = out/test/vscode/index.js.
 * `GITOPS_PILOT_VSCODE=electron` runs the same index with @vscode/test-electron's runTests instead (for
 * machines that can download VS Code; `GITOPS_PILOT_VSCODE_VERSION`, default 1.100.3).
 *
 * A later suite that needs another workspace, git, Restricted Mode or emulators adds an entry to RUNS:
 *   { name: 'ecr', suite: 'ecr', git: true, async setup() { const ecr = await startEcr(); return {
 *       env: { AWS_ACCESS_KEY_ID: 'test', ... }, userSettings: { 'gitopsPilot.ecr.endpoint': ecr.url },
 *       teardown: () => ecr.stop() }; } }
 * Each run gets its own server, workspace copy and extension host; the extension host inherits `env`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from '../support/paths';
import { startVSCodeServer, tailLines, VSCODE_VERSION, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type Workbench } from '../support/workbench';
import { appsRun } from './apps/setup';
import { GIT_IDENTITY } from './fixtureGit';
import { imagesRun } from './images/setup';
import { pullRequestsRun } from './pullRequests/setup';
import { releasePrRun } from './releasePr/setup';
import { fluxRun } from './flux/setup';
import { rolloutRun } from './rollout/setup';
import type { SuiteResults } from './index';

export const DEFAULT_WORKSPACE = join(repoRoot, 'test/fixtures/workspaces/demo-gitops');

export interface SetupResult {
  /** more environment for the extension host (emulator endpoints, credentials, KUBECONFIG, ...) */
  env?: Record<string, string>;
  userSettings?: Record<string, unknown>;
  teardown?: () => Promise<void> | void;
}

export interface SuiteRun {
  /** shown in the output and the results */
  name: string;
  /** folder under out/test/vscode holding the *.test.js files (default 'suite') */
  suite?: string;
  /** folder copied into a temp dir and opened (default the demo-gitops fixture); tests may change the copy */
  workspace?: string;
  /** `git init` the copy and commit everything (branch main) */
  git?: boolean;
  /** false: Restricted Mode (no --disable-workspace-trust) */
  trusted?: boolean;
  env?: Record<string, string>;
  userSettings?: Record<string, unknown>;
  grep?: string;
  /** more extension folders installed in the server (e.g. the benchmark's empty peer extension) */
  extensions?: string[];
  /** runs before the server starts, with the workspace copy; may start emulators */
  setup?: (ctx: { workspace: string }) => Promise<SetupResult | void>;
}

/** The runs `npm test -- vscode` does, in order. */
export const RUNS: SuiteRun[] = [
  { name: 'activation', suite: 'suite' },
  {
    // deployments from the editor: a git clone of the fixture whose origin is a bare repository
    name: 'gitops',
    suite: 'gitops',
    git: true,
    userSettings: { 'gitopsPilot.gitops.confirmDeployments': false },
    setup: async ({ workspace }) => bareRemote(workspace),
  },
];

/** A bare repository as the workspace copy's origin ($GITOPS_PILOT_TEST_REMOTE), main pushed to it. */
export function bareRemote(workspace: string): SetupResult {
  const bare = `${workspace}-remote.git`;
  const env = { ...process.env, ...GIT_IDENTITY };
  for (const [cwd, args] of [
    [dirname(bare), ['init', '-q', '--bare', '-b', 'main', bare]],
    [bare, ['config', 'receive.denyNonFastForwards', 'true']],
    [workspace, ['remote', 'add', 'origin', bare]],
    [workspace, ['push', '-q', '-u', 'origin', 'main']],
  ] as const) {
    const r = spawnSync('git', [...args], { cwd, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  return { env: { ...GIT_IDENTITY, GITOPS_PILOT_TEST_REMOTE: bare }, teardown: () => rmSync(bare, { recursive: true, force: true }) };
}

RUNS.push({
  // Restricted Mode: no --disable-workspace-trust. The workspace's own settings try to point the
  // extension at other programs and endpoints; they must be ignored.
  name: 'restricted',
  suite: 'restricted',
  git: true,
  trusted: false,
  async setup({ workspace }) {
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      `${JSON.stringify({ 'gitopsPilot.docker.path': '/tmp/evil/docker', 'gitopsPilot.git.path': '/tmp/evil/git', 'gitopsPilot.kubernetes.kubeconfig': ['/tmp/evil/kubeconfig'], 'gitopsPilot.ecr.endpoint': 'http://evil.invalid', 'gitopsPilot.aws.profile': 'evil', 'gitopsPilot.aws.region': 'eu-evil-1', 'gitopsPilot.gitops.pushMode': 'branch' }, null, 2)}\n`,
    );
    // an image to build and clusters to watch, behind a kubeconfig whose credential plugin would leave a
    // marker if anything ran it: Restricted Mode must run neither docker nor the plugin
    writeFileSync(
      join(workspace, 'gitops-pilot.yaml'),
      ['image:', '  repository: 127.0.0.1:5999/demo-app', 'environments:', ...['dev', 'staging', 'prod'].map((e) => `  - { name: ${e}, file: envs/${e}/values.yaml, cluster: { context: evil, namespace: ${e} }, workload: deployment/demo-app, argocd: { application: demo-app-${e} } }`), ''].join('\n'),
    );
    writeFileSync(join(workspace, 'Dockerfile'), 'FROM scratch\n');
    const marker = `${workspace}-credential-plugin-ran`;
    const kubeconfig = `${workspace}-kubeconfig`;
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{ name: evil, cluster: { server: "http://127.0.0.1:9" } }]\nusers: [{ name: evil, user: { exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: /usr/bin/touch, args: ["${marker}"], interactiveMode: Never } } }]\ncontexts: [{ name: evil, context: { cluster: evil, user: evil } }]\ncurrent-context: evil\n`,
    );
    return { env: { ...GIT_IDENTITY, KUBECONFIG: kubeconfig, GITOPS_PILOT_TEST_MARKER: marker }, teardown: () => rmSync(kubeconfig, { force: true }) };
  },
});

// Many apps (issue 15): the matrix in the tree, Promote All in one commit pushed to a bare remote, followed on the cluster
RUNS.push({ ...appsRun, workspace: join(repoRoot, 'test/fixtures/workspaces/many-apps') });

// Build Image / Push Image / the Images view against the real Docker engine and the ECR emulator
RUNS.push(imagesRun);

// Rollouts in the tree and the status bar: the Kubernetes simulator and an Argo-CD-like agent
RUNS.push(rolloutRun);

// Pull requests (issue 17): the GitHub emulator over the workspace's bare remote, prod through pull requests
RUNS.push(pullRequestsRun);

// A release (issue 15) through its one pull request (issue 17): Promote All into prod, the group row's PR, Merge
RUNS.push({ ...releasePrRun, workspace: join(repoRoot, 'test/fixtures/workspaces/many-apps') });

// Flux (issue 18): Select Kubernetes Context… offers the Flux object that applies the workload
RUNS.push(fluxRun);


export interface LaunchOptions {
  /** overall limit for one run (default 10 min, or $GITOPS_PILOT_VSCODE_TIMEOUT seconds) */
  timeoutMs?: number;
  /** keep temp dirs (workspace copy, server data) for inspection */
  keep?: boolean;
  /** 'server' (default) or 'electron' (default from $GITOPS_PILOT_VSCODE) */
  launcher?: 'server' | 'electron';
}

export interface RunResults extends SuiteResults {
  name: string;
  /** launcher problems (timeout, crash) are failures too */
  error?: string;
}

const INDEX = join(repoRoot, 'out/test/vscode/index.js');

/** Runs one suite in a fresh workspace copy and extension host. Never throws: problems are failures. */
export async function runSuite(run: SuiteRun, opts: LaunchOptions = {}): Promise<RunResults> {
  const t0 = Date.now();
  const launcher = opts.launcher ?? (process.env.GITOPS_PILOT_VSCODE === 'electron' ? 'electron' : 'server');
  const timeoutMs = opts.timeoutMs ?? (Number(process.env.GITOPS_PILOT_VSCODE_TIMEOUT) * 1000 || 10 * 60_000);
  const keep = opts.keep ?? process.env.GITOPS_PILOT_KEEP === '1';
  const tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-vscode-run-'));
  const workspace = join(tmp, 'workspace');
  const resultsFile = join(tmp, 'results.json');
  let teardown: SetupResult['teardown'];
  const fail = (error: string): RunResults => ({ name: run.name, passed: 0, failed: 1, skipped: 0, failures: [{ title: `${run.name}: launcher`, error }], notes: {}, durationMs: Date.now() - t0, error });
  try {
    if (!existsSync(join(repoRoot, 'dist/extension.js'))) return fail('dist/extension.js is missing: run `node esbuild.mjs` first');
    if (!existsSync(INDEX)) return fail(`${INDEX} is missing: run \`node esbuild.mjs --tests\` first`);
    cpSync(run.workspace ?? DEFAULT_WORKSPACE, workspace, { recursive: true });
    if (run.git) gitInit(workspace);
    const setup = (await run.setup?.({ workspace })) ?? {};
    teardown = setup.teardown;
    const env: Record<string, string> = {
      ...run.env,
      ...setup.env,
      GITOPS_PILOT_TEST_RESULTS: resultsFile,
      GITOPS_PILOT_TEST_SUITE: run.suite ?? 'suite',
      ...(run.grep ? { GITOPS_PILOT_TEST_GREP: run.grep } : {}),
    };
    const userSettings = { ...run.userSettings, ...setup.userSettings };
    console.log(`── vscode: ${run.name} (${launcher}, workspace ${workspace}${run.trusted === false ? ', Restricted Mode' : ''})`);
    const error =
      launcher === 'electron'
        ? await viaElectron({ workspace, env, trusted: run.trusted !== false, resultsFile, timeoutMs })
        : await viaServer({ workspace, env, userSettings, trusted: run.trusted !== false, resultsFile, timeoutMs, keep, name: run.name, extensions: run.extensions });
    const results = readResults(resultsFile);
    if (!results) return fail(error ?? 'the extension host wrote no results');
    return { ...results, name: run.name, ...(error ? { error } : {}), durationMs: Date.now() - t0 };
  } catch (err) {
    return fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    await Promise.resolve(teardown?.()).catch((e: unknown) => console.error(`teardown of ${run.name} failed: ${String(e)}`));
    if (keep) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

interface LaunchContext {
  workspace: string;
  env: Record<string, string>;
  trusted: boolean;
  resultsFile: string;
  timeoutMs: number;
}

/** VS Code server + Chromium. Returns an error text when the run did not end with a results file. */
async function viaServer(ctx: LaunchContext & { userSettings: Record<string, unknown>; keep: boolean; name: string; extensions?: string[] }): Promise<string | undefined> {
  let server: VSCodeServer | undefined;
  let wb: Workbench | undefined;
  const follow = followFile(`${ctx.resultsFile}.log`);
  try {
    server = await startVSCodeServer({ workspace: ctx.workspace, env: ctx.env, userSettings: ctx.userSettings, trusted: ctx.trusted, keep: ctx.keep, extensions: ctx.extensions });
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot, extensionTestsPath: INDEX }), { suite: `vscode/${ctx.name}`, timeoutMs: 60_000 });
    const outcome = await waitForResults(ctx.resultsFile, ctx.timeoutMs, server);
    if (outcome === 'done') {
      // a failed test: what the extension logged is what explains it on a CI machine whose files are gone
      if (readResults(ctx.resultsFile)?.failed) console.log(`── GitOps Pilot log of ${ctx.name} (tail)\n${tailLines(pilotLog(server), 80)}`);
      return undefined;
    }
    const shot = await wb.screenshot('no-results').catch(() => '(no screenshot)');
    return [
      outcome,
      `── server output (tail)\n${tailLines(server.logs(), 40)}`,
      `── extension host log (tail)\n${tailLines(server.extensionHostLog(), 60)}`,
      `── browser console errors\n${wb.unexpectedConsoleErrors().slice(-20).join('\n') || '(none)'}`,
      `── screenshot: ${shot}`,
    ].join('\n');
  } finally {
    follow.stop();
    await wb?.close();
    await server?.stop();
  }
}

/** The extension's own output channel ("GitOps Pilot"), as the server wrote it so far. */
function pilotLog(server: VSCodeServer): string {
  const file = server.logFiles().find((f) => f.endsWith('GitOps Pilot.log'));
  try {
    return file ? readFileSync(file, 'utf8') : '(no GitOps Pilot log)';
  } catch {
    return '(the GitOps Pilot log could not be read)';
  }
}

/**
 * Waits for the results file. The extension host exits when run() settles (the remote agent logs it), so
 * an exit without results (a crash, a suite that never loaded) ends the wait early instead of timing out.
 */
async function waitForResults(file: string, timeoutMs: number, server: VSCodeServer): Promise<'done' | string> {
  const deadline = Date.now() + timeoutMs;
  let exitSeen: number | undefined;
  let serverGone = false;
  void server.exited.then(() => (serverGone = true));
  for (;;) {
    if (readResults(file)) return 'done';
    if (serverGone) return 'the VS Code server exited before the tests finished';
    if (exitSeen === undefined && /Extension Host Process exited with code/.test(server.logs() + server.extensionHostLog())) exitSeen = Date.now();
    // give a just-written file a moment to land after the exit was logged
    if (exitSeen !== undefined && Date.now() - exitSeen > 5_000) return 'the extension host exited without writing results';
    if (Date.now() > deadline) return `no results after ${Math.round(timeoutMs / 1000)} s (GITOPS_PILOT_VSCODE_TIMEOUT raises the limit)`;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** @vscode/test-electron: downloads VS Code (needs the internet) and runs the same index. */
async function viaElectron(ctx: LaunchContext): Promise<string | undefined> {
  const follow = followFile(`${ctx.resultsFile}.log`);
  try {
    const { runTests } = await import('@vscode/test-electron');
    const userData = mkdtempSync(join(tmpdir(), 'gitops-pilot-electron-ud-'));
    mkdirSync(join(userData, 'User'), { recursive: true });
    writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none' }));
    let timer: NodeJS.Timeout | undefined;
    try {
      const code = await Promise.race([
        runTests({
          version: process.env.GITOPS_PILOT_VSCODE_VERSION || VSCODE_VERSION,
          extensionDevelopmentPath: repoRoot,
          extensionTestsPath: INDEX,
          extensionTestsEnv: ctx.env,
          launchArgs: [ctx.workspace, '--disable-extensions', '--user-data-dir', userData, ...(ctx.trusted ? ['--disable-workspace-trust'] : [])],
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no results after ${Math.round(ctx.timeoutMs / 1000)} s`)), ctx.timeoutMs);
        }),
      ]);
      return code === 0 || readResults(ctx.resultsFile) ? undefined : `VS Code exited with ${code}`;
    } catch (err) {
      // runTests rejects when tests fail; the results file tells which
      return readResults(ctx.resultsFile) ? undefined : String(err instanceof Error ? err.message : err);
    } finally {
      clearTimeout(timer);
      rmSync(userData, { recursive: true, force: true });
    }
  } finally {
    follow.stop();
  }
}

function readResults(file: string): SuiteResults | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as SuiteResults;
    return typeof r.passed === 'number' && typeof r.failed === 'number' ? r : undefined;
  } catch {
    return undefined; // not there yet, or half written
  }
}

/** Prints what the extension host appends to its log file, as it arrives. */
function followFile(file: string): { stop(): void } {
  let offset = 0;
  const pump = () => {
    try {
      if (!existsSync(file) || statSync(file).size <= offset) return;
      const buf = readFileSync(file);
      process.stdout.write(buf.subarray(offset));
      offset = buf.length;
    } catch {
      /* next time */
    }
  };
  const timer = setInterval(pump, 200);
  return {
    stop() {
      clearInterval(timer);
      pump();
    },
  };
}

/** A git repository of the workspace copy, committed on main, with a fixed identity (later suites push/rebase). */
export function gitInit(dir: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'GitOps Pilot Tests', GIT_AUTHOR_EMAIL: 'tests@gitops-pilot.invalid', GIT_COMMITTER_NAME: 'GitOps Pilot Tests', GIT_COMMITTER_EMAIL: 'tests@gitops-pilot.invalid' };
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'fixture']]) {
    const r = spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${dir}: ${r.stderr || r.error?.message}`);
  }
}

// ─── CLI ────────────────────────────────────────────────────────────────────────────────────────

function parseArgs(argv: string[]): { resultsFile?: string; runs: SuiteRun[]; keep: boolean } {
  const get = (k: string) => argv.filter((a) => a.startsWith(`--${k}=`)).map((a) => a.slice(k.length + 3));
  const has = (k: string) => argv.includes(`--${k}`);
  const adHoc = ['suite', 'workspace', 'env', 'grep'].some((k) => get(k).length) || has('untrusted') || has('git');
  const env = Object.fromEntries(get('env').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const runs: SuiteRun[] = adHoc
    ? [
        {
          name: get('suite')[0] ?? 'suite',
          suite: get('suite')[0] ?? 'suite',
          ...(get('workspace')[0] ? { workspace: resolve(get('workspace')[0]!) } : {}),
          ...(get('grep')[0] ? { grep: get('grep')[0]! } : {}),
          env,
          trusted: !has('untrusted'),
          git: has('git'),
        },
      ]
    : get('run').length
      ? RUNS.filter((r) => get('run').includes(r.name))
      : RUNS;
  if (!runs.length) throw new Error(`no run named ${get('run').join(', ')}; runs: ${RUNS.map((r) => r.name).join(', ')}`);
  const resultsFile = get('results')[0];
  return { ...(resultsFile ? { resultsFile } : {}), runs, keep: has('keep') };
}

async function main(): Promise<number> {
  const { resultsFile, runs, keep } = parseArgs(process.argv.slice(2));
  const all: RunResults[] = [];
  for (const run of runs) {
    const r = await runSuite(run, { keep });
    all.push(r);
    if (r.error) console.error(`\n✘ ${run.name}: ${r.error}\n`);
    for (const [k, v] of Object.entries(r.notes ?? {})) console.log(`  ${run.name}: ${k} = ${typeof v === 'number' ? v.toFixed(1) : JSON.stringify(v)}`);
    console.log(`  ${run.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${(r.durationMs / 1000).toFixed(1)} s`);
  }
  const total = {
    passed: sum(all, 'passed'),
    failed: sum(all, 'failed'),
    skipped: sum(all, 'skipped'),
    failures: all.flatMap((r) => r.failures),
    runs: all.map((r) => ({ name: r.name, passed: r.passed, failed: r.failed, skipped: r.skipped, durationMs: r.durationMs, notes: r.notes, ...(r.error ? { error: r.error } : {}) })),
  };
  console.log(`${total.passed} passed, ${total.failed} failed`);
  if (resultsFile) {
    mkdirSync(dirname(resolve(resultsFile)), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(total, null, 2)}\n`);
    console.log(resolve(resultsFile));
  }
  return total.failed ? 1 : 0;
}

function sum(rs: RunResults[], k: 'passed' | 'failed' | 'skipped'): number {
  return rs.reduce((n, r) => n + (r[k] ?? 0), 0);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
