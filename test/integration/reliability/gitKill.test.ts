/**
 * Git under contention with the process killed mid-operation: between commit and push, in the middle of
 * a rebase, and at random moments while other clones push. After the next run the repository is never
 * left mid-rebase, no bump is lost or duplicated, history stays linear, and nothing is force-pushed
 * (the bare remote refuses non-fast-forward pushes).
 *
 * The kill is deterministic where it matters: a git wrapper (given as the git path, like the
 * gitopsPilot.git.path setting) runs the real git and then SIGKILLs its parent, the CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { git, gitEnv, gitFixture, type GitFixture } from '../../support/gitRepos';

const values = (tag: string) => `image:\n  repository: demo-app\n  tag: ${tag}\n`;

/**
 * A git that kills its caller: at `push` (before pushing), or after running `rebase` (leaving it
 * mid-way). RACE_BEFORE_PUSH (a JSON argv) runs once, just before the first real push: someone else
 * pushing first, at the worst moment.
 */
function gitWrapper(dir: string): string {
  const p = join(dir, 'git-killer');
  writeFileSync(
    p,
    `#!${process.execPath}
const { spawnSync } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const args = process.argv.slice(2);
// the subcommand, after global options such as -c core.abbrev=40
let i = 0;
while (args[i] === '-c') i += 2;
const sub = args[i];
const at = process.env.KILL_AT;
const race = process.env.RACE_BEFORE_PUSH;
if (race && sub === 'push' && !existsSync(process.env.RACE_DONE)) {
  writeFileSync(process.env.RACE_DONE, '');
  const [cmd, ...rest] = JSON.parse(race);
  spawnSync(cmd, rest, { stdio: 'ignore' });
}
if (at && sub === at) {
  if (at === 'rebase') spawnSync('git', args, { stdio: 'inherit' });
  process.kill(process.ppid, 'SIGKILL');
  process.exit(1);
}
process.exit(spawnSync('git', args, { stdio: 'inherit' }).status ?? 1);
`,
  );
  chmodSync(p, 0o755);
  return p;
}

function cliRun(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env: { ...gitEnv, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

const midRebase = (clone: string) => existsSync(join(clone, '.git', 'rebase-merge')) || existsSync(join(clone, '.git', 'rebase-apply'));
const landed = (fx: GitFixture, env: string, tag: string) => fx.remoteSubjects().filter((s) => s.startsWith(`deploy(${env})`) && s.endsWith(` -> ${tag}`)).length;

describe('killed mid-operation', () => {
  const fixtures: GitFixture[] = [];
  after(() => fixtures.forEach((f) => f.cleanup()));
  const fixture = (clones: number) => {
    const f = gitFixture({ 'envs/dev/values.yaml': values('0'), 'envs/staging/values.yaml': values('0') }, clones);
    fixtures.push(f);
    return f;
  };

  test('killed between commit and push: the next run pushes the commit, once', () => {
    const fx = fixture(1);
    const [c] = fx.clones;
    const killer = gitWrapper(fx.root);
    const r = cliRun(c!, ['bump', '--env', 'dev', '--tag', 't1'], { GITOPS_PILOT_GIT: killer, KILL_AT: 'push' });
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(git(c!, 'log', '-1', '--format=%s'), 'deploy(dev): demo-app 0 -> t1', 'committed locally');
    assert.equal(landed(fx, 'dev', 't1'), 0, 'not pushed');
    const again = cliRun(c!, ['bump', '--env', 'dev', '--tag', 't1']);
    assert.equal(again.code, 0, again.err);
    assert.equal(landed(fx, 'dev', 't1'), 1, 'the interrupted deployment lands, exactly once');
    assert.equal(git(c!, 'rev-parse', 'HEAD'), git(fx.bare, 'rev-parse', 'main'));
  });

  test('killed after writing the file, before committing it: the next run continues that change, once', () => {
    const fx = fixture(1);
    const [c] = fx.clones;
    const killer = gitWrapper(fx.root);
    const r = cliRun(c!, ['bump', '--env', 'dev', '--tag', 't2'], { GITOPS_PILOT_GIT: killer, KILL_AT: 'commit' });
    assert.equal(r.signal, 'SIGKILL');
    assert.match(git(c!, 'status', '--porcelain'), /envs\/dev\/values\.yaml/, 'the file holds the uncommitted change');
    const again = cliRun(c!, ['bump', '--env', 'dev', '--tag', 't2']);
    assert.equal(again.code, 0, again.err);
    assert.equal(landed(fx, 'dev', 't2'), 1);
    assert.equal(git(c!, 'status', '--porcelain'), '');
  });

  test('a different uncommitted change in the file is still refused', () => {
    const fx = fixture(1);
    const [c] = fx.clones;
    writeFileSync(join(c!, 'envs/dev/values.yaml'), values('hand-edited'));
    const r = cliRun(c!, ['bump', '--env', 'dev', '--tag', 't3']);
    assert.equal(r.code, 2);
    assert.match(r.err, /uncommitted changes/);
    assert.match(git(c!, 'diff'), /hand-edited/, 'the hand edit is untouched');
  });

  test('killed in the middle of a rebase: the next run aborts it and the bump lands once, on top of the other', () => {
    const fx = fixture(2);
    const [a, b] = fx.clones;
    const killer = gitWrapper(fx.root);
    // b pushes the same line just before a's push: a's push is rejected, a rebases, and is killed there
    const race = JSON.stringify([process.execPath, cliPath, 'bump', '--env', 'dev', '--tag', 'b1', '--dir', b!]);
    const r = cliRun(a!, ['bump', '--env', 'dev', '--tag', 'a1'], { GITOPS_PILOT_GIT: killer, KILL_AT: 'rebase', RACE_BEFORE_PUSH: race, RACE_DONE: join(fx.root, 'race-done') });
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(midRebase(a!), 'the kill left a rebase in progress');
    const again = cliRun(a!, ['bump', '--env', 'dev', '--tag', 'a1']);
    assert.equal(again.code, 0, again.err);
    assert.ok(!midRebase(a!), 'no rebase left behind');
    assert.deepEqual(fx.remoteSubjects(), ['initial environments', 'deploy(dev): demo-app 0 -> b1', 'deploy(dev): demo-app b1 -> a1']);
    assert.equal(git(a!, 'status', '--porcelain'), '');
  });

  test('random kills while other clones push: every bump lands exactly once, history linear', async () => {
    const fx = fixture(3);
    const [a, b, c] = fx.clones;
    const rounds = 24;
    let killedBeforeExit = 0;
    let otherPushes = 0;
    for (let i = 1; i <= rounds; i++) {
      const tag = `r${i}`;
      const env = i % 2 ? 'dev' : 'staging';
      // someone else moves the remote now and then (sometimes the same environment)
      const other = i % 3 === 0 ? cliRun(i % 2 ? b! : c!, ['bump', '--env', i % 4 ? env : 'dev', '--tag', `o${i}`]) : undefined;
      if (other) otherPushes++;
      // start the bump and kill it at a random moment (0 to 400 ms: from startup to the push)
      const child = spawn(process.execPath, [cliPath, 'bump', '--env', env, '--tag', tag], { cwd: a, env: gitEnv, stdio: 'ignore' });
      const delay = Math.floor(Math.random() * 400);
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('exit', (code, signal) => {
          clearTimeout(t);
          resolve({ code, signal });
        });
      });
      if (exit.signal === 'SIGKILL') killedBeforeExit++;
      // the user (or the pipeline) runs it again
      const retry = cliRun(a!, ['bump', '--env', env, '--tag', tag]);
      assert.equal(retry.code, 0, `round ${i}: ${retry.err}`);
      assert.ok(!midRebase(a!), `round ${i}: no rebase left behind`);
      assert.equal(landed(fx, env, tag), 1, `round ${i}: ${tag} landed exactly once`);
      assert.match(fx.remoteFile(`envs/${env}/values.yaml`), new RegExp(`tag: ${tag}$`));
    }
    assert.equal(git(fx.bare, 'rev-list', '--merges', '--count', 'main'), '0', 'linear history');
    const subjects = fx.remoteSubjects();
    assert.equal(subjects.filter((s) => /-> r\d+$/.test(s)).length, rounds, 'no bump lost or duplicated');
    console.log(`  rounds: ${rounds}, killed before finishing: ${killedBeforeExit}, concurrent pushes from other clones: ${otherPushes}, remote commits: ${subjects.length - 1}`);
  });
});
