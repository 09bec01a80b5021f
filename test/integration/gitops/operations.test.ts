/**
 * Bump, promote and roll back through the real CLI bundle (dist/cli.js) on real git repositories: the
 * same commands a pipeline runs. The file diffs are the edited scalar only; the remote gets exactly one
 * commit per operation; every refusal exits 2 and changes nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { environmentHistory } from '../../../src/core/gitops/history';
import { loadProject } from '../../../src/core/config/project';
import { nullLogger } from '../../../src/core/log';
import { cli } from '../../support/cliProcess';
import { git, gitFixture, type GitFixture } from '../../support/gitRepos';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const files = {
  'envs/dev/values.yaml': '# dev: bumped on every merge\nimage:\n  repository: 127.0.0.1:5000/demo-app\n  tag: 1.0.4 # set by the pipeline\nreplicaCount: 2\n',
  'envs/staging/values.yaml': 'image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: "1.0.3"\n',
  'envs/prod/values.yaml': "image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: '1.0.2'\n  digest: \"\"\n",
  'README.md': 'gitops\n',
};

/** Lines that differ between two texts (same line count expected). */
function changedLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  assert.equal(x.length, y.length, 'no lines added or removed');
  return y.filter((l, i) => l !== x[i]);
}

describe('bump, promote, rollback through the CLI', () => {
  let fx: GitFixture;
  let work: string;
  before(() => {
    fx = gitFixture(files, 1);
    work = fx.clones[0]!;
  });
  after(() => fx.cleanup());
  const file = (env: string) => readFileSync(join(work, `envs/${env}/values.yaml`), 'utf8');

  test('bump: one commit on the remote, only the tag bytes changed, trailers recorded', () => {
    const before = file('dev');
    const r = cli(work, 'bump', '--env', 'dev', '--tag', 'sha-abc1234', '--source-commit', '0123abc', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).status, 'pushed');
    assert.deepEqual(changedLines(before, file('dev')), ['  tag: sha-abc1234 # set by the pipeline']);
    assert.equal(fx.remoteSubjects().at(-1), 'deploy(dev): demo-app 1.0.4 -> sha-abc1234');
    const body = git(fx.bare, 'log', '-1', '--format=%b', 'main');
    assert.match(body, /^Environment: dev$/m);
    assert.match(body, /^Source-Commit: 0123abc$/m);
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/demo-app:sha-abc1234$/m);
  });

  test('bump to the tag it already has: nothing committed', () => {
    const n = fx.remoteSubjects().length;
    const r = cli(work, 'bump', '--env', 'dev', '--tag', 'sha-abc1234');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /already at/);
    assert.equal(fx.remoteSubjects().length, n);
  });

  test('promote copies the exact tag; the target keeps its quoting', () => {
    const r = cli(work, 'promote', '--from', 'dev', '--to', 'staging');
    assert.equal(r.code, 0, r.err);
    assert.match(file('staging'), /^ {2}tag: "sha-abc1234"$/m);
    assert.equal(fx.remoteSubjects().at(-1), 'promote(staging): demo-app 1.0.3 -> sha-abc1234');
    assert.match(git(fx.bare, 'log', '-1', '--format=%b', 'main'), /^Promoted-From: dev$/m);
  });

  test('protected prod: exit 2 without --yes, and nothing changes', () => {
    const before = file('prod');
    const n = fx.remoteSubjects().length;
    const r = cli(work, 'promote', '--from', 'staging', '--to', 'prod');
    assert.equal(r.code, 2);
    assert.match(r.err, /prod is protected/);
    assert.equal(file('prod'), before);
    assert.equal(fx.remoteSubjects().length, n);
  });

  test('a promotion that skips the order: exit 2', () => {
    const r = cli(work, 'promote', '--from', 'dev', '--to', 'prod', '--yes');
    assert.equal(r.code, 2);
    assert.match(r.err, /prod receives images from staging, not from dev/);
  });

  test('a mutable tag into a protected environment: exit 2 even with --yes', () => {
    const r = cli(work, 'bump', '--env', 'prod', '--tag', 'latest', '--yes');
    assert.equal(r.code, 2);
    assert.match(r.err, /mutable tag/);
  });

  test('invalid tags and digests: exit 2, file untouched', () => {
    const before = file('dev');
    for (const args of [['--tag', '-rf'], ['--tag', 'a b'], ['--tag', 'x'.repeat(129)], ['--tag', 'ok', '--digest', 'sha256:xyz']]) {
      const r = cli(work, 'bump', '--env', 'dev', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    }
    assert.equal(file('dev'), before);
  });

  test('promote into prod with --yes carries tag and digest', () => {
    assert.equal(cli(work, 'bump', '--env', 'staging', '--tag', '1.1.0', '--digest', DIGEST).code, 0);
    const r = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.match(file('prod'), /tag: '1\.1\.0'\n {2}digest: "sha256:(ab){32}"/);
  });

  test('rollback undoes the last deployment with git revert (a new commit)', () => {
    const r = cli(work, 'rollback', '--env', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.equal(fx.remoteSubjects().at(-1), 'rollback(prod): demo-app 1.1.0 -> 1.0.2');
    assert.equal(file('prod'), files['envs/prod/values.yaml'], 'byte-identical to before the promotion');
    assert.match(git(fx.bare, 'log', '-1', '--format=%b', 'main'), /^Reverts: [0-9a-f]{40}$/m);
  });

  test('history lists each image change with from and to; rollback --to picks one', async () => {
    const project = (await loadProject(work))!;
    const dev = project.environments.find((e) => e.id === 'dev')!;
    cli(work, 'bump', '--env', 'dev', '--tag', '2.0.0');
    // a commit that changes another line of the file is not a deployment
    writeFileSync(join(work, 'envs/dev/values.yaml'), file('dev').replace('replicaCount: 2', 'replicaCount: 3'));
    git(work, 'commit', '-qam', 'scale dev');
    const history = await environmentHistory(dev, { log: nullLogger });
    assert.deepEqual(history.map((h) => [h.kind, h.before?.tag, h.after?.tag]), [
      ['deploy', 'sha-abc1234', '2.0.0'],
      ['deploy', '1.0.4', 'sha-abc1234'],
      ['other', undefined, '1.0.4'], // the commit that created the file
    ]);
    assert.equal(history[0]!.author, 'Test Author');
    const target = history[1]!.sha;
    const r = cli(work, 'rollback', '--env', 'dev', '--to', target.slice(0, 10));
    assert.equal(r.code, 0, r.err);
    assert.match(file('dev'), /tag: sha-abc1234 # set by the pipeline/);
    assert.match(file('dev'), /replicaCount: 3/, 'only the tag moved back');
  });

  test('rollback --to an unknown commit: exit 2', () => {
    const r = cli(work, 'rollback', '--env', 'dev', '--to', 'deadbeef');
    assert.equal(r.code, 2);
    assert.match(r.err, /not in the deploy history/);
  });

  test('--no-push commits locally', () => {
    const n = fx.remoteSubjects().length;
    const r = cli(work, 'bump', '--env', 'dev', '--tag', '2.0.1', '--no-push');
    assert.equal(r.code, 0, r.err);
    assert.equal(fx.remoteSubjects().length, n);
    assert.equal(git(work, 'log', '-1', '--format=%s'), 'deploy(dev): demo-app sha-abc1234 -> 2.0.1');
  });

  test('set-image edits one file without git and refuses bad input with exit 2', () => {
    const f = join(work, 'envs/staging/values.yaml');
    const before = readFileSync(f, 'utf8');
    assert.equal(cli(work, 'set-image', '--file', 'envs/staging/values.yaml', '--path', 'image.tag', '--tag', '9.9.9').code, 0);
    // staging was bumped with a digest above: a new tag alone drops it (kustomize edit set image's rule)
    assert.match(before, /^ {2}digest: sha256:/m);
    assert.deepEqual(changedLines(before, readFileSync(f, 'utf8')), ['  tag: "9.9.9"', '  digest: ""']);
    const now = readFileSync(f, 'utf8');
    for (const args of [
      ['--path', 'image.nope.tag', '--tag', '1'],
      ['--path', 'image', '--tag', '1'],
      ['--path', 'image.tag', '--tag', '$(rm -rf /)'],
      ['--path', 'image.tag', '--kustomize-image', 'x', '--tag', '1'],
    ]) {
      const r = cli(work, 'set-image', '--file', 'envs/staging/values.yaml', ...args);
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code} ${r.err}`);
    }
    assert.equal(readFileSync(f, 'utf8'), now);
  });
});
