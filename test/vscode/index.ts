/**
 * The mocha entry VS Code calls inside the extension host (`extensionTestsPath`), under both launchers:
 * the VS Code server + Chromium (test/vscode/launch.ts) and @vscode/test-electron.
 *
 * Loads `out/test/vscode/<suite dir>/**\/*.test.js` (`$GITOPS_PILOT_TEST_SUITE`, default `suite`), runs them
 * with the tdd UI (`suite`/`test`), prints a spec-like report and `N passed, N failed`, and writes
 * `{passed, failed, skipped, failures: [{title, error}], notes, durationMs}` to `$GITOPS_PILOT_TEST_RESULTS`.
 * Also honoured: `$GITOPS_PILOT_TEST_GREP` (mocha grep), `$GITOPS_PILOT_TEST_TIMEOUT` (ms per test).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Mocha from 'mocha';
import { allNotes, print } from './report';

export interface SuiteResults {
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; error: string }[];
  notes: Record<string, unknown>;
  durationMs: number;
}

export function run(): Promise<void> {
  const t0 = Date.now();
  const suiteDir = resolve(__dirname, process.env.GITOPS_PILOT_TEST_SUITE || 'suite');
  const resultsFile = process.env.GITOPS_PILOT_TEST_RESULTS;
  const results: SuiteResults = { passed: 0, failed: 0, skipped: 0, failures: [], notes: {}, durationMs: 0 };
  const finish = (): SuiteResults => {
    results.notes = allNotes();
    results.durationMs = Date.now() - t0;
    print(`${results.passed} passed, ${results.failed} failed${results.skipped ? `, ${results.skipped} skipped` : ''}`);
    if (resultsFile) writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    return results;
  };

  return new Promise<void>((done, fail) => {
    try {
      const mocha = new Mocha({
        ui: 'tdd',
        color: false,
        timeout: Number(process.env.GITOPS_PILOT_TEST_TIMEOUT) || 30_000,
        reporter: SilentReporter,
        ...(process.env.GITOPS_PILOT_TEST_GREP ? { grep: process.env.GITOPS_PILOT_TEST_GREP } : {}),
      });
      const files = listTests(suiteDir);
      if (!files.length) throw new Error(`no *.test.js files under ${suiteDir}`);
      print(`running ${files.length} test file(s) from ${relative(resolve(__dirname, '../../..'), suiteDir)} in VS Code ${vscodeVersion()}`);
      for (const f of files) mocha.addFile(f);
      const runner = mocha.run(() => {
        finish();
        if (results.failed) fail(new Error(`${results.failed} test(s) failed`));
        else done();
      });
      runner.on('suite', (s: Mocha.Suite) => {
        if (s.title) print(`${'  '.repeat(depth(s))}${s.title}`);
      });
      runner.on('pass', (t: Mocha.Test) => {
        results.passed++;
        print(`${'  '.repeat(depth(t))}✔ ${t.title} (${t.duration ?? 0} ms)`);
      });
      runner.on('pending', (t: Mocha.Test) => {
        results.skipped++;
        print(`${'  '.repeat(depth(t))}- ${t.title} (skipped)`);
      });
      runner.on('fail', (t: Mocha.Runnable, err: Error) => {
        results.failed++;
        const title = t.fullTitle();
        const error = err?.stack || String(err);
        results.failures.push({ title, error });
        print(`${'  '.repeat(depth(t))}✘ ${t.title}\n${indent(error, '      ')}`);
      });
    } catch (err) {
      results.failed++;
      results.failures.push({ title: 'loading the test suite', error: err instanceof Error ? err.stack ?? err.message : String(err) });
      print(`✘ loading the test suite failed: ${err instanceof Error ? err.stack : String(err)}`);
      finish();
      fail(err);
    }
  });
}

/** Mocha needs a reporter; ours prints through the runner events above, so this one stays silent. */
class SilentReporter extends Mocha.reporters.Base {}

function listTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function depth(r: Mocha.Runnable | Mocha.Suite): number {
  let d = 0;
  for (let p = r.parent; p && !p.root; p = p.parent) d++;
  return d;
}

function indent(text: string, pad: string): string {
  return text.split('\n').map((l) => pad + l).join('\n');
}

function vscodeVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('vscode') as typeof import('vscode')).version;
  } catch {
    return '(unknown)';
  }
}
