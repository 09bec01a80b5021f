/**
 * Flux readiness as Flux computes it (kstatus + Ready), over the states Flux's documentation shows
 * (test/fixtures/flux/status-table.json), and the revision / inventory rules the tree and the watch use.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fluxInfo, fluxRowText, fluxStatus, managesWorkload, revisionCommit, revisionIsCommit } from '../../../src/core/kube/flux';
import { rolloutStatus } from '../../../src/core/kube/rolloutStatus';
import { repoRoot } from '../../support/paths';

interface Case {
  name: string;
  object: any;
  expect: { state: string; reason?: string; message?: string; appliedCommit?: string; release?: string; verdict?: string };
}
const table: { cases: Case[] } = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/flux/status-table.json'), 'utf8'));

describe('Flux readiness (status table from Flux docs)', () => {
  for (const c of table.cases) {
    test(c.name, () => {
      const st = fluxStatus(c.object);
      assert.equal(st.state, c.expect.state);
      if (c.expect.reason) assert.equal(st.reason, c.expect.reason);
      if (c.expect.message) assert.equal(st.message, c.expect.message);
      if (c.object.kind !== 'GitRepository') {
        const info = fluxInfo(c.object);
        assert.equal(info.appliedCommit, c.expect.appliedCommit);
        if (c.expect.release) assert.equal(info.release, c.expect.release);
      }
      if (c.expect.verdict) assert.equal(rolloutStatus(c.object).state, c.expect.verdict, 'rollout-status --object agrees');
    });
  }
  test('the table covers every state', () => {
    assert.deepEqual([...new Set(table.cases.map((c) => c.expect.state))].sort(), ['failed', 'ready', 'reconciling', 'stalled', 'suspended']);
  });
});

describe('Flux revisions and inventory', () => {
  const sha = '450796ddb2ab6724ee1cc32a4be56da032d1cca0';
  test('a revision names its commit in every form Flux writes', () => {
    assert.equal(revisionCommit(`master@sha1:${sha}`), sha);
    assert.equal(revisionCommit(`master/${sha}`), sha);
    assert.equal(revisionCommit(`refs/tags/v1.0.0@sha1:${sha}`), sha);
    assert.equal(revisionCommit('0.1.0+450796ddb2ab'), '450796ddb2ab');
    assert.equal(revisionCommit('6.5.4'), undefined);
    assert.equal(revisionCommit(undefined), undefined);
    assert.ok(revisionIsCommit(`main@sha1:${sha}`, sha));
    assert.ok(revisionIsCommit('0.1.0+450796ddb2ab', sha));
    assert.ok(!revisionIsCommit('0.1.0+450796ddb2ab', '999796ddb2ab6724ee1cc32a4be56da032d1cca0'));
    assert.ok(!revisionIsCommit('6.5.4', sha));
  });
  test('the source of a Kustomization and of a HelmRelease, with its fetched revision', () => {
    const ks = table.cases[0]!.object;
    const repo = table.cases.find((c) => c.object.kind === 'GitRepository')!.object;
    const info = fluxInfo(ks, repo);
    assert.deepEqual(info.source && { ...info.source, status: info.source.status?.state }, { kind: 'GitRepository', name: 'podinfo', namespace: 'default', revision: `master@sha1:${sha}`, status: 'ready' });
    const hr = table.cases.find((c) => c.object.kind === 'HelmRelease')!.object;
    assert.deepEqual(fluxInfo(hr).source, { kind: 'GitRepository', name: 'sample-app-helm-chart', namespace: 'flux-system' });
  });
  test('a workload belongs to the Kustomization whose inventory lists it, or to the object its Flux labels name', () => {
    const ks = table.cases[0]!.object;
    assert.ok(managesWorkload(ks, { kind: 'Deployment', group: 'apps', name: 'podinfo', namespace: 'default' }));
    assert.ok(!managesWorkload(ks, { kind: 'Deployment', group: 'apps', name: 'other', namespace: 'default' }));
    const hr = table.cases.find((c) => c.object.kind === 'HelmRelease')!.object;
    const labels = { 'helm.toolkit.fluxcd.io/name': 'sample-app2', 'helm.toolkit.fluxcd.io/namespace': 'sample-app' };
    assert.ok(managesWorkload(hr, { kind: 'Deployment', group: 'apps', name: 'sample-app2', namespace: 'sample-app', labels }));
    assert.ok(!managesWorkload(hr, { kind: 'Deployment', group: 'apps', name: 'sample-app2', namespace: 'sample-app' }));
  });
  test('a Kustomization of another API group is not read as Flux', () => {
    assert.throws(() => rolloutStatus({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' }), /No rollout status for Kustomization/);
  });
  test("the tree's Flux line: the source's revision only when it is not what was applied, the reason only when it adds to the state", () => {
    const other = '9f3c1e2a0b4d6724ee1cc32a4be56da032d1cca0';
    const repo = (rev: string) => ({ kind: 'GitRepository', metadata: { name: 'podinfo', namespace: 'default' }, status: { artifact: { revision: rev }, conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored' }] } });
    const hr = (chartVersion: string, extra: Record<string, unknown> = {}) => ({
      kind: 'HelmRelease',
      metadata: { name: 'demo-app-dev', namespace: 'flux-system', generation: 1 },
      spec: { chart: { spec: { chart: './charts/demo-app', sourceRef: { kind: 'GitRepository', name: 'podinfo', namespace: 'default' } } }, ...extra },
      status: { observedGeneration: 1, history: [{ chartVersion, status: 'deployed', name: 'demo-app', namespace: 'dev', version: 2 }], conditions: [{ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded', message: 'Helm upgrade succeeded' }] },
    });
    // a HelmRelease's chart version holds 12 characters of the commit: the same commit is not repeated
    assert.equal(fluxRowText(fluxInfo(hr(`0.1.0+${sha.slice(0, 12)}`), repo(`main@sha1:${sha}`))), 'demo-app-dev · Ready · applied 0.1.0+450796ddb2ab');
    assert.equal(fluxRowText(fluxInfo(hr(`0.1.0+${sha.slice(0, 12)}`), repo(`main@sha1:${other}`))), 'demo-app-dev · Ready · applied 0.1.0+450796ddb2ab · source at main@sha1:9f3c1e2a');
    // Suspended is said once
    assert.equal(fluxRowText(fluxInfo(hr(`0.1.0+${sha.slice(0, 12)}`, { suspend: true }), repo(`main@sha1:${sha}`))), 'demo-app-dev · Suspended · applied 0.1.0+450796ddb2ab');
    // a failed Kustomization from Flux's documentation: the reason, and the older revision form shortened
    const failing = table.cases.find((c) => c.expect.state === 'failed' && c.object.kind === 'Kustomization')!.object;
    assert.equal(fluxRowText(fluxInfo(failing)), 'podinfo · Not Ready · ArtifactFailed · applied master/67e2c98a');
  });
});
