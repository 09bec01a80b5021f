/**
 * The Workspace facade in plain Node, over a real git repository in a temp folder: what loads when a
 * view is shown or hidden, and that a history is forgotten (and read again while shown) when its file
 * changes or when the repository's HEAD moves by a commit made with git itself, not by this extension.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EcrApi } from '../../../src/core/images/ecr';
import { KubeSession } from '../../../src/core/kube/session';
import { nullLogger } from '../../../src/core/log';
import type { Event } from '../../../src/core/util/events';
import { tagKey } from '../../../src/core/workspace/images';
import { ClusterMappings } from '../../../src/core/workspace/live';
import { Workspace } from '../../../src/core/workspace/workspace';
import { git } from '../../support/gitRepos';
import { tempDir, writeTree } from '../../support/tmp';
import { MemoryMemento } from '../../support/memento';

const values = (tag: string) => `image:\n  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app\n  tag: ${tag}\n`;
const config = [
  'image:',
  '  repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app',
  'environments:',
  '  - { name: dev, file: envs/dev/values.yaml, cluster: { context: nowhere, namespace: dev }, workload: deployment/demo-app }',
  '  - { name: prod, file: envs/prod/values.yaml, promoteFrom: dev }',
  '',
].join('\n');

/** Resolves when `ok()` holds, checked after each event (never on a timer). */
function when<T>(event: Event<T>, ok: () => boolean): Promise<void> {
  if (ok()) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = event(() => {
      if (!ok()) return;
      sub.dispose();
      resolve();
    });
  });
}

describe('Workspace', () => {
  const tmp = tempDir('gitops-pilot-ws-');
  const repo = join(tmp.dir, 'gitops');
  const devFile = join(repo, 'envs/dev/values.yaml');
  const session = new KubeSession({ kubeconfig: () => ({ files: [join(tmp.dir, 'no-kubeconfig')], origin: 'setting' }) });
  let ecrCalls: string[] = [];
  const repository = (name: string) => ({ name, uri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`, immutable: false, scanOnPush: true });
  const api = {
    async repositories() {
      ecrCalls.push('repositories');
      return [repository('demo-app'), repository('other')];
    },
    async images(name: string) {
      ecrCalls.push(`images ${name}`);
      return [{ digest: `sha256:${'a'.repeat(64)}`, tags: ['1.0.1'], pushedAt: '2026-01-01T00:00:00Z', scanStatus: 'COMPLETE' }];
    },
    async scanFindings(name: string) {
      ecrCalls.push(`findings ${name}`);
      return { status: 'COMPLETE', findings: [] };
    },
  } as unknown as EcrApi;

  function workspace(): Workspace {
    return new Workspace({
      folders: () => [repo],
      log: nullLogger,
      git: () => ({ log: nullLogger }),
      trusted: () => true,
      images: { api: async () => api },
      live: { session: () => session, mappings: new ClusterMappings(new MemoryMemento()) },
    });
  }

  const commit = (message: string, files: Record<string, string>) => {
    writeTree(repo, files);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', message);
  };

  before(() => {
    git(tmp.dir, 'init', '-q', '-b', 'main', repo);
    commit('initial', { 'gitops-pilot.yaml': config, 'envs/dev/values.yaml': values('1.0.0'), 'envs/prod/values.yaml': values('0.9.0') });
    commit('deploy(dev): demo-app 1.0.0 -> 1.0.1', { 'envs/dev/values.yaml': values('1.0.1') });
  });
  after(async () => {
    await session.dispose();
    tmp.cleanup();
  });

  test('hidden views load nothing and watch nothing; shown, each loads once; changes while hidden load once when shown again', async () => {
    const ws = workspace();
    let loads = 0;
    ws.environments.onDidChange(() => loads++);
    ecrCalls = [];

    await ws.filesChanged([devFile]);
    await ws.headMoved([repo]);
    ws.historyVisibilityChanged(devFile, true);
    await ws.viewVisibilityChanged('images', false);
    assert.equal(loads, 0, 'no load while nothing shows');
    assert.equal(ws.environments.state.kind, 'loading');
    assert.equal(ws.history.loads, 0, 'no git log while hidden');
    assert.equal(ws.live!.watched, 0, 'no watch while hidden');
    assert.deepEqual(ecrCalls, [], 'ECR not asked while hidden');

    await ws.viewVisibilityChanged('environments', true);
    assert.equal(loads, 1, 'shown: one load');
    assert.deepEqual(ws.environments.environments.map((e) => e.env.id), ['dev', 'prod']);
    assert.equal(ws.live!.watched, 1, 'dev says where it runs: watched while shown');
    await when(ws.history.onDidChange, () => ws.history.state(ws.environments.find('dev')!.env).kind === 'loaded');
    assert.equal(ws.history.loads, 1, 'the History row that shows is read once');

    await ws.viewVisibilityChanged('environments', false);
    assert.equal(ws.live!.watched, 0, 'hidden again: the watch stops');
    writeFileSync(devFile, values('1.0.2'));
    await ws.filesChanged([devFile]);
    await ws.filesChanged([devFile]);
    assert.equal(loads, 1, 'changes while hidden only remembered');
    assert.equal(ws.history.loads, 1, 'nor is the history read');
    const dev = ws.environments.find('dev')!;
    assert.equal(dev.file.ok && dev.file.declared.tag, '1.0.1', 'the model still holds what it read');

    await ws.viewVisibilityChanged('environments', true);
    assert.equal(loads, 2, 'shown again: one load for all that changed');
    const dev2 = ws.environments.find('dev')!;
    assert.equal(dev2.file.ok && dev2.file.declared.tag, '1.0.2');

    const images = ws.images!;
    const settled = () => when(images.onDidChange, () => images.repositories.every((r) => r.images.kind !== 'loading'));
    await ws.viewVisibilityChanged('images', true);
    await settled();
    assert.deepEqual(ecrCalls, ['repositories', 'images demo-app'], 'shown: one listing, and the tags of the repository this workspace builds (its row shows expanded)');
    await ws.viewVisibilityChanged('images', false);
    await ws.viewVisibilityChanged('images', true);
    assert.deepEqual(ecrCalls, ['repositories', 'images demo-app'], 'shown again with nothing changed: nothing read');
    const other = images.findRepository('other')!;
    ws.imageRowVisibilityChanged(other.key, true);
    await settled();
    assert.deepEqual(ecrCalls.slice(2), ['images other'], 'another repository: its tags when its row is expanded');
    const tag = images.findRepository('demo-app')!.images;
    assert.equal(tag.kind, 'loaded');
    ws.imageRowVisibilityChanged(tagKey(tag.kind === 'loaded' ? tag.value[0]! : (undefined as never)), true);
    await when(images.onDidChange, () => ecrCalls.includes('findings demo-app'));
    ecrCalls = [];
    await ws.viewVisibilityChanged('images', false);
    await ws.settingsChanged(['ecr']);
    assert.deepEqual(ecrCalls, [], 'other ECR settings while hidden: remembered');
    await ws.viewVisibilityChanged('images', true);
    await settled();
    assert.deepEqual(ecrCalls.slice(0, 3).sort(), ['images demo-app', 'images other', 'repositories'], 'shown: listed again, with the rows that are expanded');
    ws.dispose();
    writeFileSync(devFile, values('1.0.1'));
  });

  test('a history is forgotten and read again when its file changes, and when git moves HEAD outside the editor', async () => {
    const ws = workspace();
    await ws.viewVisibilityChanged('environments', true);
    const env = ws.environments.find('dev')!.env;
    const prod = ws.environments.find('prod')!.env;
    const tags = () => {
      const s = ws.history.state(env);
      return s.kind === 'loaded' ? s.value.map((r) => r.after?.tag) : s.kind;
    };
    ws.historyVisibilityChanged(env.file, true);
    await when(ws.history.onDidChange, () => ws.history.state(env).kind === 'loaded');
    assert.deepEqual(tags(), ['1.0.1', '1.0.0']);
    await ws.history.get(prod);
    assert.equal(ws.history.state(prod).kind, 'loaded', 'a command read prod\'s history');

    // an edit of the file (not committed yet): the history is read again while shown
    writeFileSync(env.file, values('1.0.3'));
    const loadsBefore = ws.history.loads;
    await ws.filesChanged([env.file]);
    assert.notEqual(ws.history.state(env).kind, 'loaded', 'forgotten at once');
    assert.equal(ws.history.state(prod).kind, 'loaded', 'another file\'s history stays');
    await when(ws.history.onDidChange, () => ws.history.state(env).kind === 'loaded');
    assert.equal(ws.history.loads, loadsBefore + 1);

    // a commit made in a terminal: the file does not change, HEAD does
    git(repo, 'commit', '-q', '-am', 'deploy(dev): demo-app 1.0.1 -> 1.0.3');
    await ws.headMoved([repo]);
    assert.equal(ws.history.state(prod).kind, 'idle', 'every history of the repository is forgotten');
    await when(ws.history.onDidChange, () => ws.history.state(env).kind === 'loaded');
    assert.deepEqual(tags(), ['1.0.3', '1.0.1', '1.0.0'], 'the History rows show the terminal commit');
    assert.equal(ws.history.state(prod).kind, 'idle', 'prod\'s History is not shown: not read again');

    // collapsed: forgotten on the next move, not read
    ws.historyVisibilityChanged(env.file, false);
    commit('deploy(dev): demo-app 1.0.3 -> 1.0.4', { 'envs/dev/values.yaml': values('1.0.4') });
    const loads = ws.history.loads;
    await ws.headMoved([repo]);
    assert.equal(ws.history.state(env).kind, 'idle');
    assert.equal(ws.history.loads, loads, 'no git log for a History nobody sees');
    const records = await ws.history.get(env);
    assert.equal(records[0]!.after?.tag, '1.0.4', 'a command (Roll Back…) reads the current history');
    ws.dispose();
  });

  test('a deployment made here forgets the history of its file and reads the file again', async () => {
    const ws = workspace();
    await ws.viewVisibilityChanged('environments', true);
    const env = ws.environments.find('dev')!.env;
    await ws.history.get(env);
    commit('deploy(dev): demo-app 1.0.4 -> 1.0.5', { 'envs/dev/values.yaml': values('1.0.5') });
    await ws.deploymentMade(env);
    assert.equal(ws.history.state(env).kind, 'idle');
    const dev = ws.environments.find('dev')!;
    assert.equal(dev.file.ok && dev.file.declared.tag, '1.0.5');
    ws.dispose();
  });

  test('Refresh reads everything again; in Restricted Mode no history is read', async () => {
    const ws = new Workspace({ folders: () => [repo], log: nullLogger, git: () => ({ log: nullLogger }), trusted: () => false });
    let loads = 0;
    ws.environments.onDidChange(() => loads++);
    await ws.viewVisibilityChanged('environments', true);
    ws.historyVisibilityChanged(devFile, true);
    await ws.refresh('environments');
    assert.equal(loads, 2);
    assert.equal(ws.history.loads, 0, 'git is not run in an untrusted workspace');
    ws.dispose();
  });
});
