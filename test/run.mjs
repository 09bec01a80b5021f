#!/usr/bin/env node
// The one test command (`npm test`): builds, type-checks, then runs every tier and prints
// `N passed, N failed` as its last line. `npm test -- unit integration` runs only those tiers.
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
async function nodeTests(tier, files, extraEnv = {}) {
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
  await tee(`out/results/${tier}.log`, spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } }));
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

/** Streams a tier's output to the console and to a log file (a test artifact the secret scan reads). */
function tee(file, child) {
  const log = createWriteStream(file);
  child.stdout.on('data', (d) => {
    process.stdout.write(d);
    log.write(d);
  });
  child.stderr.on('data', (d) => {
    process.stderr.write(d);
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
  const lines = [];
  for (const tier of selected) {
    const started = Date.now();
    let r;
    if (tier === 'vscode') {
      r = await runScript('out/test/vscode/launch.js');
    } else {
      r = await nodeTests(tier, listTests(`out/test/${tier}`));
    }
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped ?? 0;
    lines.push(`${tier.padEnd(12)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(3)} failed ${String(r.skipped ?? 0).padStart(3)} skipped  ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
async function runScript(script) {
  if (!existsSync(script)) return { passed: 0, failed: 1 };
  const resultFile = `out/results/${script.split('/').slice(-2, -1)[0]}.json`;
  mkdirSync('out/results', { recursive: true });
  await tee(`${resultFile.replace(/\.json$/, '')}.log`, spawn(process.execPath, ['--enable-source-maps', script, `--results=${resultFile}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
  if (!existsSync(resultFile)) return { passed: 0, failed: 1 };
  const r = JSON.parse(readFileSync(resultFile, 'utf8'));
  return { passed: r.passed ?? 0, failed: r.failed ?? 1, skipped: r.skipped ?? 0 };
}
