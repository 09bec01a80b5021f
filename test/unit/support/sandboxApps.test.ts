/**
 * The three-app sandbox's repositories load as the product reads them: the GitOps repository's apps:
 * config (the Argo CD template, and Flux's per-app lists) without a problem, nine environments with their
 * Application or HelmRelease, workload and namespace; the same layout discovered without that config; and
 * demo-app's repository with its single-app view. Real files and git (writeLayout), no servers.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { THREE_APPS } from '../../support/sandbox/apps';
import { writeLayout } from '../../support/sandbox/layout';
import { tempDir } from '../../support/tmp';

const ENVS = ['dev', 'staging', 'prod'];
const layoutFor = (dir: string, engine: 'argocd' | 'flux') =>
  writeLayout(dir, { repository: '127.0.0.1:5000/demo-app', server: 'http://127.0.0.1:1', region: 'us-east-1', account: '123456789012', engine, apps: 3 });

describe('the three-app sandbox layout', () => {
  const tmp = tempDir('gitops-pilot-sandbox-apps-');
  after(tmp.cleanup);

  for (const engine of ['argocd', 'flux'] as const) {
    test(`${engine}: the GitOps repository's apps: config gives nine environments, each with its app's image, workload and ${engine === 'flux' ? 'HelmRelease' : 'Application'}`, async () => {
      const layout = layoutFor(join(tmp.dir, engine), engine);
      const p = await loadProject(layout.gitopsClone);
      assert.ok(p?.configFile, 'gitops-pilot.yaml at the GitOps repository root');
      assert.deepEqual(p.problems.map((e) => e.message), []);
      assert.deepEqual(p.environments.map((e) => e.id).sort(), THREE_APPS.flatMap((a) => ENVS.map((e) => `${a}/${e}`)).sort());
      for (const e of p.environments) {
        const app = e.app!;
        assert.equal(e.relFile, `${app}/envs/${e.name}/values.yaml`);
        assert.deepEqual(e.workload, { kind: 'deployment', name: app });
        assert.deepEqual(e.cluster, { context: `sandbox-${e.name}`, namespace: e.name });
        if (engine === 'flux') assert.deepEqual(e.flux, { kind: 'HelmRelease', name: `${app}-${e.name}`, namespace: 'flux-system' });
        else assert.deepEqual(e.argocd, { application: `${app}-${e.name}`, namespace: 'argocd' });
        assert.equal(e.protected, e.name === 'prod');
        assert.equal(e.promoteFrom, { dev: undefined, staging: `${app}/dev`, prod: `${app}/staging` }[e.name]);
      }
      assert.equal(p.config?.apps?.find((a) => a.name === 'worker')?.image, '127.0.0.1:5000/worker');

      // demo-app's developer: its own dev, staging and prod, in the GitOps repository's demo-app folder
      const own = await loadProject(layout.appRepo);
      assert.deepEqual(own?.problems, []);
      assert.deepEqual(own?.environments.map((e) => [e.id, e.relFile, e.app]), ENVS.map((e) => [e, `demo-app/envs/${e}/values.yaml`, undefined]));
    });
  }

  test('without its gitops-pilot.yaml the layout is discovered: <app>/envs/<env>/values.yaml, promoted dev → staging → prod', async () => {
    const layout = layoutFor(join(tmp.dir, 'discovered'), 'argocd');
    rmSync(join(layout.gitopsClone, 'gitops-pilot.yaml'));
    const p = await loadProject(layout.gitopsClone);
    assert.equal(p?.configFile, undefined);
    assert.deepEqual(p?.problems, []);
    assert.deepEqual(p?.environments.map((e) => e.id).sort(), THREE_APPS.flatMap((a) => ENVS.map((e) => `${a}/${e}`)).sort());
    assert.equal(p?.environments.find((e) => e.id === 'api/prod')?.promoteFrom, 'api/staging');
  });
});
