/**
 * Pull requests in a repository of several apps: a single app's promotion goes through its own branch
 * (gitops-pilot/prod/<app>) and pull request, so two apps' promotions never overwrite each other's; a
 * release (promote --all) goes through one branch per environment (gitops-pilot/prod/_release);
 * `pr status|merge --env prod [--app A]` picks the right one. Against the GitHub emulator, seen by the real gh.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git } from '../../support/gitRepos';
import { startGitHubEmulator, type GitHubEmulator } from '../../support/github/emulator';
import { which } from '../../support/proc';
import { makeWorld, type Layout, type World } from './world';

const TOKEN = 'ghp_pilotAppsTokenSecret0123456789ab';
const values = (app: string, tag: string) => `image:\n  repository: 127.0.0.1:5000/${app}\n  tag: ${tag}\n`;
const apps: Layout = {
  files: {
    'apps/api/staging.yaml': values('api', '1.0.1'),
    'apps/api/prod.yaml': values('api', '1.0.0'),
    'apps/web/staging.yaml': values('web', '2.0.1'),
    'apps/web/prod.yaml': values('web', '2.0.0'),
  },
  yaml: [
    'apps:',
    '  - name: api',
    '  - name: web',
    'environments:',
    '  - { name: staging, file: "apps/{app}/staging.yaml" }',
    '  - { name: prod, file: "apps/{app}/prod.yaml", promoteFrom: staging, protected: true, pushMode: pull-request }',
  ],
};

describe('pull requests of several apps: per app, and per release', { skip: !which('gh') && 'gh is not installed (apt-get install -y gh)' }, () => {
  let w: World;
  let gh: GitHubEmulator;
  const env = () => ({ GITHUB_TOKEN: TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'github', api: 'PLACEHOLDER', repository: 'acme/gitops' }, apps);
    gh = await startGitHubEmulator({ repos: { 'acme/gitops': w.fx.bare }, users: [{ login: 'pilot', token: TOKEN }], tls: w.tls });
    const cfg = join(w.app, 'gitops-pilot.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('PLACEHOLDER', gh.api));
  });
  after(async () => {
    await gh?.close();
    w?.fx.cleanup();
  });

  const headOf = (branch: string) => git(w.fx.bare, 'rev-parse', branch);
  const status = async (...args: string[]) => {
    const r = await w.cli(env(), 'pr', 'status', ...args, '--json');
    assert.equal(r.code, 3, r.err);
    return JSON.parse(r.out);
  };

  test('two apps promoted one by one: two branches, two pull requests', async () => {
    const a = await w.cli(env(), 'promote', '--from', 'api/staging', '--to', 'api/prod', '--yes', '--json');
    assert.equal(a.code, 0, a.err);
    assert.deepEqual([JSON.parse(a.out).pushedTo, JSON.parse(a.out).pullRequest.number], ['gitops-pilot/prod/api', 1]);
    const apiHead = headOf('gitops-pilot/prod/api');
    const b = await w.cli(env(), 'promote', '--from', 'web/staging', '--to', 'web/prod', '--yes', '--json');
    assert.equal(b.code, 0, b.err);
    assert.deepEqual([JSON.parse(b.out).pushedTo, JSON.parse(b.out).pullRequest.action, JSON.parse(b.out).pullRequest.number], ['gitops-pilot/prod/web', 'opened', 2]);
    assert.equal(headOf('gitops-pilot/prod/api'), apiHead, "web's promotion left api's branch alone");
    assert.match(w.fx.remoteFile('apps/api/prod.yaml', 'gitops-pilot/prod/api'), /tag: 1\.0\.1/);
    assert.match(w.fx.remoteFile('apps/web/prod.yaml', 'gitops-pilot/prod/web'), /tag: 2\.0\.1/);
    assert.match(w.fx.remoteFile('apps/web/prod.yaml', 'gitops-pilot/prod/api'), /tag: 2\.0\.0/, "api's branch holds only api's change");
    const body = gh.pulls[1]!.body;
    assert.match(body, /^<!-- gitops-pilot:promotion env=prod app=web -->$/m);
    assert.match(body, /branch `gitops-pilot\/prod\/web`/);
  });

  test('a release of both apps: one branch and pull request per environment, beside the apps\'', async () => {
    assert.equal((await w.cli(env(), 'bump', '--env', 'api/staging', '--tag', '1.0.2')).code, 0);
    assert.equal((await w.cli(env(), 'bump', '--env', 'web/staging', '--tag', '2.0.2')).code, 0);
    const mainBefore = headOf('main');
    // the environment's pushMode applies to a release too: no --push-mode needed
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.pushedTo, 'gitops-pilot/prod/_release');
    assert.deepEqual([out.pullRequest.action, out.pullRequest.number], ['opened', 3]);
    assert.equal(headOf('main'), mainBefore, 'nothing went to main');
    const pr = gh.pulls[2]!;
    assert.equal(pr.title, 'promote(prod): 2 apps from staging');
    assert.match(pr.body, /^\| `api` \| `127\.0\.0\.1:5000\/api:1\.0\.0` \| `127\.0\.0\.1:5000\/api:1\.0\.2` \| `apps\/api\/prod\.yaml` \|$/m);
    assert.match(pr.body, /^\| `web` \| `127\.0\.0\.1:5000\/web:2\.0\.0` \| `127\.0\.0\.1:5000\/web:2\.0\.2` \| `apps\/web\/prod\.yaml` \|$/m);
    assert.match(pr.body, /^\+  tag: 1\.0\.2$/m);
    assert.match(pr.body, /^\+  tag: 2\.0\.2$/m);
    const list = JSON.parse(await w.gh(gh.host, TOKEN, 'pr', 'list', '--json', 'number,headRefName', '-R', `${gh.host}/acme/gitops`));
    assert.deepEqual(list, [
      { number: 3, headRefName: 'gitops-pilot/prod/_release' },
      { number: 2, headRefName: 'gitops-pilot/prod/web' },
      { number: 1, headRefName: 'gitops-pilot/prod/api' },
    ]);
  });

  test('a newer promotion of one app updates only its own pull request', async () => {
    const webHead = headOf('gitops-pilot/prod/web');
    const releaseHead = headOf('gitops-pilot/prod/_release');
    const r = await w.cli(env(), 'promote', '--from', 'api/staging', '--to', 'api/prod', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([JSON.parse(r.out).pullRequest.action, JSON.parse(r.out).pullRequest.number], ['updated', 1]);
    assert.equal(gh.pulls[0]!.title, 'promote(prod): api 1.0.0 -> 1.0.2');
    assert.deepEqual([headOf('gitops-pilot/prod/web'), headOf('gitops-pilot/prod/_release')], [webHead, releaseHead]);
    assert.equal(gh.pulls.length, 3);
  });

  test('pr status --env prod [--app A]: the release\'s, or that app\'s', async () => {
    assert.deepEqual([(await status('--env', 'prod', '--app', 'api')).number, (await status('--env', 'prod', '--app', 'web')).number], [1, 2]);
    assert.equal((await status('--env', 'api/prod')).number, 1);
    const release = await status('--env', 'prod');
    assert.deepEqual([release.number, release.head], [3, 'gitops-pilot/prod/_release']);
    const text = await w.cli(env(), 'pr', 'status', '--env', 'prod', '--app', 'web');
    assert.match(text.out, /^web\/prod: PR #2 https:\/\/localhost:\d+\/acme\/gitops\/pull\/2$/m);
    const unknown = await w.cli(env(), 'pr', 'status', '--env', 'prod', '--app', 'nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no such environment/);
  });

  test('pr merge --app web merges only web\'s pull request', async () => {
    const noYes = await w.cli(env(), 'pr', 'merge', '--env', 'prod', '--app', 'web');
    assert.equal(noYes.code, 2);
    assert.match(noYes.err, /web\/prod is protected/);
    const m = await w.cli(env(), 'pr', 'merge', '--env', 'prod', '--app', 'web', '--yes');
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /web\/prod: PR #2 · merged/);
    assert.match(w.fx.remoteFile('apps/web/prod.yaml'), /tag: 2\.0\.1/);
    assert.match(w.fx.remoteFile('apps/api/prod.yaml'), /tag: 1\.0\.0/, "api's pull request is still open");
    assert.deepEqual(gh.pulls.map((p) => p.state), ['open', 'closed', 'open']);
  });

  test('a release is never pushed to the deployment branch of an environment in pull-request mode', async () => {
    const mainBefore = headOf('main');
    assert.equal((await w.cli(env(), 'bump', '--env', 'web/staging', '--tag', '2.0.3')).code, 0);
    const mainAfterBump = headOf('main');
    assert.notEqual(mainAfterBump, mainBefore);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes', '--push-mode', 'direct');
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /prod changes only through a pull request/);
    assert.match(r.err, /--push-mode pull-request .*gitops-pilot\/prod\/_release/);
    assert.equal(headOf('main'), mainAfterBump, 'main untouched');
    assert.equal(git(w.clone, 'status', '--porcelain'), '');
  });

  test('no token in any output', () => {
    for (const o of w.outputs) assert.ok(!o.includes(TOKEN), 'a token was printed');
    w.assertNoSecrets();
  });
});
