/**
 * Is a tag in its registry? Deployments ask before they commit (DESIGN: "a tag must exist in the registry
 * before it is deployed, when the registry is reachable"); the editor and the CLI share this answer.
 * Only repositories that map to ECR are checked: a project's configured image repository (with or
 * without its registry host) or any `<account>.dkr.ecr.<region>.amazonaws.com/…`.
 */
import type { Project } from '../config/model';
import { PilotError } from '../errors';
import type { RegistryCheck } from '../gitops/operations';
import type { Logger } from '../log';
import { imageTarget, isEcrHost, type EcrApi, type ImageTarget } from './ecr';
import { registryOf } from './reference';

/** Projects that build an image (their gitops-pilot.yaml has image.repository). */
export function imageProjects(projects: readonly Project[]): Project[] {
  const seen = new Set<string>();
  return projects.filter((p) => {
    if (!p.configFile || !p.config?.image?.repository || seen.has(p.root)) return false;
    seen.add(p.root);
    return true;
  });
}

/**
 * The ECR repository an image repository (as written in a values file) refers to: a project's configured
 * repository (matched with or without its registry host), or any `<account>.dkr.ecr.<region>.amazonaws.com/…`.
 */
export function ecrTargetOf(repository: string, projects: readonly Project[]): ImageTarget | undefined {
  for (const p of imageProjects(projects)) {
    let t: ImageTarget;
    try {
      t = imageTarget(p.config!.image);
    } catch {
      continue;
    }
    if (t.configured === repository || (!t.registry && registryOf(repository).path === t.name)) return t;
  }
  const { registry, explicit } = registryOf(repository);
  if (explicit && isEcrHost(registry)) {
    try {
      return imageTarget({ repository });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Looks `repository:tag` up in ECR: exists (with its digest), missing, or unreachable (with why: no
 * credentials, the network, a repository GitOps Pilot cannot map to ECR). Never throws.
 */
export async function checkImageInEcr(
  image: { repository: string; tag: string },
  projects: readonly Project[],
  api: (target: ImageTarget) => Promise<EcrApi>,
  log: Logger,
  signal?: AbortSignal,
): Promise<RegistryCheck> {
  const target = ecrTargetOf(image.repository, projects);
  if (!target) return { unreachable: `${image.repository} is not an ECR repository GitOps Pilot knows` };
  try {
    const found = await (await api(target)).image(target.name, image.tag, signal);
    return found ? { exists: true, digest: found.digest } : { exists: false };
  } catch (err) {
    const why = err instanceof PilotError ? err.message : String(err);
    log.warn(`could not check ${image.repository}:${image.tag} in ECR: ${why}`);
    return { unreachable: why };
  }
}
