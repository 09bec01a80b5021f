/**
 * A release of many apps through the bundled CLI, on real git with a bare remote: diff, promote --all in
 * ONE commit (atomic when the 7th file is malformed), the guards for every app, and the release rolled back.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli } from '../../support/cliProcess';
import { git, gitFixture, read, type GitFixture } from '../../support/gitRepos';
import { tempDir } from '../../support/tmp';

const APPS = Array.from({ length: 12 }, (_, i) => `app${String(i + 1).padStart(2, '0')}`);
const values = (app: string, tag: string) => `# ${app}\nreplicaCount: 2\nimage:\n  repository: reg.example/shop/${app}\n  tag: ${tag}\n`;
const stagingTag = (i: number) => `sha-${(0xa000000 + i * 17).toString(16)}`;
const prodTag = (i: number) => `sha-${(0xb000000 + i * 17).toString(16)}`;

describe('release: many apps, one commit', () => {
  let fx: GitFixture;
  let work: string;
  let appRepo: string;
  const tmp = tempDir();
  const commits: string[] = [];
  before(() => {
    // an app repository whose commits app01's tags name
    appRepo = join(tmp.dir, 'app01');
    mkdirSync(appRepo);
    git(appRepo, 'init', '-q', '--initial-branch=main');
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(appRepo, 'main.go'), `// ${i}\n`);
      git(appRepo, 'add', '-A');
      git(appRepo, 'commit', '-q', '-m', `change ${i}`);
      commits.push(git(appRepo, 'rev-parse', '--short=7', 'HEAD'));
    }
    const files: Record<string, string> = {};
    APPS.forEach((app, i) => {
      // app12 already runs staging's image in prod; app01's tags are commits of its repository, 3 apart
      const s = i === 0 ? `sha-${commits[3]}` : stagingTag(i);
      const p = i === 0 ? `sha-${commits[0]}` : i === 11 ? s : prodTag(i);
      files[`envs/staging/${app}.yaml`] = values(app, s);
      files[`envs/prod/${app}.yaml`] = values(app, p);
    });
    fx = gitFixture(files);
    work = fx.clones[0]!;
  });
  after(() => {
    fx?.cleanup();
    tmp.cleanup();
  });

  const head = () => git(work, 'rev-parse', 'HEAD');
  const prodFiles = () => APPS.map((a) => read(join(work, `envs/prod/${a}.yaml`)));

  test('diff lists the apps that differ, with the commits between git-SHA tags when the app repository is at hand', () => {
    const r = cli(work, 'diff', '--from', 'staging', '--to', 'prod', '--json', '--app-repo', tmp.dir);
    assert.equal(r.code, 0, r.err);
    const d = JSON.parse(r.out);
    assert.equal(d.summary, '12 apps · 11 differ from staging');
    assert.deepEqual(d.apps.filter((a: { status: string }) => a.status === 'same').map((a: { app: string }) => a.app), ['app12']);
    const a1 = d.apps.find((a: { app: string }) => a.app === 'app01');
    assert.deepEqual(a1.commits, { ahead: 3, behind: 0 });
    assert.equal(a1.to.tag, `sha-${commits[0]}`);
    assert.equal(d.apps.find((a: { app: string }) => a.app === 'app02').commits, null, 'not a commit of any repository at hand');
    const text = cli(work, 'diff', '--from', 'staging', '--to', 'prod');
    assert.equal(text.code, 0);
    assert.match(text.out, /app02\s+sha-a000011\s+sha-b000011\s+differs/);
    assert.match(text.out, /12 apps · 11 differ from staging/);
  });

  test('a malformed 7th file: exit 2, no file changed, no commit', () => {
    const file = join(work, 'envs/prod/app07.yaml');
    writeFileSync(file, 'image:\n  repository: reg.example/shop/app07\n  tag: [unclosed\n');
    git(work, 'commit', '-q', '-am', 'a broken file');
    const start = head();
    const before = prodFiles();
    const r = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes');
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /app07/);
    assert.equal(head(), start);
    assert.deepEqual(prodFiles(), before);
    assert.equal(git(work, 'status', '--porcelain'), '');
    git(work, 'reset', '-q', '--hard', 'origin/main');
  });

  test('protected prod: without --yes, or with a mutable tag in one app, nothing is written', () => {
    const start = head();
    const before = prodFiles();
    const r = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--all');
    assert.equal(r.code, 2);
    assert.match(r.err, /protected/);
    writeFileSync(join(work, 'envs/staging/app03.yaml'), values('app03', 'latest'));
    git(work, 'commit', '-q', '-am', 'latest in staging');
    const m = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes');
    assert.equal(m.code, 2);
    assert.match(m.err, /mutable tag/);
    assert.deepEqual(prodFiles(), before);
    git(work, 'reset', '-q', '--hard', start);
    const which = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(which.code, 2);
    assert.match(which.err, /several apps/);
  });

  let release = '';
  test('promote --all: one commit "promote(prod): 11 apps from staging" with an Image: trailer per app, pushed', () => {
    const r = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.status, 'pushed');
    assert.equal(out.apps.length, 11);
    assert.deepEqual(out.unchanged, []);
    release = out.commit;
    assert.deepEqual(fx.remoteSubjects().slice(-1), ['promote(prod): 11 apps from staging']);
    const body = git(fx.bare, 'log', '-1', '--format=%B', 'main');
    const images = body.split('\n').filter((l) => l.startsWith('Image: '));
    assert.equal(images.length, 11);
    assert.ok(images.includes(`Image: reg.example/shop/app02:${stagingTag(1)}`));
    assert.equal(git(fx.bare, 'show', '--name-only', '--format=', 'main').split('\n').length, 11, 'the 11 files, nothing else');
    APPS.forEach((app, i) => assert.equal(fx.remoteFile(`envs/prod/${app}.yaml`), values(app, i === 0 ? `sha-${commits[3]}` : stagingTag(i)).trimEnd()));
    const again = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'app02', '--app', 'app12', '--yes', '--json');
    assert.equal(again.code, 0, again.err);
    assert.equal(JSON.parse(again.out).status, 'unchanged');
    const unknown = cli(work, 'promote', '--from', 'staging', '--to', 'prod', '--app', 'nope', '--yes');
    assert.equal(unknown.code, 2);
  });

  test('rollback --release reverts every app that commit moved, in one commit', () => {
    const r = cli(work, 'rollback', '--release', release, '--yes');
    assert.equal(r.code, 0, r.err);
    assert.equal(fx.remoteSubjects().slice(-1)[0], `rollback(prod): 11 apps of ${release.slice(0, 7)}`);
    APPS.forEach((app, i) => {
      const tag = i === 0 ? `sha-${commits[0]}` : i === 11 ? stagingTag(i) : prodTag(i);
      assert.equal(fx.remoteFile(`envs/prod/${app}.yaml`), values(app, tag).trimEnd());
    });
    assert.equal(cli(work, 'rollback', '--release', release).code, 2, 'protected: needs --yes');
  });
});
