/**
 * Watches under faults: 200 randomized fault schedules, each over a rollout on the simulator — streams
 * dropped (abruptly or gracefully), stalled past the watchdog's silence limit, 410 Gone, 500s, 429s,
 * 401 then recovery, history compacted, and API server restarts (with downtime, with and without
 * history). After every schedule:
 *   - the status bar's watch (watchRollout) ended as the simulator's truth says: done on the new image,
 *     or failed with ImagePullBackOff for an image that cannot be pulled;
 *   - the tree's long-lived watch (an EnvironmentWatch holding details) converged to the simulator's
 *     state: every informer holds exactly the objects (and resourceVersions) the simulator holds;
 *   - the CLI (`gitops-pilot rollout-status`, in process every other schedule; the bundled one every
 *     50th) reports kubectl's verdict on the simulator's object;
 * and the number of open watch streams never grows beyond one per informer.
 *
 * Half the schedules come from a fixed seed, half from a random one that is printed; replay a run with
 * WATCH_FAULTS_SEED=<fixed>,<random> (and WATCH_FAULTS_SCHEDULES=n). "Stalled for minutes" is a stall
 * longer than the watchdog's silence limit, which the test sets to 150 ms.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EnvironmentWatch, type ClusterTarget } from '../../../src/core/kube/environmentWatch';
import { informerId } from '../../../src/core/kube/informer';
import { rolloutStatus } from '../../../src/core/kube/rolloutStatus';
import { KubeSession } from '../../../src/core/kube/session';
import { watchRollout } from '../../../src/core/kube/watchRollout';
import { runCli } from '../../support/cli';
import { cliPath } from '../../support/cliProcess';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { tempDir } from '../../support/tmp';

const SILENCE_MS = 150;
const NS = 'dev';
const NAME = 'web';
const REPO = 'registry.example.com/web';

/** mulberry32: small, seedable */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault =
  | { kind: 'drop'; graceful: boolean; resource?: string }
  | { kind: 'stall'; ms: number; resource?: string }
  | { kind: 'gone'; count: number }
  | { kind: 'error'; status: 500 | 429 | 401; count: number; verb?: 'list' | 'watch' }
  | { kind: 'compact' }
  | { kind: 'restart'; resetHistory: boolean; downtimeMs: number };

interface Schedule {
  index: number;
  seed: number;
  tag: string;
  broken: boolean;
  faults: Array<{ atMs: number; fault: Fault }>;
}

const RESOURCES = ['deployments', 'pods', 'replicasets', 'events'];

function makeSchedule(index: number, seed: number, rand: () => number): Schedule {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const maybeResource = () => (rand() < 0.5 ? pick(RESOURCES) : undefined);
  const n = 1 + Math.floor(rand() * 7);
  const faults: Schedule['faults'] = [];
  for (let i = 0; i < n; i++) {
    const atMs = Math.floor(rand() * 100);
    const r = rand();
    let fault: Fault;
    if (r < 0.22) fault = { kind: 'drop', graceful: rand() < 0.3, resource: maybeResource() };
    else if (r < 0.4) fault = { kind: 'stall', ms: 50 + Math.floor(rand() * 300), resource: maybeResource() };
    else if (r < 0.52) fault = { kind: 'gone', count: 1 + Math.floor(rand() * 2) };
    else if (r < 0.7) fault = { kind: 'error', status: pick([500, 429, 401] as const), count: 1 + Math.floor(rand() * 3), verb: rand() < 0.5 ? pick(['list', 'watch'] as const) : undefined };
    else if (r < 0.82) fault = { kind: 'compact' };
    else fault = { kind: 'restart', resetHistory: rand() < 0.6, downtimeMs: rand() < 0.5 ? 0 : Math.floor(rand() * 100) };
    faults.push({ atMs, fault });
  }
  faults.sort((a, b) => a.atMs - b.atMs);
  return { index, seed, tag: `v${index}`, broken: rand() < 0.1, faults };
}

let restarting: Promise<unknown> = Promise.resolve();

async function inject(sim: KubeSim, f: Fault): Promise<void> {
  switch (f.kind) {
    case 'drop':
      sim.faults.dropWatches(f.resource ? { resource: f.resource } : undefined, { graceful: f.graceful });
      return;
    case 'stall':
      sim.faults.stallWatches(f.ms, f.resource ? { resource: f.resource } : undefined);
      return;
    case 'gone':
      // the next re-watches are told their resourceVersion is gone
      sim.faults.failNext(f.count, 410, { verb: 'watch' });
      sim.faults.dropWatches();
      return;
    case 'error':
      sim.faults.failNext(f.count, f.status, f.verb ? { verb: f.verb } : undefined);
      sim.faults.dropWatches();
      return;
    case 'compact':
      sim.faults.compact();
      sim.faults.dropWatches();
      return;
    case 'restart': {
      // one restart at a time: a server cannot come back twice
      const next = restarting.then(() => sim.faults.restart({ resetHistory: f.resetHistory, downtimeMs: f.downtimeMs }));
      restarting = next.catch(() => undefined);
      await next;
      return;
    }
  }
}

function cliProcess(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

describe('watches under faults', () => {
  let sim: KubeSim;
  let session: KubeSession;
  let tree: EnvironmentWatch;
  let release: { dispose(): void };
  const tmp = tempDir('gitops-pilot-watch-faults-');
  const kubeconfig = join(tmp.dir, 'kubeconfig');
  const target: ClusterTarget = { context: 'kubesim', namespace: NS, workload: { kind: 'deployment', name: NAME } };

  before(async () => {
    sim = await startKubeSim({ seed: 7, historyLimit: 200 });
    sim.controllers.addBehavior({ image: /:v\d+-broken$/, behavior: 'image-pull-error' });
    createRolledOutDeployment(sim, { namespace: NS, name: NAME, replicas: 2, image: `${REPO}:v0` });
    sim.writeKubeconfig(kubeconfig, { namespace: NS });
    session = new KubeSession({
      kubeconfig: () => ({ files: [kubeconfig], origin: 'setting' }),
      informers: { silenceMs: SILENCE_MS, backoff: { baseMs: 10, maxMs: 100 }, healthyAfterMs: 100 },
    });
    // the tree's watch of an expanded environment, alive for the whole run
    tree = new EnvironmentWatch(session, target);
    release = tree.holdDetail();
  });
  after(async () => {
    release?.dispose();
    tree?.dispose();
    await session?.dispose();
    await sim?.close();
    tmp.cleanup();
  });

  /** Every informer holds what the simulator holds for its key (names and resourceVersions). */
  function divergence(): string | undefined {
    for (const key of session.pool.keys) {
      const sub = session.pool.subscribe(key);
      try {
        const inf = sub.informer;
        if (!inf.synced) return `${informerId(key)} not synced`;
        const truth = new Map(
          sim.store
            .list(key.resource, { namespace: key.namespace, labelSelector: key.labelSelector, fieldSelector: key.fieldSelector })
            .items.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]),
        );
        const seen = new Map(inf.objects.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
        if (truth.size !== seen.size) return `${key.resource}: ${seen.size} objects, the simulator has ${truth.size}`;
        for (const [n, rv] of truth) if (seen.get(n) !== rv) return `${key.resource}/${n}: resourceVersion ${seen.get(n)} vs ${rv}`;
      } finally {
        sub.dispose();
      }
    }
    return undefined;
  }

  async function converged(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    let why = divergence();
    while (why && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      why = divergence();
    }
    return why;
  }

  test('200 randomized fault schedules over rollouts: what the core and the CLI report matches the simulator, open watches never grow', { timeout: 400_000 }, async (t) => {
    const seeds = process.env.WATCH_FAULTS_SEED?.split(',').map(Number) ?? [20251202, Math.floor(Math.random() * 2 ** 31)];
    const fixed = seeds[0]!;
    const random = seeds[1] ?? fixed;
    const total = Number(process.env.WATCH_FAULTS_SCHEDULES) || 200;
    t.diagnostic(`seeds: fixed ${fixed}, random ${random} (replay: WATCH_FAULTS_SEED=${fixed},${random})`);
    const r1 = prng(fixed);
    const r2 = prng(random);
    const schedules = Array.from({ length: total }, (_, i) => (i < total / 2 ? makeSchedule(i + 1, fixed, r1) : makeSchedule(i + 1, random, r2)));

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the tree watch never synced')), 10_000);
      const check = () => {
        if (tree.state.workload && tree.state.detailed) {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        }
      };
      const sub = tree.onDidChange(check);
      check();
    });
    const informers = session.pool.size;
    assert.equal(informers, 4, 'deployment, pods, ReplicaSets and events');

    let faults = 0;
    let maxOpenClient = 0;
    let maxOpenServer = 0;
    let settledOpen = 0;
    const mismatches: string[] = [];
    let cliChecks = 0;
    const phase = { faults: 0, watch: 0, converge: 0, cli: 0 };
    let cliRunning = false;
    const sample = () => {
      maxOpenClient = Math.max(maxOpenClient, session.openWatches);
      // the CLI's own (short) session is not the tree's: count the server side without it
      if (!cliRunning) maxOpenServer = Math.max(maxOpenServer, sim.stats.snapshot().openWatches);
    };
    const sampler = setInterval(sample, 5);
    const stopSampling = sim.onChange(sample);
    try {
      for (const s of schedules) {
        const image = `${REPO}:${s.tag}${s.broken ? '-broken' : ''}`;
        const expectTag = `${s.tag}${s.broken ? '-broken' : ''}`;
        const watching = watchRollout(session, target, { expect: { repository: REPO, tag: expectTag }, timeoutMs: 30_000 });
        sim.store.patch('deployments', NS, NAME, 'strategic', { spec: { template: { spec: { containers: [{ name: NAME, image }] } } } });
        const started = Date.now();
        await Promise.all(
          s.faults.map(async ({ atMs, fault }) => {
            await new Promise((r) => setTimeout(r, Math.max(0, atMs - (Date.now() - started))));
            await inject(sim, fault);
            faults++;
          }),
        );
        const tFaults = Date.now();
        const outcome = await watching;
        phase.watch += Date.now() - tFaults;
        phase.faults += tFaults - started;
        sim.faults.clear();
        const where = `schedule ${s.index} (seed ${s.seed}, ${s.faults.map((f) => f.fault.kind).join('+')})`;

        // the status bar's verdict against the simulator's truth
        if (s.broken) {
          await sim.waitFor(() => sim.store.select('pods', { namespace: NS }).some((p) => p.spec.containers[0].image === image && p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'), { timeoutMs: 10_000, description: 'ImagePullBackOff in the simulator' });
          if (outcome.state !== 'failed' || outcome.reason !== 'ImagePullBackOff') mismatches.push(`${where}: watch said ${outcome.state} ${outcome.reason ?? ''} (${outcome.message}) for an image that cannot be pulled`);
        } else {
          const dep = sim.store.get('deployments', NS, NAME);
          const truth = rolloutStatus(dep);
          if (outcome.state !== 'done' || outcome.running !== s.tag) mismatches.push(`${where}: watch said ${outcome.state} running ${outcome.running} (${outcome.message}); the simulator: ${truth.state} "${truth.message}"`);
        }

        // the tree's long-lived watch converged to the simulator's objects
        const tConv = Date.now();
        const why = await converged(10_000);
        phase.converge += Date.now() - tConv;
        if (why) mismatches.push(`${where}: the tree's informers did not converge: ${why}`);
        // settled: exactly one stream per informer is open on the server (none leaked)
        const settle = Date.now() + 2000;
        while (sim.stats.snapshot().openWatches !== informers && Date.now() < settle) await new Promise((r) => setTimeout(r, 10));
        settledOpen = Math.max(settledOpen, sim.stats.snapshot().openWatches);

        // the CLI reports kubectl's verdict on what the simulator holds now (every other schedule: time)
        if (s.index % 2 === 0) {
          const dep = sim.store.get('deployments', NS, NAME);
          const truth = rolloutStatus(dep);
          const wantCode = truth.state === 'done' ? 0 : truth.state === 'failed' ? 1 : 3;
          const tCli = Date.now();
          cliRunning = true;
          const cli = s.index % 50 === 0 ? await cliProcess(['rollout-status', '--kubeconfig', kubeconfig, '--deployment', NAME, '--json']) : await runCli(['rollout-status', '--kubeconfig', kubeconfig, '--deployment', NAME, '--json'], tmp.dir);
          cliRunning = false;
          phase.cli += Date.now() - tCli;
          cliChecks++;
          let doc: { state?: string; message?: string } = {};
          try {
            doc = JSON.parse(cli.out);
          } catch {
            // reported below
          }
          if (cli.code !== wantCode || doc.state !== truth.state || doc.message !== truth.message) mismatches.push(`${where}: the CLI said ${cli.code} ${doc.state} "${doc.message ?? cli.err.trim()}"; the simulator: ${truth.state} "${truth.message}"`);
        }
        if (s.broken) {
          // roll forward to a good image before the next schedule, as a user would
          const fix = `${REPO}:${s.tag}-fix`;
          sim.store.patch('deployments', NS, NAME, 'strategic', { spec: { template: { spec: { containers: [{ name: NAME, image: fix }] } } } });
          await sim.waitFor(() => {
            const d = sim.store.get('deployments', NS, NAME);
            return d.metadata.generation === d.status?.observedGeneration && rolloutStatus(d).state === 'done';
          }, { timeoutMs: 10_000, description: 'the fix rolled out' });
        }
      }
    } finally {
      clearInterval(sampler);
      stopSampling();
    }
    const stats = session.pool.stats();
    const summary = `watch faults: ${schedules.length} schedules, ${faults} faults, ${mismatches.length} mismatches, max open watches ${maxOpenClient} (server side: ${settledOpen} when settled, ${maxOpenServer} in passing while streams were being replaced); ${cliChecks} CLI checks; informer stats: ${stats.lists} lists, ${stats.watches} watches, ${stats.relists} relists, ${stats.reconnects} reconnects, ${stats.watchdogRestarts} watchdog restarts, ${stats.errors} errors`;
    console.log(`${summary}; time in faults ${phase.faults} ms, waiting for the watch ${phase.watch} ms, convergence ${phase.converge} ms, CLI ${phase.cli} ms`);
    t.diagnostic(summary);
    assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} mismatches`);
    assert.ok(maxOpenClient <= informers, `at most one open stream per informer (${informers}); saw ${maxOpenClient}`);
    assert.equal(settledOpen, informers, 'after every schedule the server holds one stream per informer: none leaked');
    assert.ok(faults >= schedules.length, 'at least one fault per schedule');
    assert.ok(stats.relists > 0 && stats.watchdogRestarts > 0 && stats.reconnects > 0 && stats.errors > 0, 'every kind of recovery happened');
  });
});
