/**
 * Ship: build → push → deploy the pushed tag (pinned to its digest) to the first environment, then watch
 * (the caller's deploy step fires the after-deploy hooks that watch the rollout). Everything that could
 * refuse the deployment (the environment, a protected environment's rules, the tag) is checked before
 * docker runs, so a refused ship builds nothing.
 */
import type { Environment, Project } from '../config/model';
import { inputError } from '../errors';
import { guardProtected } from '../gitops/operations';
import { planBuild, runBuild, type BuildRequest, type BuildResult } from './build';
import type { ImageOpContext } from './context';
import { pushImage, type PushRequest, type PushResult } from './push';

/** The environment a ship deploys to: the named one, else the first in promotion order that receives from no other. */
export function shipTarget(project: Project, name?: string): Environment {
  if (name !== undefined) {
    const env = project.environments.find((e) => e.id === name) ?? project.environments.find((e) => e.name === name);
    if (!env) throw inputError('env.unknown', `no environment ${JSON.stringify(name)}`, { hint: `Environments: ${project.environments.map((e) => e.id).join(', ') || '(none)'}` });
    return env;
  }
  const first = project.environments.find((e) => !e.promoteFrom) ?? project.environments[0];
  if (!first) {
    throw inputError('env.none', `${project.root} has no environments to deploy to`, { hint: 'List them under environments: in gitops-pilot.yaml' });
  }
  return first;
}

export interface ShipRequest extends Omit<BuildRequest, 'project'> {
  readonly project: Project;
  readonly env?: string;
  /** a protected environment was confirmed (typed its name, or --yes) */
  readonly confirmed?: boolean;
  readonly createRepository?: PushRequest['createRepository'];
}

export interface ShipResult<D> {
  readonly env: Environment;
  readonly build: BuildResult;
  readonly push: PushResult;
  readonly deploy: D;
}

/**
 * Runs the ship. `deploy` commits the pushed tag and digest to the environment (the editor goes through
 * its deployment flow, the CLI through the core's setImage).
 */
export async function ship<D>(
  ctx: ImageOpContext,
  req: ShipRequest,
  deploy: (env: Environment, pushed: PushResult, built: BuildResult) => Promise<D>,
): Promise<ShipResult<D>> {
  const env = shipTarget(req.project, req.env);
  const plan = await planBuild(ctx, req);
  // refused before anything is built: a protected environment's rules apply to the tag this build gets
  guardProtected(env, plan.tag.tag, req.confirmed, `shipping ${plan.tag.tag}`);
  ctx.onProgress?.(`building ${plan.tag.tag}`);
  const build = await runBuild(ctx, plan, { noCache: req.noCache });
  const push = await pushImage(ctx, { project: req.project, tag: build.tag, repository: build.repository, built: true, createRepository: req.createRepository });
  ctx.onProgress?.(`deploying ${build.tag} to ${env.name}`);
  const deployed = await deploy(env, push, build);
  return { env, build, push, deploy: deployed };
}
