/**
 * The git transaction against real git: a bare remote and several clones. The change applied here is a
 * plain line rewrite (the YAML editor has its own tests); what is under test is commit, push, the
 * rebase / reset-and-reapply paths when someone pushed first, and every refusal.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { nullLogger } from '../../../src/core/log';
import { runTransaction, type TransactionOptions } from '../../../src/core/gitops/transaction';
import { git, gitFixture, read } from '../../support/gitRepos';

const values = (tag: string) => `# dev values\nimage:\n  repository: demo-app\n  tag: ${tag} # deployed\nreplicas: 2\n`;

/** A change that sets the tag line, like the real editor would (message says from -> to). */
function setTag(file: string, env: string, tag: string) {
  return {
    file,
    branchHint: { env, tag },
    async apply() {
      const text = read(file);
      const from = /tag: (\S+)/.exec(text)?.[1];
      if (from === tag) return { changed: false, message: '' };
      writeFileSync(file, text.replace(/tag: \S+/, `tag: ${tag}`));
      return { changed: true, message: `deploy(${env}): demo-app ${from} -> ${tag}\n\nEnvironment: ${env}` };
    },
  };
}

const opts = (over: Partial<TransactionOptions> = {}): TransactionOptions => ({
  git: { log: nullLogger },
  remote: 'origin',
  push: 'direct',
  retry: { attempts: 30, baseDelayMs: 5, maxDelayMs: 80 },
  ...over,
});

describe('git transaction', () => {
  const fixtures: { cleanup(): void }[] = [];
  after(() => fixtures.forEach((f) => f.cleanup()));
  const fixture = (files: Record<string, string>, clones = 1) => {
    const f = gitFixture(files, clones);
    fixtures.push(f);
    return f;
  };

  test('prepare runs before anything is applied; its error wins over git refusing the clone, and nothing is written', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1.0.4') });
    const [c] = fx.clones;
    const file = join(c!, 'envs/dev/values.yaml');
    const order: string[] = [];
    const change = setTag(file, 'dev', '1.0.5');
    const r = await runTransaction(
      {
        ...change,
        prepare: async () => {
          order.push('prepare');
        },
        apply: async () => {
          order.push('apply');
          return change.apply();
        },
      },
      opts(),
    );
    assert.equal(r.status, 'pushed');
    assert.deepEqual(order, ['prepare', 'apply']);
    git(c!, 'checkout', '-q', '--detach');
    const bad = new PilotError('image.notFound', 'demo-app:1.0.6 is not in the registry', { kind: 'input' });
    await assert.rejects(
      runTransaction({ ...setTag(file, 'dev', '1.0.6'), prepare: () => Promise.reject(bad) }, opts()),
      (e: unknown) => e === bad,
    );
    await assert.rejects(runTransaction({ ...setTag(file, 'dev', '1.0.6'), prepare: async () => undefined }, opts()), (e: unknown) => e instanceof PilotError && e.code === 'git.detachedHead');
    assert.equal(read(file), values('1.0.5'));
  });

  test('commits exactly the file and pushes it', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1.0.4'), 'README.md': 'hi\n' });
    const [c] = fx.clones;
    writeFileSync(join(c!, 'README.md'), 'local edit, not part of the deployment\n');
    const r = await runTransaction(setTag(join(c!, 'envs/dev/values.yaml'), 'dev', '1.0.5'), opts());
    assert.equal(r.status, 'pushed');
    assert.equal(r.attempts, 1);
    assert.deepEqual(fx.remoteSubjects(), ['initial environments', 'deploy(dev): demo-app 1.0.4 -> 1.0.5']);
    assert.equal(git(fx.bare, 'show', '--name-only', '--format=', 'main'), 'envs/dev/values.yaml');
    assert.equal(read(join(c!, 'README.md')), 'local edit, not part of the deployment\n', 'other local changes untouched');
    assert.equal(git(c!, 'status', '--porcelain'), 'M README.md');
  });

  test('nothing to do when the file already has the change', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1.0.5') });
    const r = await runTransaction(setTag(join(fx.clones[0]!, 'envs/dev/values.yaml'), 'dev', '1.0.5'), opts());
    assert.equal(r.status, 'unchanged');
    assert.equal(fx.remoteSubjects().length, 1);
  });

  test('--no-push commits locally only', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1') });
    const r = await runTransaction(setTag(join(fx.clones[0]!, 'envs/dev/values.yaml'), 'dev', '2'), opts({ push: false }));
    assert.equal(r.status, 'committed');
    assert.equal(fx.remoteSubjects().length, 1);
    assert.equal(git(fx.clones[0]!, 'log', '-1', '--format=%s'), 'deploy(dev): demo-app 1 -> 2');
  });

  test('someone pushed another file first: rebase, then push', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1'), 'envs/staging/values.yaml': values('1') }, 2);
    const [a, b] = fx.clones;
    await runTransaction(setTag(join(b!, 'envs/staging/values.yaml'), 'staging', '7'), opts());
    // clone a has not fetched: its push is rejected, then it rebases onto staging's commit
    const r = await runTransaction(setTag(join(a!, 'envs/dev/values.yaml'), 'dev', '2'), opts({ push: 'direct' }));
    assert.equal(r.status, 'pushed');
    assert.deepEqual(fx.remoteSubjects(), ['initial environments', 'deploy(staging): demo-app 1 -> 7', 'deploy(dev): demo-app 1 -> 2']);
  });

  test('someone changed the same line first: reset to the remote, apply again, message says the new from', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1') }, 2);
    const [a, b] = fx.clones;
    const fileA = join(a!, 'envs/dev/values.yaml');
    // a commits locally first (as if its push raced), then b wins the push
    const slow = setTag(fileA, 'dev', '3');
    let calls = 0;
    const racing = {
      ...slow,
      async apply(attempt: number) {
        calls++;
        const r = await slow.apply();
        if (attempt === 1) await runTransaction(setTag(join(b!, 'envs/dev/values.yaml'), 'dev', '2'), opts());
        return r;
      },
    };
    const r = await runTransaction(racing, opts());
    assert.equal(r.status, 'pushed');
    assert.equal(calls, 2, 'the change was applied again on top of the remote');
    assert.deepEqual(fx.remoteSubjects(), ['initial environments', 'deploy(dev): demo-app 1 -> 2', 'deploy(dev): demo-app 2 -> 3']);
    assert.match(fx.remoteFile('envs/dev/values.yaml'), /tag: 3 # deployed/);
  });

  test('the same change already pushed by someone else is not duplicated', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1') }, 2);
    const [a, b] = fx.clones;
    const mine = setTag(join(a!, 'envs/dev/values.yaml'), 'dev', '2');
    const racing = {
      ...mine,
      async apply(attempt: number) {
        const r = await mine.apply();
        if (attempt === 1) await runTransaction(setTag(join(b!, 'envs/dev/values.yaml'), 'dev', '2'), opts());
        return r;
      },
    };
    const r = await runTransaction(racing, opts());
    assert.equal(r.status, 'unchanged');
    assert.deepEqual(fx.remoteSubjects(), ['initial environments', 'deploy(dev): demo-app 1 -> 2']);
  });

  test('20 concurrent bumps from 4 clones: each lands exactly once, history linear, nothing forced', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`envs/e${i}/values.yaml`] = values('0');
    const fx = fixture(files, 4);
    const bumps = Array.from({ length: 20 }, (_, i) => ({ clone: fx.clones[i % 4]!, env: `e${i % 10}`, tag: `t${i + 1}` }));
    const results = await Promise.all(bumps.map((b) => runTransaction(setTag(join(b.clone, `envs/${b.env}/values.yaml`), b.env, b.tag), opts())));
    const subjects = fx.remoteSubjects().slice(1);
    for (const b of bumps) assert.equal(subjects.filter((s) => s.endsWith(` -> ${b.tag}`) && s.startsWith(`deploy(${b.env})`)).length, 1, `${b.tag} landed once`);
    assert.equal(subjects.length, 20);
    assert.equal(git(fx.bare, 'rev-list', '--merges', '--count', 'main'), '0', 'no merge commits');
    assert.ok(results.every((r) => r.status === 'pushed'));
    // each env ends at the tag of its last commit on the remote
    for (let i = 0; i < 10; i++) {
      const last = [...subjects].reverse().find((s) => s.startsWith(`deploy(e${i})`))!;
      assert.match(fx.remoteFile(`envs/e${i}/values.yaml`), new RegExp(`tag: ${last.split(' -> ')[1]} `));
    }
    console.log(`  push attempts: ${results.map((r) => r.attempts).join(' ')}`);
  });

  test('20 concurrent bumps of the same environment: 20 commits, each from -> to chained', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('0') }, 4);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runTransaction(setTag(join(fx.clones[i % 4]!, 'envs/dev/values.yaml'), 'dev', `t${i + 1}`), opts())),
    );
    assert.ok(results.every((r) => r.status === 'pushed'));
    const subjects = fx.remoteSubjects().slice(1);
    assert.equal(subjects.length, 20);
    assert.equal(new Set(subjects.map((s) => s.split(' -> ')[1])).size, 20, 'every tag once');
    // each commit's "from" is the previous commit's "to": the history tells the truth
    let prev = '0';
    for (const s of subjects) {
      const [from, to] = s.replace('deploy(dev): demo-app ', '').split(' -> ');
      assert.equal(from, prev, s);
      prev = to!;
    }
    assert.match(fx.remoteFile('envs/dev/values.yaml'), new RegExp(`tag: ${prev} `));
  });

  test('branch mode pushes gitops-pilot/<env>/<tag> and leaves the local branch as it was', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1'), 'README.md': 'x\n' });
    const [c] = fx.clones;
    const before = git(c!, 'rev-parse', 'HEAD');
    const r = await runTransaction(setTag(join(c!, 'envs/dev/values.yaml'), 'dev', 'sha-abc1234'), opts({ push: 'branch' }));
    assert.equal(r.pushedTo, 'gitops-pilot/dev/sha-abc1234');
    assert.match(fx.remoteFile('envs/dev/values.yaml', 'gitops-pilot/dev/sha-abc1234'), /tag: sha-abc1234/);
    assert.match(fx.remoteFile('envs/dev/values.yaml'), /tag: 1 /, 'main untouched');
    assert.equal(git(c!, 'rev-parse', 'HEAD'), before);
    assert.match(read(join(c!, 'envs/dev/values.yaml')), /tag: 1 /);
    // a different commit for the same env and tag (main moved meanwhile) goes to a new branch
    writeFileSync(join(c!, 'README.md'), 'moved\n');
    git(c!, 'add', 'README.md');
    git(c!, 'commit', '-qm', 'readme');
    git(c!, 'push', '-q');
    const again = await runTransaction(setTag(join(c!, 'envs/dev/values.yaml'), 'dev', 'sha-abc1234'), opts({ push: 'branch' }));
    assert.equal(again.pushedTo, 'gitops-pilot/dev/sha-abc1234-2', 'an existing branch is never overwritten');
    assert.match(fx.remoteFile('envs/dev/values.yaml', 'gitops-pilot/dev/sha-abc1234'), /tag: sha-abc1234/);
  });

  describe('refusals change nothing', () => {
    const expectRefusal = async (fx: { remoteSubjects(): string[] }, clone: string, code: string, o = opts()) => {
      const file = join(clone, 'envs/dev/values.yaml');
      const before = read(file);
      const head = git(clone, 'rev-parse', 'HEAD');
      await assert.rejects(runTransaction(setTag(file, 'dev', '9'), o), (e: unknown) => e instanceof PilotError && e.code === code && e.kind === 'input');
      assert.equal(read(file), before);
      assert.equal(git(clone, 'rev-parse', 'HEAD'), head);
      assert.equal(fx.remoteSubjects().length, 1);
    };

    test('a dirty environment file', async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1') });
      const file = join(fx.clones[0]!, 'envs/dev/values.yaml');
      writeFileSync(file, `${read(file)}# wip\n`);
      await expectRefusal(fx, fx.clones[0]!, 'git.fileDirty');
    });

    test('a detached HEAD', async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1') });
      git(fx.clones[0]!, 'checkout', '-q', '--detach');
      await expectRefusal(fx, fx.clones[0]!, 'git.detachedHead');
    });

    test('a missing remote', async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1') });
      await expectRefusal(fx, fx.clones[0]!, 'git.noRemote', opts({ remote: 'upstream' }));
    });

    test('a remote or branch name that starts with "-"', async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1') });
      await expectRefusal(fx, fx.clones[0]!, 'git.badRemoteName', opts({ remote: '--upload-pack=touch /tmp/pwned' }));
      await expectRefusal(fx, fx.clones[0]!, 'git.badRefName', opts({ branch: '-c' }));
    });

    test('another branch checked out than the deployment branch', async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1') });
      git(fx.clones[0]!, 'checkout', '-q', '-b', 'feature');
      await expectRefusal(fx, fx.clones[0]!, 'git.wrongBranch', opts({ branch: 'main' }));
    });

    test("someone else's rebase in progress", async () => {
      const fx = fixture({ 'envs/dev/values.yaml': values('1'), 'a.txt': 'a\n' }, 2);
      const [a, b] = fx.clones;
      writeFileSync(join(b!, 'a.txt'), 'b\n');
      git(b!, 'commit', '-qam', 'b');
      git(b!, 'push', '-q');
      writeFileSync(join(a!, 'a.txt'), 'c\n');
      git(a!, 'commit', '-qam', 'c');
      git(a!, 'fetch', '-q');
      assert.throws(() => git(a!, 'rebase', 'origin/main'));
      const file = join(a!, 'envs/dev/values.yaml');
      await assert.rejects(runTransaction(setTag(file, 'dev', '9'), opts()), (e: unknown) => e instanceof PilotError && e.code === 'git.operationInProgress');
      git(a!, 'rebase', '--abort');
    });
  });

  test('a rebase we left behind (process killed) is aborted, then the bump proceeds', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1'), 'a.txt': 'a\n' }, 2);
    const [a, b] = fx.clones;
    writeFileSync(join(b!, 'a.txt'), 'b\n');
    git(b!, 'commit', '-qam', 'b');
    git(b!, 'push', '-q');
    writeFileSync(join(a!, 'a.txt'), 'c\n');
    git(a!, 'commit', '-qam', 'c');
    git(a!, 'fetch', '-q');
    assert.throws(() => git(a!, 'rebase', 'origin/main'));
    writeFileSync(join(a!, '.git', 'gitops-pilot-rebase'), '12345\n');
    const r = await runTransaction(setTag(join(a!, 'envs/dev/values.yaml'), 'dev', '9'), opts({ push: false }));
    assert.equal(r.status, 'committed');
    assert.equal(git(a!, 'status', '--porcelain'), '');
  });

  test('an unreachable remote: clear error, and the local commit stays', async () => {
    const fx = fixture({ 'envs/dev/values.yaml': values('1') });
    const [c] = fx.clones;
    git(c!, 'remote', 'set-url', '--push', 'origin', join(fx.root, 'gone.git'));
    await assert.rejects(
      runTransaction(setTag(join(c!, 'envs/dev/values.yaml'), 'dev', '2'), opts()),
      (e: unknown) => e instanceof PilotError && e.code === 'git.remoteUnreachable' && e.kind === 'failed',
    );
    assert.equal(git(c!, 'log', '-1', '--format=%s'), 'deploy(dev): demo-app 1 -> 2');
  });
});
