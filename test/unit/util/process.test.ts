/**
 * The core's spawn helper, with `node -e` as the child: argument arrays (no shell ever interprets them),
 * stdin input, line streaming, redaction, cancellation of the process and its children, timeouts, and
 * the missing-executable error.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isCancelled, PilotError } from '../../../src/core/errors';
import { forgetSecrets, redact, registerSecret } from '../../../src/core/log';
import { formatCommand, runProcess, stripAnsi } from '../../../src/core/util/process';

const node = process.execPath;
const script = (code: string) => ['-e', code];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(ok: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runProcess', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gp-process-'));
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
    forgetSecrets();
  });

  test('passes arguments as they are: no shell expands, splits or runs them', async () => {
    const marker = join(tmp, 'pwned');
    const args = ['$(touch ' + marker + ')', '; touch ' + marker, '`id`', 'a b', '*', '"q"', '--flag=x y'];
    const r = await runProcess(node, [...script('console.log(JSON.stringify(process.argv.slice(1)))'), ...args]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), args);
    assert.equal(existsSync(marker), false);
  });

  test('writes input to stdin and closes it', async () => {
    const r = await runProcess(node, script('let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(s.toUpperCase()))'), { input: 'secret-less text' });
    assert.equal(r.stdout, 'SECRET-LESS TEXT\n');
  });

  test('streams lines of both streams as they come, without ANSI codes, split on \\n, \\r\\n and \\r', async () => {
    const lines: [string, string][] = [];
    const r = await runProcess(
      node,
      script('process.stdout.write("one\\ntw");setTimeout(()=>{process.stdout.write("o\\r\\nthree\\rfour");process.stderr.write("\\u001b[91mred\\u001b[0m\\n")},50)'),
      { onLine: (l, s) => lines.push([s, l]) },
    );
    assert.equal(r.code, 0);
    assert.deepEqual(lines.filter(([s]) => s === 'stdout').map(([, l]) => l), ['one', 'two', 'three', 'four']);
    assert.deepEqual(lines.filter(([s]) => s === 'stderr').map(([, l]) => l), ['red']);
    assert.equal(r.stderr, 'red\n');
  });

  test('reports a non-zero exit without throwing', async () => {
    const r = await runProcess(node, script('console.error("bad");process.exit(7)'));
    assert.equal(r.code, 7);
    assert.equal(r.timedOut, false);
    assert.match(r.stderr, /bad/);
  });

  test('secrets never reach lines, buffers or the command shown in logs', async () => {
    const secret = 'hunter2-very-secret-token';
    const seen: string[] = [];
    const logged: string[] = [];
    const log = { trace() {}, debug: (m: string) => logged.push(m), info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: () => {} };
    const r = await runProcess(node, [...script('console.log("token is " + process.argv[1]); console.error(process.argv[1])'), secret], { secrets: [secret], onLine: (l) => seen.push(l), log });
    assert.ok(![r.stdout, r.stderr, ...seen, ...logged].some((t) => t.includes(secret)), 'the secret leaked');
    assert.match(r.stdout, /token is \*\*\*/);
    assert.ok(logged.some((l) => l.includes('***')));
    assert.equal(redact(`x ${secret} y`), 'x *** y');
  });

  test('a missing executable is a PilotError naming the program and what to do', async () => {
    await assert.rejects(
      runProcess('/nonexistent/docker', ['version'], { program: { name: 'The Docker CLI', code: 'docker.notInstalled', hint: 'Install Docker, or set gitopsPilot.docker.path' } }),
      (e: unknown) => e instanceof PilotError && e.code === 'docker.notInstalled' && /not found: \/nonexistent\/docker/.test(e.message) && /gitopsPilot\.docker\.path/.test(e.hint ?? ''),
    );
    await assert.rejects(runProcess('definitely-not-a-program-xyz', []), (e: unknown) => e instanceof PilotError && e.code === 'process.notFound');
  });

  test('a missing working folder is bad input, and nothing runs', async () => {
    await assert.rejects(runProcess(node, script('1'), { cwd: join(tmp, 'nope') }), (e: unknown) => e instanceof PilotError && e.code === 'process.noSuchFolder' && e.kind === 'input');
  });

  test('abort stops the process and the children it started, then rejects as cancelled', async () => {
    const pidFile = join(tmp, 'grandchild.pid');
    const ac = new AbortController();
    const code = `const {spawn}=require("child_process");const c=spawn(process.execPath,["-e","setInterval(()=>{},1000)"],{stdio:"ignore"});require("fs").writeFileSync(${JSON.stringify(pidFile)},String(c.pid));console.log("started");setInterval(()=>{},1000)`;
    const p = runProcess(node, script(code), { signal: ac.signal, onLine: (l) => l === 'started' && ac.abort() });
    await assert.rejects(p, (e: unknown) => isCancelled(e));
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await until(() => !isAlive(grandchild));
  });

  test('a process that ignores SIGTERM is killed after the grace period', async () => {
    const ac = new AbortController();
    const p = runProcess(node, script('process.on("SIGTERM",()=>{});console.log("ready");setInterval(()=>{},1000)'), { signal: ac.signal, killGraceMs: 200, onLine: () => ac.abort() });
    await assert.rejects(p, (e: unknown) => isCancelled(e));
  });

  test('an already aborted signal runs nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const marker = join(tmp, 'ran');
    await assert.rejects(runProcess(node, script(`require("fs").writeFileSync(${JSON.stringify(marker)},"")`), { signal: ac.signal }), (e: unknown) => isCancelled(e));
    assert.equal(existsSync(marker), false);
  });

  test('the inactivity timeout stops a silent process; output keeps it alive', async () => {
    const silent = await runProcess(node, script('setInterval(()=>{},1000)'), { idleTimeoutMs: 800, killGraceMs: 100 });
    assert.equal(silent.timedOut, 'idle');
    assert.equal(silent.signal, 'SIGTERM');
    // a line every 250 ms for 3 s: far longer than the 1.5 s inactivity limit in total, never silent that long
    const chatty = await runProcess(node, script('console.log("start");let n=0;const t=setInterval(()=>{console.log(n++);if(n===12){clearInterval(t)}},250)'), { idleTimeoutMs: 1_500 });
    assert.equal(chatty.timedOut, false);
    assert.equal(chatty.code, 0);
  });

  test('the overall timeout stops a process that keeps talking', async () => {
    const r = await runProcess(node, script('setInterval(()=>console.log("."),50)'), { timeoutMs: 400, idleTimeoutMs: 5_000, killGraceMs: 100 });
    assert.equal(r.timedOut, 'total');
  });

  test('keeps only the end of very long output', async () => {
    const r = await runProcess(node, script('for(let i=0;i<20000;i++)console.log("line "+i)'), { maxBuffer: 1000 });
    assert.ok(r.stdout.length <= 1000);
    assert.match(r.stdout, /line 19999\n$/);
  });
});

describe('formatCommand and stripAnsi', () => {
  test('quotes what needs quoting and redacts registered secrets', () => {
    registerSecret('s3cr3t-value-123');
    assert.equal(formatCommand('docker', ['build', '--build-arg', 'A=b c', '-t', 'r:1', '.']), 'docker build --build-arg "A=b c" -t r:1 .');
    assert.equal(formatCommand('docker', ['login', '-p', 's3cr3t-value-123']), 'docker login -p ***');
    forgetSecrets();
  });

  test('removes colour and OSC sequences only', () => {
    assert.equal(stripAnsi('\u001b[91mto-stderr\n\u001b[0mhi \u001b]0;title\u0007ok'), 'to-stderr\nhi ok');
  });
});
