/**
 * A release of 11 apps is all files or none (issue 15), with the failure on the 7th file injected for real,
 * on real git with a bare remote: the 7th file made immutable (`chattr +i`: even root's rename over it
 * fails), the 7th file saved by another process between reading and writing, and the CLI run under a
 * file-size limit (`prlimit --fsize`) that only the 7th file's new text exceeds. Each time: the 11 files as
 * before (the 6 written put back, which their new inodes and change times prove), no commit, nothing pushed, no temp file left.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { PilotError } from '../../../src/core/errors';
import { nullLogger } from '../../../src/core/log';
import type { WriteFile } from '../../../src/core/release/commitImages';
import { promoteRelease } from '../../../src/core/release/promote';
import { atomicWriteFile } from '../../../src/core/util/atomicWrite';
import { cliPath } from '../../support/cliProcess';
import { git, gitEnv, gitFixture, read, type GitFixture } from '../../support/gitRepos';

const APPS = Array.from({ length: 11 }, (_, i) => `app${String(i + 1).padStart(2, '0')}`);
const SEVENTH = APPS[6]!;
const values = (app: string, tag: string, padding = '') => `# ${app}\nreplicaCount: 2\nimage:\n  repository: reg.example/shop/${app}\n  tag: ${tag}\n${padding}`;
/** app07's prod file carries a large block (a config map's worth of settings): ~48 KiB */
const BIG = `config:\n${Array.from({ length: 1200 }, (_, i) => `  setting${String(i).padStart(4, '0')}: "value number ${i} of the app's configuration"\n`).join('')}`;

function layout(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const app of APPS) {
    files[`envs/staging/${app}.yaml`] = values(app, `s-${app}`);
    files[`envs/prod/${app}.yaml`] = values(app, `p-${app}`, app === SEVENTH ? BIG : '');
  }
  return files;
}

interface Snapshot {
  readonly text: string[];
  /** inode and change time: a file replaced by a rename is a new inode with a new ctime (inode numbers get reused) */
  readonly identity: string[];
}

describe('a release of 11 apps: a failure on the 7th file leaves all 11 untouched and no commit', () => {
  let fx: GitFixture;
  let work: string;
  const prodFile = (app: string) => join(work, 'envs/prod', `${app}.yaml`);
  const identity = (app: string) => {
    const s = statSync(prodFile(app), { bigint: true });
    return `${s.ino}@${s.ctimeNs}`;
  };
  const snapshot = (): Snapshot => ({ text: APPS.map((a) => read(prodFile(a))), identity: APPS.map(identity) });
  const head = () => git(work, 'rev-parse', 'HEAD');
  const remoteHead = () => git(fx.bare, 'rev-parse', 'main');

  before(() => {
    fx = gitFixture(layout());
    work = fx.clones[0]!;
  });
  after(() => fx?.cleanup());

  /** Same bytes everywhere; files 1–6 were replaced (written, then put back), 8–11 never touched. */
  function assertUntouched(start: Snapshot, opts: { seventhText?: string } = {}): void {
    const now = snapshot();
    APPS.forEach((app, i) => {
      if (i === 6 && opts.seventhText !== undefined) assert.equal(now.text[i], opts.seventhText, app);
      else assert.equal(now.text[i], start.text[i], `${app}: the bytes as before`);
    });
    for (let i = 0; i < 6; i++) assert.notEqual(now.identity[i], start.identity[i], `${APPS[i]} was written and put back (the failure really came 7th)`);
    for (let i = 7; i < 11; i++) assert.equal(now.identity[i], start.identity[i], `${APPS[i]} was never written`);
    const temps = readdirSync(join(work, 'envs/prod')).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(temps, [], 'no temporary file left');
  }

  const core = async () => {
    const project = (await loadProject(work))!;
    assert.deepEqual(project.problems, []);
    return { project, git: { log: nullLogger }, push: 'direct' as const };
  };

  test('the 7th file immutable (chattr +i): EPERM on its rename, the 6 written put back, no commit', async (t) => {
    const seventh = prodFile(SEVENTH);
    const lock = spawnSync('chattr', ['+i', seventh], { encoding: 'utf8' });
    if (lock.status !== 0) {
      t.skip(`chattr +i is not possible here (${(lock.stderr || lock.error?.message || '').trim()}); the other two injections still run`);
      return;
    }
    try {
      const start = snapshot();
      const [commit, remote] = [head(), remoteHead()];
      const err = await promoteRelease(await core(), { from: 'staging', to: 'prod', confirmed: true }).then(
        () => assert.fail('the release went through an immutable file'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof PilotError, String(err));
      assert.equal(err.message, 'could not write envs/prod/app07.yaml (EPERM: operation not permitted)');
      assert.match(err.hint ?? '', /^Nothing was changed \(the 6 files written before it were put back\)\. Check the file is not immutable/);
      assertUntouched(start);
      assert.equal(head(), commit, 'no commit');
      assert.equal(remoteHead(), remote, 'nothing pushed');
      assert.equal(git(work, 'status', '--porcelain'), '');
    } finally {
      execFileSync('chattr', ['-i', seventh]);
    }
  });

  test('and when a written file cannot be put back, the error names it (the one case that is not all or nothing)', async (t) => {
    const [third, seventh] = [prodFile(APPS[2]!), prodFile(SEVENTH)];
    if (spawnSync('chattr', ['+i', seventh]).status !== 0) {
      t.skip('chattr +i is not possible here');
      return;
    }
    let n = 0;
    const write: WriteFile = async (file, text, expect) => {
      // once the 3rd file holds the release's text, it becomes immutable too: putting it back fails
      if (++n === 7) execFileSync('chattr', ['+i', third]);
      await atomicWriteFile(file, text, { expectContent: expect });
    };
    try {
      const err = await promoteRelease(await core(), { from: 'staging', to: 'prod', confirmed: true }, undefined, write).then(
        () => assert.fail('went through'),
        (e: unknown) => e as PilotError,
      );
      assert.equal(err.message, 'could not write envs/prod/app07.yaml (EPERM: operation not permitted)');
      assert.match(err.hint ?? '', /could not be put back and hold the release's change: envs\/prod\/app03\.yaml\. Restore them with git checkout/);
      assert.match(read(third), /tag: s-app03/, 'the file the error names');
    } finally {
      execFileSync('chattr', ['-i', third, seventh]);
      git(work, 'checkout', '-q', '--', '.');
    }
    assert.equal(git(work, 'status', '--porcelain'), '');
  });

  test('the 7th file saved by another process between reading and writing: file.changed, that save kept, no commit', async () => {
    const seventh = prodFile(SEVENTH);
    const start = snapshot();
    const [commit, remote] = [head(), remoteHead()];
    let n = 0;
    // the real write; before the 7th, another process (an editor) saves that file
    const write: WriteFile = async (file, text, expect) => {
      if (++n === 7) {
        assert.equal(file, seventh);
        execFileSync('sh', ['-c', 'printf "# resources tuned by hand\\n" >> "$0"', file]);
      }
      await atomicWriteFile(file, text, { expectContent: expect });
    };
    await assert.rejects(promoteRelease(await core(), { from: 'staging', to: 'prod', confirmed: true }, undefined, write), (e: unknown) => {
      assert.ok(e instanceof PilotError);
      assert.equal(e.code, 'file.changed');
      assert.match(e.hint ?? '', /nothing was written/);
      return true;
    });
    try {
      assert.equal(n, 7);
      assertUntouched(start, { seventhText: `${start.text[6]}# resources tuned by hand\n` });
      assert.equal(head(), commit, 'no commit');
      assert.equal(remoteHead(), remote, 'nothing pushed');
      assert.equal(git(work, 'status', '--porcelain'), `M envs/prod/${SEVENTH}.yaml`, 'only the other process’s save is pending');
    } finally {
      git(work, 'checkout', '-q', '--', `envs/prod/${SEVENTH}.yaml`);
    }
  });

  test('the CLI under a file-size limit only the 7th file exceeds (EFBIG): exit 1, the file named, no commit', () => {
    const start = snapshot();
    const [commit, remote] = [head(), remoteHead()];
    assert.ok(start.text[6]!.length > 32 * 1024 && start.text.every((t, i) => i === 6 || t.length < 1024));
    const r = spawnSync('prlimit', [`--fsize=${32 * 1024}`, '--', process.execPath, cliPath, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes'], {
      cwd: work,
      env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /could not write envs\/prod\/app07\.yaml \(EFBIG: file too large for the size limit of this process\)/);
    assert.match(r.stderr, /Nothing was changed \(the 6 files written before it were put back\)\. Raise the file size limit/);
    assertUntouched(start);
    assert.equal(head(), commit, 'no commit');
    assert.equal(remoteHead(), remote, 'nothing pushed');
    assert.equal(git(work, 'status', '--porcelain'), '');
  });

  test('and without an injected failure the same release is one commit of the 11 files', () => {
    const r = spawnSync(process.execPath, [cliPath, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes', '--json'], {
      cwd: work,
      env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'pushed');
    assert.deepEqual(fx.remoteSubjects().slice(1), ['promote(prod): 11 apps from staging']);
    assert.deepEqual(git(fx.bare, 'show', '--name-only', '--format=', 'main').split('\n'), APPS.map((a) => `envs/prod/${a}.yaml`));
    for (const app of APPS) assert.equal(read(prodFile(app)), values(app, `s-${app}`, app === SEVENTH ? BIG : ''));
    writeFileSync(join(work, 'unused'), ''); // the clone stays usable
  });
});
