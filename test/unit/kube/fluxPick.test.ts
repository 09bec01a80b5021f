/**
 * Select Kubernetes Context…'s Flux step: which Kustomizations / HelmReleases hold the environment's
 * workload (inventory entries, or the labels Flux's controllers set), in which order, and that the
 * workspace's pick wins over gitops-pilot.yaml's `flux:`. Objects: Flux's documented ones
 * (test/fixtures/flux/status-table.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Environment } from '../../../src/core/config/model';
import { configuredTarget } from '../../../src/core/kube/environmentWatch';
import { fluxCandidates, workloadIdentity } from '../../../src/core/kube/fluxPick';
import type { KubeObject } from '../../../src/core/kube/resources';
import { repoRoot } from '../../support/paths';

const table: { cases: Array<{ name: string; object: KubeObject }> } = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/flux/status-table.json'), 'utf8'));
const byName = (prefix: string): KubeObject => table.cases.find((c) => c.name.startsWith(prefix))!.object;
/** Kustomization default/podinfo (Ready, inventory: Deployment default/podinfo), HelmRelease default/podinfo (Stalled), and unrelated objects */
const objects = [
  byName('Kustomization ready after applying'),
  byName('Kustomization whose health check timed out'),
  byName('HelmRelease upgraded from a chart'),
  byName('HelmRelease stalled'),
  byName('HelmRelease running an upgrade'),
  byName('GitRepository with a stored artifact'),
];
const helmLabels = { 'helm.toolkit.fluxcd.io/name': 'podinfo', 'helm.toolkit.fluxcd.io/namespace': 'default' };
const deployment = (labels?: Record<string, string>): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'podinfo', namespace: 'default', ...(labels ? { labels } : {}) } });
const KS = { kind: 'Kustomization' as const, name: 'podinfo', namespace: 'default' };
const HR = { kind: 'HelmRelease' as const, name: 'podinfo', namespace: 'default' };

describe('Select Kubernetes Context…: the Flux object of a workload', () => {
  test("the workload's identity is the inventory's (Kind and API group), with the object's labels", () => {
    assert.deepEqual(workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'default', deployment(helmLabels)), { kind: 'Deployment', group: 'apps', name: 'podinfo', namespace: 'default', labels: helmLabels });
    assert.deepEqual(workloadIdentity({ kind: 'rollout', name: 'web' }, 'prod'), { kind: 'Rollout', group: 'argoproj.io', name: 'web', namespace: 'prod' });
  });

  test('offers the Kustomization whose inventory lists the workload and the HelmRelease its labels name, with their state', () => {
    const c = fluxCandidates(objects, workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'default', deployment(helmLabels)));
    assert.deepEqual(c.map((x) => [x.label, x.description, x.inUse]), [
      ['HelmRelease default/podinfo', 'Stalled · RetriesExceeded', false],
      ['Kustomization default/podinfo', 'Ready · applied master@sha1:450796dd', false],
    ]);
    assert.deepEqual(c[1]!.ref, KS);
  });

  test('without Flux labels only the inventory counts; another workload has none', () => {
    assert.deepEqual(fluxCandidates(objects, workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'default', deployment())).map((x) => x.ref), [KS]);
    assert.deepEqual(fluxCandidates(objects, workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'staging')), []);
    assert.deepEqual(fluxCandidates(objects, workloadIdentity({ kind: 'statefulset', name: 'podinfo' }, 'default')), []);
  });

  test("the workspace's pick comes first, then gitops-pilot.yaml's; both are marked in use", () => {
    const w = workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'default', deployment(helmLabels));
    assert.deepEqual(fluxCandidates(objects, w, { configured: KS }).map((x) => [x.ref.kind, x.inUse]), [['Kustomization', true], ['HelmRelease', false]]);
    assert.deepEqual(fluxCandidates(objects, w, { current: HR, configured: KS }).map((x) => [x.ref.kind, x.inUse]), [['HelmRelease', true], ['Kustomization', true]]);
  });

  test("a picked Flux object is the target's, over gitops-pilot.yaml's flux:", () => {
    const env = { name: 'dev', workload: { kind: 'deployment', name: 'podinfo' }, cluster: { namespace: 'default' }, flux: KS } as unknown as Environment;
    assert.deepEqual(configuredTarget(env, undefined)?.flux, KS);
    assert.deepEqual(configuredTarget(env, { context: 'kind-dev' })?.flux, KS);
    assert.deepEqual(configuredTarget(env, { context: 'kind-dev', namespace: 'default', workload: 'deployment/podinfo', flux: HR })?.flux, HR);
    assert.equal(configuredTarget({ ...env, flux: undefined } as Environment, { workload: 'deployment/podinfo' })?.flux, undefined);
  });
});
