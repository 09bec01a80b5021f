/**
 * Promotion through a GitLab merge request, end to end through the bundled CLI, against the GitLab
 * emulator over TLS on a real bare repository; the real python-gitlab client sees, approves, closes and
 * merges what the product made.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git } from '../../support/gitRepos';
import { startGitLabEmulator, type GitLabEmulator } from '../../support/gitlab/emulator';
import { run } from '../../support/proc';
import { makeWorld, type World } from './world';

const TOKEN = 'glpat-pilotTokenSecret0123456789';
const ALICE = 'glpat-aliceTokenSecret0123456789';
const READER = 'glpat-readerTokenSecret012345678';
const PY = '/usr/bin/python3';
const hasPythonGitlab = existsSync(PY) && (() => {
  try {
    return require('node:child_process').spawnSync(PY, ['-c', 'import gitlab'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

describe('pull-request push mode on GitLab', { skip: !hasPythonGitlab && 'python3-gitlab is not installed (apt-get install -y python3-gitlab)' }, () => {
  let w: World;
  let gl: GitLabEmulator;
  const env = () => ({ GITLAB_TOKEN: TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'gitlab', api: 'PLACEHOLDER', repository: 'acme/gitops', labels: ['deploy', 'prod'], reviewers: ['alice'] });
    gl = await startGitLabEmulator({ projects: { 'acme/gitops': w.fx.bare }, users: [{ username: 'pilot', token: TOKEN }, { username: 'alice', token: ALICE }, { username: 'reader', token: READER, scopes: ['read_api'] }], tls: w.tls, approvalsRequired: 1 });
    const cfg = join(w.app, 'gitops-pilot.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('PLACEHOLDER', `${gl.origin}/api/v4`));
  });
  after(async () => {
    await gl?.close();
    w?.fx.cleanup();
  });

  /** the real python-gitlab command line */
  async function pyGitlab(token: string, ...args: string[]): Promise<any> {
    const cfg = join(w.fx.root, `gl-${token.slice(6, 11)}.cfg`);
    writeFileSync(cfg, `[global]\ndefault = local\nssl_verify = ${w.tls.certFile}\n[local]\nurl = ${gl.origin}\nprivate_token = ${token}\napi_version = 4\n`, { mode: 0o600 });
    const r = await run(PY, ['-m', 'gitlab', '-c', cfg, '-o', 'json', ...args], { env: { PATH: process.env.PATH, HOME: w.fx.root }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `python-gitlab ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  }
  const mr = (...more: string[]) => ['project-merge-request', ...more.slice(0, 1), '--project-id', 'acme/gitops', ...more.slice(1)];

  test('a token without the api scope: refused before anything is pushed, naming the scope', async () => {
    // the token's own scopes, as the real python-gitlab reads them from the emulator
    const cfg = join(w.fx.root, 'gl-reader.cfg');
    writeFileSync(cfg, `[global]\ndefault = local\nssl_verify = ${w.tls.certFile}\n[local]\nurl = ${gl.origin}\nprivate_token = ${READER}\napi_version = 4\n`, { mode: 0o600 });
    const py = await run(PY, ['-c', `import gitlab, json, sys; g = gitlab.Gitlab.from_config('local', [sys.argv[1]]); print(json.dumps(g.http_get('/personal_access_tokens/self')['scopes']))`, cfg], { env: { PATH: process.env.PATH, HOME: w.fx.root }, timeoutMs: 60_000 });
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), ['read_api']);
    const r = await w.cli({ GITLAB_TOKEN: READER }, 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /the GitLab token may not open merge requests in acme\/gitops \(the token has scopes: read_api; this needs: api\)/);
    assert.match(r.err, /api scope/);
    assert.equal(git(w.fx.bare, 'branch', '--list', 'gitops-pilot/*'), '', 'nothing pushed');
  });

  test('promote to prod opens a merge request python-gitlab sees exactly', async () => {
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /opened MR !1 · review required: https:\/\/localhost:\d+\/acme\/gitops\/-\/merge_requests\/1/);
    const list = await pyGitlab(TOKEN, ...mr('list'));
    assert.equal(list.length, 1);
    const m = list[0];
    assert.equal(m.title, 'promote(prod): demo-app 1.0.2 -> 1.0.3');
    assert.equal(m.source_branch, 'gitops-pilot/prod');
    assert.equal(m.target_branch, 'main');
    assert.equal(m.sha, git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod'));
    assert.deepEqual(m.labels, ['deploy', 'prod']);
    assert.deepEqual(m.reviewers.map((u: any) => u.username), ['alice']);
    assert.match(m.description, /^\+  tag: 1\.0\.3 # promoted by review$/m);
    assert.match(m.description, /\/acme\/gitops\/-\/commit\/[0-9a-f]{40}\)/);
  });

  test('a newer promotion updates the same merge request', async () => {
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.5')).code, 0);
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes', '--json');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([JSON.parse(r.out).pullRequest.action, JSON.parse(r.out).pullRequest.number], ['updated', 1]);
    const m = await pyGitlab(TOKEN, ...mr('get', '--iid', '1'));
    assert.equal(m.title, 'promote(prod): demo-app 1.0.2 -> 1.0.5');
    assert.equal((await pyGitlab(TOKEN, ...mr('list'))).length, 1);
  });

  test('merge waits for the approval; after python-gitlab approves, pr merge merges and pr status --wait ends', async () => {
    const refused = await w.cli(env(), 'pr', 'merge', '--env', 'prod', '--yes');
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /cannot be merged: needs approval/);
    const noYes = await w.cli(env(), 'pr', 'merge', '--env', 'prod');
    assert.equal(noYes.code, 2);
    assert.match(noYes.err, /prod is protected/);
    const waiting = w.cli(env(), 'pr', 'status', '--env', 'prod', '--wait', '--interval', '50ms', '--json');
    await pyGitlab(ALICE, ...mr('approve', '--iid', '1'));
    const merged = await w.cli(env(), 'pr', 'merge', '--env', 'prod', '--yes');
    assert.equal(merged.code, 0, merged.err);
    assert.match(merged.out, /prod: MR !1 · merged/);
    const r = await waiting;
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).state, 'merged');
    assert.match(w.fx.remoteFile('envs/prod/values.yaml'), /^ {2}tag: 1\.0\.5 # promoted by review$/m, 'the merge really merged');
    assert.equal((await pyGitlab(TOKEN, ...mr('get', '--iid', '1'))).state, 'merged');
  });

  test('a merge request someone closed: pr status says who and what to do; the next promotion opens a new one', async () => {
    assert.equal((await w.cli(env(), 'bump', '--env', 'staging', '--tag', '1.0.6')).code, 0);
    assert.equal((await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes')).code, 0);
    await pyGitlab(ALICE, ...mr('update', '--iid', '2', '--state-event', 'close'));
    const s = await w.cli(env(), 'pr', 'status', '--env', 'prod');
    assert.equal(s.code, 1);
    assert.match(s.err, /MR !2 · closed was closed without merging by alice/);
    assert.match(s.err, /Promote again to open a new pull request/);
    const again = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /opened MR !3/);
    assert.match(again.out, /MR !2 · closed, had been closed without merging/);
    await pyGitlab(ALICE, ...mr('approve', '--iid', '3'));
    const m = await pyGitlab(ALICE, ...mr('merge', '--iid', '3'));
    assert.equal(m.state, 'merged');
    assert.equal((await w.cli(env(), 'pr', 'status', '--env', 'prod')).code, 0);
    assert.match(w.fx.remoteFile('envs/prod/values.yaml'), /^ {2}tag: 1\.0\.6 # promoted by review$/m);
  });

  test('no token in any output or git config', () => {
    for (const o of w.outputs) assert.ok(![TOKEN, ALICE, READER].some((t) => o.includes(t)), 'a token was printed');
    w.assertNoSecrets();
    assert.doesNotMatch(git(w.clone, 'config', '--list'), /glpat-/);
  });
});
