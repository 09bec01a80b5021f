/**
 * The core parts of a release through its pull request in the editor: the PullRequestsModel reads the release's
 * pull request (gitops-pilot/prod/_release) beside each app's, for the environments of several apps whose
 * releases go through one; and after its merge, mergedRelease catches the clone up once and describes each app
 * the merge moved as its own deployment. Real projects and real git; the host is a stub that records what it
 * was asked (the GitHub emulator runs in the integration and extension-host tiers).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { nullLogger } from '../../../src/core/log';
import type { PullRequestSession } from '../../../src/core/pullRequests/flow';
import { mergedRelease } from '../../../src/core/pullRequests/merged';
import type { PullRequest, PullRequestHost } from '../../../src/core/pullRequests/types';
import { EnvironmentsModel, type ProjectEntry } from '../../../src/core/workspace/environments';
import { PullRequestsModel, releaseKey, isReleaseKey } from '../../../src/core/workspace/pullRequests';
import { entryKey } from '../../../src/core/workspace/live';
import { git, gitFixture } from '../../support/gitRepos';
import { tempDir, writeTree } from '../../support/tmp';

const APPS = ['api', 'web', 'worker'];
const values = (app: string, tag: string) => `# ${app}\nimage:\n  repository: reg.example/${app}\n  tag: "${tag}"\n`;
const CONFIG = `gitops:
  repo: .
  branch: main
  pullRequests: { provider: github, api: "https://ghe.example/api/v3", repository: acme/gitops }
apps:
${APPS.map((a) => `  - { name: ${a}, image: reg.example/${a} }`).join('\n')}
environments:
  - name: staging
    file: envs/staging/{app}.yaml
  - name: prod
    file: envs/prod/{app}.yaml
    promoteFrom: staging
    pushMode: pull-request
`;

function files(prod: Record<string, string>): Record<string, string> {
  const f: Record<string, string> = { 'gitops-pilot.yaml': CONFIG };
  for (const a of APPS) {
    f[`envs/staging/${a}.yaml`] = values(a, '2.0.0');
    f[`envs/prod/${a}.yaml`] = values(a, prod[a] ?? '1.0.0');
  }
  return f;
}

function pr(n: number, head: string, state: PullRequest['state'] = 'open', extra: Partial<PullRequest> = {}): PullRequest {
  return { provider: 'github', number: n, url: `https://ghe.example/acme/gitops/pull/${n}`, title: `#${n}`, state, draft: false, head, base: 'main', headSha: `${n}`.padStart(40, '0'), checks: { total: 1, passed: 1, failed: 0, pending: 0 }, review: 'none', mergeable: true, ...extra };
}

/** A host whose pull requests are what `prs` holds per head branch; `asked` records each find. */
function stubHost(prs: Map<string, PullRequest>, asked: string[]): PullRequestHost {
  const no = () => Promise.reject(new Error('not used here'));
  return { provider: 'github', check: async () => undefined, find: async (head) => (asked.push(head), prs.get(head)), get: no, create: no, update: no, merge: no };
}

async function load(dir: string): Promise<{ model: EnvironmentsModel; p: ProjectEntry }> {
  const model = new EnvironmentsModel(() => [dir], nullLogger);
  await model.reload();
  assert.equal(model.state.kind, 'loaded');
  return { model, p: model.projects[0]! };
}

describe('the release pull request in the editor: the model', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  async function world(name: string, prs: Map<string, PullRequest>, connect?: () => Promise<never>) {
    const dir = join(tmp.dir, name);
    writeTree(dir, files({}));
    const { model: environments, p } = await load(dir);
    const asked: string[] = [];
    let connects = 0;
    const session = (project: ProjectEntry['project']): PullRequestSession => ({ project, target: {} as PullRequestSession['target'], host: stubHost(prs, asked), base: 'main' });
    const model = new PullRequestsModel({ environments, enabled: () => true, connect: async (project) => (connects++, connect ? connect() : session(project)) });
    const changed: string[] = [];
    model.onDidChange((k) => changed.push(k));
    return { p, model, asked, changed, target: { project: p.project, name: 'prod' }, connects: () => connects };
  }

  test('an environment of several apps in pull-request mode is a release target; the others are not', async () => {
    const w = await world('targets', new Map());
    assert.deepEqual(w.model.releases.map((r) => r.name), ['prod']);
    assert.equal(w.model.releaseState({ project: w.p.project, name: 'staging' }), undefined, 'staging pushes directly');
    assert.deepEqual(w.model.releaseState(w.target), { kind: 'idle' });
    assert.ok(isReleaseKey(releaseKey(w.target)));
    assert.ok(!isReleaseKey(entryKey(w.p.environments[0]!)), 'never an environment key');
  });

  test('refresh() reads every app\'s pull request and the release\'s, over one session', async () => {
    const prs = new Map([['gitops-pilot/prod/_release', pr(3, 'gitops-pilot/prod/_release')], ['gitops-pilot/prod/web', pr(2, 'gitops-pilot/prod/web', 'merged')]]);
    const w = await world('read', prs);
    await w.model.refresh();
    assert.deepEqual([...w.asked].sort(), ['gitops-pilot/prod/_release', 'gitops-pilot/prod/api', 'gitops-pilot/prod/web', 'gitops-pilot/prod/worker']);
    assert.equal(w.connects(), 1);
    assert.equal(w.model.currentRelease(w.target)?.number, 3);
    assert.equal(w.model.current(w.p.environments.find((e) => e.env.id === 'web/prod')!)?.number, 2);
    assert.ok(w.changed.includes(releaseKey(w.target)), 'the release key fired');
    assert.ok(w.model.hasOpen);
  });

  test('only the release open: the interval reads just it; refresh([], [target]) reads just it', async () => {
    const prs = new Map([['gitops-pilot/prod/_release', pr(3, 'gitops-pilot/prod/_release')]]);
    const w = await world('open', prs);
    await w.model.refresh();
    assert.ok(w.model.hasOpen, 'an open release pull request keeps the interval going');
    w.asked.length = 0;
    await w.model.refreshOpen();
    assert.deepEqual(w.asked, ['gitops-pilot/prod/_release']);
    w.asked.length = 0;
    await w.model.refresh([], [w.target]);
    assert.deepEqual(w.asked, ['gitops-pilot/prod/_release']);
    w.asked.length = 0;
    await w.model.refresh([w.p.environments.find((e) => e.env.id === 'api/prod')!]);
    assert.deepEqual(w.asked, ['gitops-pilot/prod/api'], 'entries given: no release read');
    // merged meanwhile: what our Merge got back shows at once, and nothing is open any more
    w.model.setRelease(w.target, pr(3, 'gitops-pilot/prod/_release', 'merged'));
    assert.equal(w.model.currentRelease(w.target)?.state, 'merged');
    assert.ok(!w.model.hasOpen);
  });

  test('no token: the release row fails with the error (and its next step), and reads again once one is set', async () => {
    const w = await world('noToken', new Map(), () => Promise.reject(new PilotError('pr.noToken', 'no GitHub token to open the pull request in acme/gitops', { hint: 'Set one' })));
    await w.model.refresh([], [w.target]);
    const s = w.model.releaseState(w.target);
    assert.equal(s?.kind, 'failed');
    assert.equal(s?.kind === 'failed' && s.error.code, 'pr.noToken');
    await w.model.refresh([], [w.target]);
    assert.equal(w.connects(), 2, 'a failed session is not kept');
  });

  test('a project of one app has no release target', async () => {
    const dir = join(tmp.dir, 'single');
    writeTree(dir, { 'gitops-pilot.yaml': 'environments:\n  - { name: prod, file: envs/prod/values.yaml, pushMode: pull-request }\n', 'envs/prod/values.yaml': values('demo', '1.0.0') });
    const { model: environments } = await load(dir);
    const model = new PullRequestsModel({ environments, enabled: () => true, connect: () => Promise.reject(new Error('not asked')) });
    assert.deepEqual(model.releases, []);
  });
});

describe('the release pull request in the editor: after its merge', () => {
  test('mergedRelease: one catch-up of the clone, one deployment per app the merge moved, before = the target before the merge', async () => {
    const fx = gitFixture(files({ worker: '2.0.0' }), 2);
    try {
      const [mine, reviewer] = fx.clones as [string, string];
      // the release branch, merged on the "host" (a merge commit, as GitHub makes) while this clone stayed behind
      git(reviewer, 'checkout', '-q', '-b', 'gitops-pilot/prod/_release');
      writeTree(reviewer, { 'envs/prod/api.yaml': values('api', '2.0.0'), 'envs/prod/web.yaml': values('web', '2.0.0') });
      git(reviewer, 'commit', '-qam', 'promote(prod): 2 apps from staging');
      git(reviewer, 'checkout', '-q', 'main');
      git(reviewer, 'merge', '-q', '--no-ff', '-m', 'Merge pull request #1', 'gitops-pilot/prod/_release');
      git(reviewer, 'push', '-q', 'origin', 'main');
      const mergeCommit = git(reviewer, 'rev-parse', 'HEAD');
      const { p } = await load(mine);
      const session: PullRequestSession = { project: p.project, target: {} as PullRequestSession['target'], host: stubHost(new Map(), []), base: 'main' };
      // what the tree last read (stale for web on purpose: the first parent of the merge says what it was)
      const apps = p.environments.filter((e) => e.env.name === 'prod').map((e) => ({ env: e.env, before: e.env.app === 'web' ? { repository: 'reg.example/web', tag: 'stale' } : e.file.ok ? e.file.declared : {} }));
      const merged = pr(1, 'gitops-pilot/prod/_release', 'merged', { mergeCommit });
      const r = await mergedRelease(session, apps, merged, { log: nullLogger });
      assert.deepEqual(r.results.map((x) => [x.env.app, x.before.tag, x.after.tag, x.commit, x.status, x.pushedTo]), [
        ['api', '1.0.0', '2.0.0', mergeCommit, 'pushed', 'main'],
        ['web', '1.0.0', '2.0.0', mergeCommit, 'pushed', 'main'],
      ], 'worker did not move');
      assert.equal(r.localUpdated, true);
      assert.equal(git(mine, 'rev-parse', 'HEAD'), mergeCommit, 'the clone fast-forwarded to the merge');
      await assert.rejects(mergedRelease(session, apps, { ...merged, state: 'open' }, { log: nullLogger }), (e: PilotError) => e.code === 'pr.notMerged');
    } finally {
      fx.cleanup();
    }
  });
});
