/** Flux objects shaped as Flux's API reference shows them (source / kustomize / helm toolkit). */
import { ensureNamespace, type FixtureTarget } from './fixtures';
import type { KubeObject } from './util';

type Target = FixtureTarget;

export function gitRepositoryManifest(o: { name: string; namespace?: string; url: string; branch?: string; interval?: string }): KubeObject {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: o.name, namespace: o.namespace ?? 'flux-system' },
    spec: { interval: o.interval ?? '1m0s', url: o.url, ref: { branch: o.branch ?? 'main' } },
  };
}

export function kustomizationManifest(o: { name: string; namespace?: string; source: string; path: string; targetNamespace?: string; interval?: string; timeout?: string; wait?: boolean; suspend?: boolean }): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: o.name, namespace: o.namespace ?? 'flux-system' },
    spec: {
      interval: o.interval ?? '10m0s',
      path: o.path,
      prune: true,
      sourceRef: { kind: 'GitRepository', name: o.source },
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      ...(o.timeout ? { timeout: o.timeout } : {}),
      ...(o.wait ? { wait: true } : {}),
      ...(o.suspend ? { suspend: true } : {}),
    },
  };
}

export function helmReleaseManifest(o: { name: string; namespace?: string; source: string; sourceNamespace?: string; chart: string; valuesFiles: string[]; releaseName?: string; targetNamespace?: string; interval?: string; timeout?: string }): KubeObject {
  return {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: { name: o.name, namespace: o.namespace ?? 'flux-system' },
    spec: {
      interval: o.interval ?? '5m0s',
      ...(o.releaseName ? { releaseName: o.releaseName } : {}),
      ...(o.targetNamespace ? { targetNamespace: o.targetNamespace } : {}),
      ...(o.timeout ? { timeout: o.timeout } : {}),
      chart: {
        spec: {
          chart: o.chart,
          reconcileStrategy: 'Revision',
          sourceRef: { kind: 'GitRepository', name: o.source, ...(o.sourceNamespace ? { namespace: o.sourceNamespace } : {}) },
          valuesFiles: o.valuesFiles,
        },
      },
    },
  };
}

/** Creates the objects (and the flux-system namespace) through the store, so the Flux controller picks them up. */
export function createFluxObjects(sim: Target, objects: KubeObject[]): KubeObject[] {
  return objects.map((o) => {
    ensureNamespace(sim, o.metadata.namespace ?? 'flux-system');
    return sim.store.createObject(o);
  });
}
