/** Shared pieces of the kube integration tests: a session on a simulator, and waiting on conditions. */
import { join } from 'node:path';
import { KubeSession } from '../../../src/core/kube/session';
import type { InformerOptions } from '../../../src/core/kube/informer';
import type { KubeSim } from '../../support/kubesim';
import { tempDir } from '../../support/tmp';

export interface SimSession {
  session: KubeSession;
  kubeconfig: string;
  close(): Promise<void>;
}

/** A KubeSession whose kubeconfig (a file in a temp dir) points at the simulator. */
export function simSession(sim: KubeSim, opts: { informers?: InformerOptions; context?: string; token?: string; namespace?: string } = {}): SimSession {
  const tmp = tempDir('gitops-pilot-kube-');
  const kubeconfig = join(tmp.dir, 'kubeconfig');
  sim.writeKubeconfig(kubeconfig, { context: opts.context, token: opts.token, namespace: opts.namespace });
  const session = new KubeSession({ kubeconfig: () => ({ files: [kubeconfig], origin: 'setting' }), informers: opts.informers });
  return {
    session,
    kubeconfig,
    async close() {
      await session.dispose();
      tmp.cleanup();
    },
  };
}

/** Resolves when `check` holds, re-checked every few ms; rejects after `timeoutMs` with what it last saw. */
export async function eventually<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000, describe?: () => unknown): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe ? `; last: ${JSON.stringify(describe())}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** name -> resourceVersion of what the simulator holds now for a resource in a namespace. */
export function truth(sim: KubeSim, resource: string, namespace: string, filter: (o: { metadata: { name?: string; labels?: Record<string, string> } }) => boolean = () => true): Record<string, string> {
  return Object.fromEntries(
    sim.store
      .select(resource, { namespace })
      .filter(filter)
      .map((o) => [o.metadata.name!, o.metadata.resourceVersion!]),
  );
}

export function versions(objects: ReadonlyArray<{ metadata: { name?: string; resourceVersion?: string } }>): Record<string, string> {
  return Object.fromEntries(objects.map((o) => [o.metadata.name!, o.metadata.resourceVersion!]));
}

export function sameVersions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
