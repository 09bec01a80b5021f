/**
 * The Images view's model and the deploy hooks, in plain Node: which repositories are listed (the
 * workspace's own first, a configured one that does not exist yet), tags newest first, errors kept as
 * entries instead of thrown, and how values-file repositories map to ECR. ECR is a small in-process stand-in
 * here (the integration and extension-host tests use the emulator).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Project } from '../../../src/core/config/model';
import { PilotError } from '../../../src/core/errors';
import type { EcrApi, RemoteImage, RepositoryInfo } from '../../../src/core/images/ecr';
import { nullLogger } from '../../../src/core/log';
import { imageHooks } from '../../../src/vscode/images/hooks';
import { ecrTargetOf } from '../../../src/core/images/registryCheck';
import { ImageSupport } from '../../../src/vscode/images/support';
import { ImagesModel } from '../../../src/core/workspace/images';

function project(root: string, repository: string, extra: Record<string, string> = {}): Project {
  return { root, configFile: `${root}/gitops-pilot.yaml`, config: { image: { repository, ...extra } }, gitopsRoot: root, gitops: { remote: 'origin' }, environments: [], problems: [] };
}

const repo = (name: string, over: Partial<RepositoryInfo> = {}): RepositoryInfo => ({ name, uri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`, immutable: false, scanOnPush: true, ...over });
const image = (digestChar: string, tags: string[], pushedAt: string, over: Partial<RemoteImage> = {}): RemoteImage => ({ digest: `sha256:${digestChar.repeat(64)}`, tags, pushedAt, sizeBytes: 2_000_000, ...over });

/** Stands in for EcrApi's listing calls. */
function fakeApi(opts: { repositories?: RepositoryInfo[] | Error; images?: Record<string, RemoteImage[] | Error> } = {}): { api: EcrApi; calls: string[] } {
  const calls: string[] = [];
  const api = {
    async repositories() {
      calls.push('repositories');
      if (opts.repositories instanceof Error) throw opts.repositories;
      return opts.repositories ?? [];
    },
    async images(name: string) {
      calls.push(`images ${name}`);
      const r = opts.images?.[name];
      if (r instanceof Error) throw r;
      return [...(r ?? [])].sort((a, b) => (b.pushedAt ?? '').localeCompare(a.pushedAt ?? ''));
    },
    async image(name: string, tag: string) {
      calls.push(`image ${name}:${tag}`);
      const r = opts.images?.[name];
      if (r instanceof Error) throw r;
      return (r ?? []).find((i) => i.tags.includes(tag));
    },
    async scanFindings() {
      return undefined;
    },
  } as unknown as EcrApi;
  return { api, calls };
}

describe('ImagesModel', () => {
  test('lists the workspace repositories first, then the registry\'s others by name; a configured one not in ECR is marked missing', async () => {
    const { api, calls } = fakeApi({ repositories: [repo('alpha'), repo('demo-app'), repo('zeta')] });
    const projects = [project('/w/app', '123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app'), project('/w/new', '123456789012.dkr.ecr.us-east-1.amazonaws.com/brand-new')];
    const m = new ImagesModel({ projects: () => projects, api: async () => api, disabled: () => undefined, log: nullLogger });
    let changes = 0;
    m.onDidChange(() => changes++);
    await m.reload();
    assert.equal(m.state.kind, 'loaded');
    assert.deepEqual(m.repositories.map((r) => [r.name, r.projects.length, r.missing]), [
      ['brand-new', 1, true],
      ['demo-app', 1, false],
      ['alpha', 0, false],
      ['zeta', 0, false],
    ]);
    assert.deepEqual(calls, ['repositories'], 'one listing per registry, tags only when asked');
    assert.ok(changes >= 1);
    assert.deepEqual(await m.images(m.repositories[0]!), [], 'a missing repository has no tags and is not asked for them');
  });

  test('tags newest first, one entry per tag; read once until forced', async () => {
    const { api, calls } = fakeApi({
      repositories: [repo('demo-app')],
      images: { 'demo-app': [image('a', ['1.0.0'], '2026-01-01T00:00:00Z'), image('b', ['3f9a1c2', 'main-3f9a1c2'], '2026-03-01T00:00:00Z')] },
    });
    const m = new ImagesModel({ projects: () => [project('/w', '123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app')], api: async () => api, disabled: () => undefined, log: nullLogger });
    await m.reload();
    const r = m.findRepository('123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app')!;
    assert.deepEqual((await m.images(r)).map((t) => t.tag), ['3f9a1c2', 'main-3f9a1c2', '1.0.0']);
    await m.images(r);
    assert.equal(calls.filter((c) => c.startsWith('images')).length, 1);
    await m.invalidate('demo-app');
    assert.equal(calls.filter((c) => c.startsWith('images')).length, 2);
  });

  test('errors become entries: a registry that cannot be listed still shows the configured repository; tags that fail show their error', async () => {
    const denied = new PilotError('aws.accessDenied', 'access denied: your AWS identity may not ecr:DescribeRepositories', { hint: 'Ask for it' });
    const { api } = fakeApi({ repositories: denied, images: { 'demo-app': new PilotError('ecr.unreachable', 'the ECR API cannot be reached', { hint: 'Check the network' }) } });
    const m = new ImagesModel({ projects: () => [project('/w', '123456789012.dkr.ecr.us-east-1.amazonaws.com/demo-app')], api: async () => api, disabled: () => undefined, log: nullLogger });
    await m.reload();
    assert.equal(m.state.kind, 'loaded');
    assert.deepEqual(m.problems.map((p) => p.code), ['aws.accessDenied']);
    assert.deepEqual(m.repositories.map((r) => [r.name, r.missing]), [['demo-app', false]]);
    assert.deepEqual(await m.images(m.repositories[0]!), []);
    const state = m.repositories[0]!.images;
    assert.ok(state.kind === 'failed' && state.error.code === 'ecr.unreachable');
  });

  test('disabled (Restricted Mode): no ECR call at all; empty when no project names an image', async () => {
    const { api, calls } = fakeApi({ repositories: [repo('demo-app')] });
    const m = new ImagesModel({ projects: () => [project('/w', 'demo-app')], api: async () => api, disabled: () => 'Trust this workspace', log: nullLogger });
    await m.reload();
    assert.deepEqual(m.state, { kind: 'disabled', reason: 'Trust this workspace' });
    assert.deepEqual(calls, []);
    const none = new ImagesModel({ projects: () => [], api: async () => api, disabled: () => undefined, log: nullLogger });
    await none.reload();
    assert.equal(none.state.kind, 'empty');
  });
});

describe('deploy hooks', () => {
  const projects = [project('/w', '127.0.0.1:5000/demo-app', { region: 'us-east-1' })];

  test('values-file repositories map to ECR targets: the configured one, a bare name, any *.dkr.ecr.* URI, nothing else', () => {
    assert.equal(ecrTargetOf('127.0.0.1:5000/demo-app', projects)?.name, 'demo-app');
    assert.equal(ecrTargetOf('127.0.0.1:5999/demo-app', projects), undefined);
    assert.deepEqual(ecrTargetOf('210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/api', projects), { configured: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/api', registry: '210987654321.dkr.ecr.eu-west-1.amazonaws.com', name: 'team/api', region: 'eu-west-1', account: '210987654321' });
    assert.equal(ecrTargetOf('ghcr.io/org/app', projects), undefined);
    assert.equal(ecrTargetOf('anything.example.com/demo-app', [project('/w', 'demo-app')])?.name, 'demo-app');
  });

  test('checkImage: exists with its digest, missing, or unreachable (never throws)', async () => {
    const { api } = fakeApi({ images: { 'demo-app': [image('c', ['3f9a1c2'], '2026-03-01T00:00:00Z')] } });
    const support = new ImageSupport(() => ({ dockerPath: 'docker', ecrEndpoint: '', awsProfile: '', awsRegion: '', gitPath: '' }), nullLogger);
    support.api = async () => api;
    const h = imageHooks(support, () => projects, () => true);
    assert.deepEqual(await h.checkImage({ repository: '127.0.0.1:5000/demo-app', tag: '3f9a1c2' }), { exists: true, digest: `sha256:${'c'.repeat(64)}` });
    assert.deepEqual(await h.checkImage({ repository: '127.0.0.1:5000/demo-app', tag: 'nope' }), { exists: false });
    assert.ok('unreachable' in (await h.checkImage({ repository: 'ghcr.io/org/app', tag: '1' })));
    support.api = async () => {
      throw new PilotError('ecr.unreachable', 'the ECR API cannot be reached');
    };
    assert.deepEqual(await h.checkImage({ repository: '127.0.0.1:5000/demo-app', tag: '3f9a1c2' }), { unreachable: 'the ECR API cannot be reached' });
    const untrusted = imageHooks(support, () => projects, () => false);
    assert.ok('unreachable' in (await untrusted.checkImage({ repository: '127.0.0.1:5000/demo-app', tag: '3f9a1c2' })));
  });

  test('recentTags: every tag, newest first, with when and how big', async () => {
    const { api } = fakeApi({ images: { 'demo-app': [image('a', ['1.0.0'], '2020-01-01T00:00:00Z', { sizeBytes: 1536 }), image('b', ['3f9a1c2'], new Date().toISOString())] } });
    const support = new ImageSupport(() => ({ dockerPath: 'docker', ecrEndpoint: '', awsProfile: '', awsRegion: '', gitPath: '' }), nullLogger);
    support.api = async () => api;
    const tags = await imageHooks(support, () => projects, () => true).recentTags('127.0.0.1:5000/demo-app');
    assert.deepEqual(tags.map((t) => t.tag), ['3f9a1c2', '1.0.0']);
    assert.match(tags[0]!.description!, /^in ECR · pushed just now · 1\.9 MB$/);
    assert.match(tags[1]!.description!, /pushed \d+ years ago · 1\.5 KB$/);
    assert.equal(tags[1]!.detail, `sha256:${'a'.repeat(64)}`);
  });

});
