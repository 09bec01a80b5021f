/**
 * How the simulated sync engines read the test's bare GitOps repository and bring an image to the
 * cluster: the Argo-CD-like sandbox agent and the simulator's Flux controllers share it, so both apply
 * a commit the same way (the image the file declares, set on the workload's container).
 */
import { spawnSync } from 'node:child_process';
import { readDeclaredImage } from '../../src/core/gitops/readImage';
import type { ImageLocator } from '../../src/core/yaml/locate';
import type { Store } from './kubesim/store';

export interface DesiredWorkload {
  /** `repository:tag[@digest]` */
  image: string;
  replicas?: number;
}

/** `git rev-parse` in a bare repository; throws with git's message. */
export function gitBare(bare: string, ...args: string[]): string {
  const r = spawnSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

/** A file at a revision, or undefined when it is not there. */
export function fileAt(bare: string, rev: string, file: string): string | undefined {
  const r = spawnSync('git', ['--git-dir', bare, 'show', `${rev}:${file.replace(/^\.\//, '')}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/** The image (and `replicaCount`) a Helm values file declares at a revision. */
export function desiredAt(bare: string, rev: string, file: string, locator: ImageLocator = { kind: 'helm', path: ['image', 'tag'] }): DesiredWorkload | undefined {
  const text = fileAt(bare, rev, file);
  if (text === undefined) return undefined;
  try {
    const d = readDeclaredImage(text, file, locator);
    if (!d.repository || !d.tag) return undefined;
    const replicas = /^replicaCount:\s*(\d+)\s*$/m.exec(text)?.[1];
    return { image: `${d.repository}:${d.tag}${d.digest ? `@${d.digest}` : ''}`, replicas: replicas ? Number(replicas) : undefined };
  } catch {
    return undefined;
  }
}

/** Whether the Deployment's container already runs what is desired. */
export function runsDesired(store: Store, namespace: string, deployment: string, container: string | undefined, want: DesiredWorkload): boolean {
  const dep = store.tryGet('deployments', namespace, deployment);
  const containers: Array<{ name: string; image: string }> = dep?.spec?.template?.spec?.containers ?? [];
  const c = container ? containers.find((x) => x.name === container) : containers[0];
  return c !== undefined && c.image === want.image && (want.replicas === undefined || want.replicas === dep!.spec.replicas);
}

/** Sets the container's image (and replicas) the way `kubectl apply` of the rendered manifest would. Throws ApiError when the Deployment is missing. */
export function applyDesired(store: Store, namespace: string, deployment: string, container: string | undefined, want: DesiredWorkload): void {
  const name = container ?? store.get('deployments', namespace, deployment).spec?.template?.spec?.containers?.[0]?.name;
  const patch: Record<string, any> = { spec: { template: { spec: { containers: [{ name, image: want.image }] } } } };
  if (want.replicas !== undefined) patch.spec.replicas = want.replicas;
  store.patch('deployments', namespace, deployment, 'strategic', patch);
}
