#!/usr/bin/env node
// The one test command (`npm test`): builds, type-checks, then runs every tier and prints
// `N passed, N failed` as its last line. `npm test -- unit integration` runs only those tiers.
//
// The tiers run in two lanes at once, integration beside unit → vscode → e2e (together they take about
// two thirds of the time one after the other: much of each tier waits on processes, git and sockets, and
// every test waits on state, so a loaded machine slows it and does not fail it). The second lane's output
// goes to its log files and is printed as each of its tiers ends; `--serial` runs the tiers one after another.
//
// Tiers
//   unit         plain Node, no processes or network (src/core and the CLI's parsing)
//   integration  real git, docker, registry, aws CLI, kubectl against the project's emulators
//   vscode       the mocha suite inside a real VS Code extension host (VS Code server + Chromium here,
//                @vscode/test-electron where VS Code can be downloaded)
//   e2e          Playwright driving the real VS Code UI
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const argv = process.argv.slice(2);
const allTiers = ['unit', 'integration', 'vscode', 'e2e'];
const tiers = argv.filter((a) => allTiers.includes(a));
const selected = tiers.length ? tiers : allTiers;
const grep = argv.find((a) => a.startsWith('--grep='))?.slice('--grep='.length);
const serial = argv.includes('--serial');

if (argv.includes('--sandbox')) {
  run('node', ['esbuild.mjs']);
  run('node', ['esbuild.mjs', '--tests']);
  process.argv = [process.argv[0], process.argv[1], ...argv.filter((a) => a !== '--sandbox')];
  await import('../out/test/support/sandbox/start.js');
} else if (argv.includes('--bench')) {
  // the production (minified) bundles: what users run
  run('node', ['esbuild.mjs', '--production']);
  run('node', ['esbuild.mjs', '--tests']);
  process.argv = [process.argv[0], process.argv[1], ...argv.filter((a) => a !== '--bench')];
  await import('../out/test/bench/run.js');
} else {
  await main();
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

function listTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return grep ? out.filter((p) => p.includes(grep)) : out;
}

/** Runs node's test runner on files, streaming spec output and counting from a TAP copy. */
async function nodeTests(tier, files, quiet = false) {
  if (!files.length) return { passed: 0, failed: 0, skipped: 0 };
  mkdirSync('out/results', { recursive: true });
  const tap = `out/results/${tier}.tap`;
  const args = [
    '--enable-source-maps',
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...(tier === 'unit' ? [] : ['--test-concurrency=1']),
    ...files,
  ];
  await tee(`out/results/${tier}.log`, spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }), quiet);
  return countTap(tap);
}

function countTap(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const num = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)`, 'm'))?.[1] ?? 0);
  const passed = num('pass');
  const failed = num('fail') + num('cancelled');
  // a test file that crashed before reporting counts as a failure
  return { passed, failed: text ? failed : failed + 1, skipped: num('skipped') + num('todo') };
}

/** Streams a tier's output to a log file (a test artifact the secret scan reads) and, unless quiet, the console. */
function tee(file, child, quiet = false) {
  const log = createWriteStream(file);
  child.stdout.on('data', (d) => {
    if (!quiet) process.stdout.write(d);
    log.write(d);
  });
  child.stderr.on('data', (d) => {
    if (!quiet) process.stderr.write(d);
    log.write(d);
  });
  return new Promise((resolve) => child.on('close', () => log.end(resolve)));
}

async function main() {
  const t0 = Date.now();
  // this run's artifacts only: results, logs, the secrets the emulators hand out, screenshots
  rmSync('out/results', { recursive: true, force: true });
  rmSync('out/test-results', { recursive: true, force: true });
  mkdirSync('out/results', { recursive: true });
  run('node', ['esbuild.mjs']);
  run('node', ['esbuild.mjs', '--tests']);
  run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit']);
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const results = new Map();
  const runTier = async (tier, quiet) => {
    const started = Date.now();
    const r = tier === 'vscode' ? await runScript('out/test/vscode/launch.js', quiet) : await nodeTests(tier, listTests(`out/test/${tier}`), quiet);
    results.set(tier, { ...r, seconds: (Date.now() - started) / 1000 });
  };
  const lane = async (tiers, quiet) => {
    for (const tier of tiers) {
      await runTier(tier, quiet);
      if (quiet) {
        // the second lane's output, whole, once its tier is over (it went to the log file meanwhile)
        const log = `out/results/${tier}.log`;
        console.log(`\n── ${tier} (ran beside the other lane; also in ${log}) ──`);
        if (existsSync(log)) process.stdout.write(readFileSync(log));
      }
    }
  };
  if (serial) await lane(selected, false);
  else {
    // integration alone is the longest tier: the other three together take about as long beside it
    const first = selected.filter((t) => t === 'integration');
    const second = selected.filter((t) => t !== 'integration');
    // with one lane empty, the other streams as usual
    await Promise.all([lane(first, false), lane(second, first.length > 0)]);
  }
  const lines = [];
  for (const tier of selected) {
    const r = results.get(tier);
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped ?? 0;
    lines.push(`${tier.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped ?? 0).padStart(3)} skipped  ${r.seconds.toFixed(1)} s`);
  }
  // every log line, CLI output and artifact of the run, scanned for the secrets the emulators handed out
  const scan = spawnSync(process.execPath, ['out/test/support/secretScan.js'], { encoding: 'utf8' });
  process.stdout.write(scan.stdout);
  if (scan.status === 0) totals.passed++;
  else totals.failed++;
  lines.push(`${'secrets'.padEnd(12)} ${String(scan.status === 0 ? 1 : 0).padStart(4)} passed ${String(scan.status === 0 ? 0 : 1).padStart(3)} failed   0 skipped  ${scan.stdout.trim().split('\n')[0]}`);
  console.log(`\n── summary (${((Date.now() - t0) / 1000).toFixed(0)} s) ──\n${lines.join('\n')}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed ? 1 : 0);
}

/** Tiers with their own launcher print a JSON result file path on their last stdout line. */
async function runScript(script, quiet = false) {
  if (!existsSync(script)) return { passed: 0, failed: 1 };
  const resultFile = `out/results/${script.split('/').slice(-2, -1)[0]}.json`;
  mkdirSync('out/results', { recursive: true });
  await tee(`${resultFile.replace(/\.json$/, '')}.log`, spawn(process.execPath, ['--enable-source-maps', script, `--results=${resultFile}`], { stdio: ['ignore', 'pipe', 'pipe'] }), quiet);
  if (!existsSync(resultFile)) return { passed: 0, failed: 1 };
  const r = JSON.parse(readFileSync(resultFile, 'utf8'));
  return { passed: r.passed ?? 0, failed: r.failed ?? 1, skipped: r.skipped ?? 0 };
}
