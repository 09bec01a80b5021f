/**
 * The real `gh pr list`, `gh pr view` and `gh pr checks` (Debian's gh, which reads pull requests through
 * GraphQL) see exactly the pull request the product opened on the GitHub emulator, and see it merged after
 * `gitops-pilot pr merge`.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { git } from '../../support/gitRepos';
import { startGitHubEmulator, type GitHubEmulator } from '../../support/github/emulator';
import { which } from '../../support/proc';
import { makeWorld, type World } from './world';

const TOKEN = 'ghp_pilotCliTokenSecret0123456789abc';
const ALICE = 'ghp_aliceCliTokenSecret0123456789abc';

describe('gh pr list / view / checks see the promotion pull request', { skip: !which('gh') && 'gh is not installed (apt-get install -y gh)' }, () => {
  let w: World;
  let gh: GitHubEmulator;
  const env = () => ({ GITHUB_TOKEN: TOKEN });
  before(async () => {
    w = makeWorld({ provider: 'github', api: 'PLACEHOLDER', repository: 'acme/gitops', labels: ['deploy', 'prod'], reviewers: ['alice'] });
    gh = await startGitHubEmulator({ repos: { 'acme/gitops': w.fx.bare }, users: [{ login: 'pilot', token: TOKEN }, { login: 'alice', token: ALICE }], tls: w.tls, requireApproval: true });
    const cfg = join(w.app, 'gitops-pilot.yaml');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('PLACEHOLDER', gh.api));
  });
  after(async () => {
    await gh?.close();
    w?.fx.cleanup();
  });

  const ghPr = (token: string, ...args: string[]) => w.gh(gh.host, token, 'pr', ...args, '-R', `${gh.host}/acme/gitops`);
  const ghJson = async (...args: string[]) => JSON.parse(await ghPr(TOKEN, ...args));

  test('gh pr list shows exactly the pull request the promotion opened', async () => {
    const r = await w.cli(env(), 'promote', '--from', 'staging', '--to', 'prod', '--yes');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /opened PR #1/);
    const list = await ghJson('list', '--json', 'number,title,state,headRefName,baseRefName,labels,isDraft,author');
    assert.deepEqual(list, [
      {
        number: 1,
        title: 'promote(prod): demo-app 1.0.2 -> 1.0.3',
        state: 'OPEN',
        headRefName: 'gitops-pilot/prod',
        baseRefName: 'main',
        isDraft: false,
        author: { id: 'U_pilot', is_bot: false, login: 'pilot', name: 'pilot' },
        labels: [
          { id: 'LA_1', name: 'deploy', description: '', color: 'ededed' },
          { id: 'LA_2', name: 'prod', description: '', color: 'ededed' },
        ],
      },
    ]);
    // the table gh prints for people
    assert.match(await ghPr(TOKEN, 'list'), /^1\tpromote\(prod\): demo-app 1\.0\.2 -> 1\.0\.3\tgitops-pilot\/prod\tOPEN\t/m);
  });

  test('gh pr view: title, body with the diff, head/base, labels, reviewers, state', async () => {
    const v = await ghJson('view', '1', '--json', 'title,body,headRefName,baseRefName,headRefOid,labels,reviewRequests,state,url,mergeable,reviewDecision,additions,deletions,changedFiles');
    assert.equal(v.title, 'promote(prod): demo-app 1.0.2 -> 1.0.3');
    assert.equal(v.body, gh.pulls[0]!.body, 'the body the product wrote, unchanged');
    assert.match(v.body, /^-  tag: 1\.0\.2 # promoted by review$/m);
    assert.match(v.body, /^\+  tag: 1\.0\.3 # promoted by review$/m);
    assert.deepEqual([v.headRefName, v.baseRefName, v.headRefOid], ['gitops-pilot/prod', 'main', git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod')]);
    assert.deepEqual(v.labels.map((l: { name: string }) => l.name), ['deploy', 'prod']);
    assert.deepEqual(v.reviewRequests, [{ __typename: 'User', login: 'alice' }]);
    assert.deepEqual([v.state, v.mergeable, v.reviewDecision], ['OPEN', 'MERGEABLE', 'REVIEW_REQUIRED']);
    assert.deepEqual([v.additions, v.deletions, v.changedFiles], [1, 1, 1], 'one line of one file moves');
    assert.match(v.url, /^https:\/\/localhost:\d+\/acme\/gitops\/pull\/1$/);
    const text = await ghPr(TOKEN, 'view', '1');
    assert.match(text, /^title:\tpromote\(prod\): demo-app 1\.0\.2 -> 1\.0\.3$/m);
    assert.match(text, /^labels:\tdeploy, prod$/m);
    assert.match(text, /^reviewers:\talice \(Requested\)$/m);
  });

  test('gh pr checks and pr status agree on the commit status CI posted', async () => {
    const sha = git(w.fx.bare, 'rev-parse', 'gitops-pilot/prod');
    await w.gh(gh.host, TOKEN, 'api', '-X', 'POST', `repos/acme/gitops/statuses/${sha}`, '-f', 'state=success', '-f', 'context=ci/validate');
    assert.match(await ghPr(TOKEN, 'checks', '1'), /^ci\/validate\tpass\t/m);
    const s = await w.cli(env(), 'pr', 'status', '--env', 'prod', '--json');
    assert.equal(s.code, 3, s.err);
    assert.deepEqual(JSON.parse(s.out).checks, { total: 1, passed: 1, failed: 0, pending: 0 });
  });

  test('after alice approves and gitops-pilot pr merge merges, gh shows it merged into main', async () => {
    await w.gh(gh.host, ALICE, 'api', '-X', 'POST', 'repos/acme/gitops/pulls/1/reviews', '-f', 'event=APPROVE');
    assert.equal((await ghJson('view', '1', '--json', 'reviewDecision')).reviewDecision, 'APPROVED');
    const m = await w.cli(env(), 'pr', 'merge', '--env', 'prod', '--yes');
    assert.equal(m.code, 0, m.err);
    const v = await ghJson('view', '1', '--json', 'state,mergedAt,mergeCommit,mergedBy');
    assert.equal(v.state, 'MERGED');
    assert.equal(v.mergeCommit.oid, git(w.fx.bare, 'rev-parse', 'main'), 'the merge commit is main now');
    assert.equal(v.mergedBy.login, 'pilot');
    assert.ok(v.mergedAt);
    assert.deepEqual(await ghJson('list', '--json', 'number'), [], 'no open pull request is left');
    assert.deepEqual(await ghJson('list', '--state', 'merged', '--json', 'number,state'), [{ number: 1, state: 'MERGED' }]);
    assert.match(w.fx.remoteFile('envs/prod/values.yaml'), /^ {2}tag: 1\.0\.3 # promoted by review$/m);
  });

  test('no token in any output', () => {
    for (const o of w.outputs) assert.ok(!o.includes(TOKEN) && !o.includes(ALICE), 'a token was printed');
    w.assertNoSecrets();
  });
});
