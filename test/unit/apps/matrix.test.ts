import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { appsOf, appSummary, diffFromModel, groupByApp, groupByEnvironment, groupDiff, groupSummary, tallyHealth, worstHealth } from '../../../src/core/apps/matrix';
import { nullLogger } from '../../../src/core/log';
import { computeImageEdits } from '../../../src/core/release/commitImages';
import { describeAppDiff } from '../../../src/core/release/diff';
import { releasePlanText } from '../../../src/core/release/promote';
import { readFileSync } from 'node:fs';
import { EnvironmentsModel } from '../../../src/core/workspace/environments';
import { tempDir, writeTree } from '../../support/tmp';

const image = (app: string, tag: string) => `image:\n  repository: reg.example/${app}\n  tag: ${tag}\n`;

async function load(dir: string) {
  const model = new EnvironmentsModel(() => [dir], nullLogger);
  await model.reload();
  assert.equal(model.state.kind, 'loaded');
  return model.projects[0]!;
}

describe('the app × environment matrix of the Environments tree', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  test('env → apps: one group per environment name, its apps in order, compared with the environment they come from', async () => {
    const dir = join(tmp.dir, 'many');
    const files: Record<string, string> = {};
    for (const app of ['api', 'web', 'worker']) {
      files[`envs/dev/${app}.yaml`] = image(app, 'd1');
      files[`envs/staging/${app}.yaml`] = image(app, 's1');
      files[`envs/prod/${app}.yaml`] = image(app, app === 'api' ? 'p0' : 's1');
    }
    files['envs/prod/worker.yaml'] = image('worker', 'p0');
    writeTree(dir, files);
    const p = await load(dir);
    assert.deepEqual(appsOf(p), ['api', 'web', 'worker']);
    const g = groupByEnvironment(p)!;
    assert.ok(g, 'several apps are grouped');
    assert.deepEqual(g.rest, []);
    assert.deepEqual(
      g.groups.map((x) => [x.name, x.source, x.entries.map((e) => e.env.app)]),
      [
        ['dev', undefined, ['api', 'web', 'worker']],
        ['staging', 'dev', ['api', 'web', 'worker']],
        ['prod', 'staging', ['api', 'web', 'worker']],
      ],
    );
    const prod = g.groups.find((x) => x.name === 'prod')!;
    assert.deepEqual(groupDiff(p, prod)!.apps.map((a) => [a.app, a.status, a.fromImage?.tag, a.toImage?.tag]), [
      ['api', 'differs', 's1', 'p0'],
      ['web', 'same', 's1', 's1'],
      ['worker', 'differs', 's1', 'p0'],
    ]);
    assert.equal(groupSummary(p, prod), '3 apps · 2 differ from staging');
    assert.equal(groupSummary(p, prod, ['degraded', 'healthy', undefined]), '3 apps · 2 differ from staging · 1 degraded');
    assert.equal(groupSummary(p, prod, ['progressing', 'drift', 'progressing']), '3 apps · 2 differ from staging · 2 rolling out · 1 drift');
    assert.equal(groupSummary(p, prod, ['error', 'degraded', 'healthy']), '3 apps · 2 differ from staging · 1 degraded · 1 cluster unavailable');
    assert.equal(groupSummary(p, g.groups[0]!), '3 apps', 'the first environment has nothing to compare with');
    assert.equal(groupSummary(p, g.groups[1]!), '3 apps · 3 differ from dev');
  });

  test('an app missing on one side, and an unreadable file, are said so', async () => {
    const dir = join(tmp.dir, 'partial');
    writeTree(dir, {
      'envs/staging/api.yaml': image('api', 's1'),
      'envs/staging/web.yaml': image('web', 's1'),
      'envs/staging/new.yaml': image('new', 's1'),
      'envs/prod/api.yaml': image('api', 's1'),
      'envs/prod/web.yaml': image('web', 'p1'),
    });
    const p = await load(dir);
    const prod = groupByEnvironment(p)!.groups.find((x) => x.name === 'prod')!;
    assert.deepEqual(prod.entries.map((e) => e.env.app), ['api', 'web']);
    const d = diffFromModel(p, 'staging', 'prod');
    assert.deepEqual(d.apps.map((a) => [a.app, a.status]).sort(), [['api', 'same'], ['new', 'only-from'], ['web', 'differs']]);
    assert.equal(groupSummary(p, prod), '2 apps · 1 differs from staging');
    // the model's file state says unreadable without reading again
    const broken = { ...p, environments: p.environments.map((e) => (e.env.id === 'web/prod' ? { ...e, file: { ok: false as const, error: new Error('bad') as never } } : e)) };
    const g2 = groupByEnvironment(broken)!.groups.find((x) => x.name === 'prod')!;
    assert.equal(groupSummary(broken, g2), '2 apps · 0 differ from staging · 1 unreadable');
  });

  test('app → envs: one group per app, its environments in promotion order, summed up', async () => {
    const dir = join(tmp.dir, 'byapp');
    const files: Record<string, string> = {};
    for (const app of ['api', 'web']) {
      files[`envs/dev/${app}.yaml`] = image(app, 'd1');
      files[`envs/staging/${app}.yaml`] = image(app, app === 'api' ? 'd1' : 's0');
      files[`envs/prod/${app}.yaml`] = image(app, app === 'api' ? 'd1' : 's0');
    }
    writeTree(dir, files);
    const p = await load(dir);
    const g = groupByApp(p)!;
    assert.deepEqual(g.rest, []);
    assert.deepEqual(g.groups.map((x) => [x.app, x.entries.map((e) => e.env.name)]), [
      ['api', ['dev', 'staging', 'prod']],
      ['web', ['dev', 'staging', 'prod']],
    ]);
    assert.equal(appSummary(p, g.groups[0]!), '3 environments', 'api runs d1 everywhere');
    assert.equal(appSummary(p, g.groups[1]!), '3 environments · 1 behind', 'web: staging differs from dev; prod is the same as staging');
    assert.equal(appSummary(p, g.groups[1]!, ['healthy', 'degraded', 'progressing']), '3 environments · 1 behind · 1 degraded · 1 rolling out');
  });

  test('the worst live state of a group is what its icon shows; no cluster state: none', () => {
    assert.equal(worstHealth(tallyHealth(['healthy', 'progressing', 'drift'])), 'drift');
    assert.equal(worstHealth(tallyHealth(['healthy', 'error', 'degraded'])), 'degraded');
    assert.equal(worstHealth(tallyHealth(['healthy', 'healthy'])), 'healthy');
    assert.equal(worstHealth(tallyHealth([undefined, undefined])), undefined);
    assert.deepEqual(tallyHealth(['healthy', 'healthy', undefined, 'degraded']), { connecting: 0, progressing: 0, healthy: 2, degraded: 1, drift: 0, error: 0 });
  });

  test('a single-app project is not grouped (shown as before)', async () => {
    const dir = join(tmp.dir, 'single');
    writeTree(dir, { 'envs/staging/values.yaml': image('api', 's1'), 'envs/prod/values.yaml': image('api', 'p1') });
    const p = await load(dir);
    assert.deepEqual(appsOf(p), []);
    assert.equal(groupByEnvironment(p), undefined);
    assert.equal(groupByApp(p), undefined, 'nor by app: the toggle changes nothing for it');
  });

  test('a release preview: every file computed in memory (nothing written), and the plan as text', async () => {
    const dir = join(tmp.dir, 'preview');
    writeTree(dir, {
      'envs/staging/api.yaml': image('api', 's1'),
      'envs/staging/web.yaml': image('web', 's2'),
      'envs/staging/db.yaml': image('db', 'same'),
      'envs/prod/api.yaml': image('api', 'p1'),
      'envs/prod/web.yaml': image('web', 'p2'),
      'envs/prod/db.yaml': image('db', 'same'),
    });
    const p = await load(dir);
    const prod = p.environments.filter((e) => e.env.name === 'prod' && e.env.app !== 'db').map((e) => e.env);
    const edits = prod.map((env) => ({ env, change: { tag: env.app === 'api' ? 's1' : 's2', digest: null } }));
    const { original, text, applied } = await computeImageEdits(edits);
    for (const env of prod) {
      assert.equal(readFileSync(env.file, 'utf8'), original.get(env.file), 'nothing written');
      assert.equal(text.get(env.file), image(env.app!, env.app === 'api' ? 's1' : 's2'));
    }
    const plan = { from: 'staging', to: 'prod', edits: edits.map((e) => ({ ...e, app: e.env.app!, source: {} })), unchanged: ['db'] };
    assert.equal(
      releasePlanText(plan, applied),
      [
        'Promote 2 apps from staging to prod in one commit',
        '',
        `  ${'api'.padEnd(24)} p1 → s1    envs/prod/api.yaml`,
        `  ${'web'.padEnd(24)} p2 → s2    envs/prod/web.yaml`,
        '',
        'Already the same: db',
        '',
      ].join('\n'),
    );
  });

  test('Compare Environments rows: what differs, what is the same, what is on one side only', async () => {
    const dir = join(tmp.dir, 'compare');
    writeTree(dir, {
      'envs/staging/api.yaml': image('api', 's1'),
      'envs/staging/web.yaml': image('web', 'w1'),
      'envs/staging/new.yaml': image('new', 'n1'),
      'envs/prod/api.yaml': image('api', 'p1'),
      'envs/prod/web.yaml': image('web', 'w1'),
    });
    const p = await load(dir);
    const d = diffFromModel(p, 'staging', 'prod');
    const rows = Object.fromEntries(d.apps.map((a) => [a.app, describeAppDiff(a, d)]));
    assert.deepEqual(rows.api, { label: 'api', description: 'p1 → s1', detail: 'prod differs from staging' });
    assert.deepEqual(rows.web, { label: 'web', description: 'w1', detail: 'same in staging and prod' });
    assert.deepEqual(rows.new, { label: 'new', description: 'staging: envs/staging/new.yaml', detail: 'only in staging' });
    const withCommits = describeAppDiff({ ...d.apps.find((a) => a.app === 'api')!, commits: { ahead: 3, behind: 0 } }, d);
    assert.equal(withCommits.detail, 'prod differs from staging · 3 commits ahead');
  });
});
