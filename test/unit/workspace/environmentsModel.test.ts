import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { nullLogger } from '../../../src/core/log';
import { EnvironmentsModel } from '../../../src/core/workspace/environments';
import { tempDir, writeTree } from '../../support/tmp';

const values = (tag: string) => `image:\n  repository: demo\n  tag: ${tag}\n`;

describe('EnvironmentsModel', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  test('loads every folder, fires once per load, and reads tags', async () => {
    const a = join(tmp.dir, 'a');
    writeTree(a, { 'envs/dev/values.yaml': values('1'), 'envs/prod/values.yaml': values('0') });
    const model = new EnvironmentsModel(() => [a, join(tmp.dir, 'not-a-project')], nullLogger);
    let fired = 0;
    model.onDidChange(() => fired++);
    assert.equal(model.state.kind, 'loading');
    await model.reload();
    assert.equal(fired, 1);
    assert.equal(model.state.kind, 'loaded');
    assert.deepEqual(model.environments.map((e) => [e.env.id, e.file.ok && e.file.declared.tag]), [['dev', '1'], ['prod', '0']]);
    model.dispose();
  });

  test('no project anywhere is the empty state (the welcome view shows)', async () => {
    const model = new EnvironmentsModel(() => [tmp.dir], nullLogger);
    await model.reload();
    assert.equal(model.state.kind, 'empty');
  });

  test('a changed environment file re-reads only that environment', async () => {
    const dir = join(tmp.dir, 'b');
    writeTree(dir, { 'envs/dev/values.yaml': values('1'), 'envs/staging/values.yaml': values('1') });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    const stagingBefore = model.find('staging')!;
    writeFileSync(join(dir, 'envs/dev/values.yaml'), values('2'));
    await model.filesChanged([join(dir, 'envs/dev/values.yaml')]);
    const dev = model.find('dev')!;
    assert.ok(dev.file.ok && dev.file.declared.tag === '2');
    assert.equal(model.find('staging'), stagingBefore, 'untouched entries are kept as they were');
  });

  test('a new environment folder (unknown path) triggers a full reload', async () => {
    const dir = join(tmp.dir, 'c');
    writeTree(dir, { 'envs/dev/values.yaml': values('1') });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    writeTree(dir, { 'envs/qa/values.yaml': values('3') });
    await model.filesChanged([join(dir, 'envs/qa/values.yaml')]);
    assert.deepEqual(model.environments.map((e) => e.env.id), ['dev', 'qa']);
  });

  test('a broken file is an entry with a located error, not a failed load', async () => {
    const dir = join(tmp.dir, 'd');
    writeTree(dir, { 'envs/dev/values.yaml': 'image:\n  tag: [oops\n' });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    await model.reload();
    const dev = model.find('dev')!;
    assert.ok(!dev.file.ok);
    assert.equal(dev.file.error.location?.file, join(dir, 'envs/dev/values.yaml'));
  });

  test('overlapping reloads: the last one wins and each caller sees a settled model', async () => {
    const dir = join(tmp.dir, 'e');
    writeTree(dir, { 'envs/dev/values.yaml': values('1') });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    const first = model.reload();
    writeFileSync(join(dir, 'envs/dev/values.yaml'), values('9'));
    const second = model.reload();
    await Promise.all([first, second]);
    const dev = model.find('dev')!;
    assert.ok(dev.file.ok && dev.file.declared.tag === '9');
  });

  test('an app repo whose config points at an open GitOps folder is listed once', async () => {
    const app = join(tmp.dir, 'f/app');
    const gitops = join(tmp.dir, 'f/gitops');
    writeTree(app, { 'gitops-pilot.yaml': 'gitops:\n  repo: ../gitops\n' });
    writeTree(gitops, { 'envs/dev/values.yaml': values('1') });
    const model = new EnvironmentsModel(() => [app, gitops], nullLogger);
    await model.reload();
    assert.equal(model.projects.length, 1);
    assert.equal(model.projects[0]!.project.configFile, join(app, 'gitops-pilot.yaml'));
  });
});

describe('EnvironmentsModel: queued reloads', () => {
  const tmp = tempDir();
  after(tmp.cleanup);

  test('a reload superseded by another still resolves with the data loaded (ensureLoaded during a refresh)', async () => {
    const dir = join(tmp.dir, 'q');
    writeTree(dir, { 'envs/dev/values.yaml': values('1') });
    const model = new EnvironmentsModel(() => [dir], nullLogger);
    let fired = 0;
    model.onDidChange(() => fired++);
    const first = model.reload();
    const second = model.reload(); // e.g. the refresh manager's timer firing meanwhile
    await first;
    assert.equal(model.state.kind, 'loaded', 'the first caller sees a loaded model');
    assert.equal(model.environments.length, 1);
    await second;
    assert.equal(fired, 1, 'the superseded load did no work and fired nothing');
  });
});
