/**
 * Flux's own test data: the objects `flux trace deployment podinfo` is tested with (fluxcd/flux2
 * cmd/flux/testdata/trace/deployment.yaml, kept byte-exact; see test/fixtures/flux/SOURCES.md) — a Deployment
 * labelled by helm-controller, its HelmRelease (helm.toolkit.fluxcd.io/v2beta2, which keeps
 * `lastAppliedRevision` instead of a history), the HelmChart and HelmRepository, and the Kustomization that
 * applied the HelmRelease. What `flux trace` derives from them, GitOps Pilot must too: which Flux object
 * applies the Deployment, and that it is Ready at chart version 6.3.5.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { fluxInfo, fluxRowText, fluxStatus, managesWorkload } from '../../../src/core/kube/flux';
import { fluxCandidates, workloadIdentity } from '../../../src/core/kube/fluxPick';
import type { KubeObject } from '../../../src/core/kube/resources';
import { repoRoot } from '../../support/paths';

/** The template rendered the way flux's trace test renders it (`{{ .fluxns }}`, `{{ .ns }}`). */
function objects(ns: string, fluxns: string): KubeObject[] {
  const text = readFileSync(join(repoRoot, 'test/fixtures/flux/flux2/trace-deployment.yaml'), 'utf8').replaceAll('{{ .fluxns }}', fluxns).replaceAll('{{ .ns }}', ns);
  return parseAllDocuments(text).map((d) => d.toJSON() as KubeObject).filter(Boolean);
}

describe("Flux's own trace test data (fluxcd/flux2)", () => {
  const all = objects('podinfo-ns', 'flux-system');
  const get = (kind: string) => all.find((o) => o.kind === kind)!;
  const deployment = get('Deployment');

  test('the Deployment is applied by the HelmRelease its helm-controller labels name, not by the Kustomization that applied the HelmRelease', () => {
    const workload = workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'podinfo-ns', deployment);
    assert.ok(managesWorkload(get('HelmRelease'), workload));
    assert.ok(!managesWorkload(get('Kustomization'), workload));
    const offered = fluxCandidates(all, workload);
    assert.deepEqual(offered.map((c) => [c.label, c.description]), [['HelmRelease podinfo-ns/podinfo', 'Ready · applied 6.3.5']]);
  });

  test('another namespace of the same names is another release: nothing is offered', () => {
    const workload = workloadIdentity({ kind: 'deployment', name: 'podinfo' }, 'podinfo-ns', deployment);
    assert.deepEqual(fluxCandidates(objects('other-ns', 'flux-system'), workload), []);
  });

  test('a v2beta2 HelmRelease: Ready, applied at its lastAppliedRevision (it has no history), its source a HelmRepository', () => {
    const info = fluxInfo(get('HelmRelease'), get('HelmRepository'));
    assert.equal(info.status.state, 'ready');
    assert.equal(info.status.reason, 'ReconciliationSucceeded');
    assert.equal(info.applied, '6.3.5');
    assert.equal(info.appliedCommit, undefined, 'a chart version from a Helm repository names no commit');
    assert.deepEqual(info.source && { kind: info.source.kind, name: info.source.name, namespace: info.source.namespace, revision: info.source.revision }, { kind: 'HelmRepository', name: 'podinfo', namespace: 'flux-system', revision: 'sha1:8411f23d07d3701f0e96e7d9e503b7936d7e1d56' });
    assert.equal(fluxRowText(info), 'podinfo · Ready · applied 6.3.5 · source at sha1:8411f23d07d3701f0e96e7d9e503b7936d7e1d56');
  });

  test('the Kustomization is Ready by its condition alone; the GitRepository without status waits to be reconciled', () => {
    assert.deepEqual([fluxStatus(get('Kustomization')).state, fluxStatus(get('Kustomization')).message], ['ready', 'Applied revision: main@sha1:696f056df216eea4f9401adbee0ff744d4df390f']);
    assert.equal(fluxStatus(get('GitRepository')).state, 'reconciling');
    assert.equal(fluxStatus(get('HelmChart')).state, 'ready');
  });
});
