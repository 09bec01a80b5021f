/**
 * Ship: build → push → deploy the pushed tag (pinned to its digest) to the first environment, then watch
 * (the caller fires the after-deploy hooks that watch the rollout). The editor and the CLI both run this;
 * the editor adds its diff and confirmation as the review step. Everything that could
 * refuse the deployment (the environment, a protected environment's rules, the tag) is checked before
 * docker runs, so a refused ship builds nothing.
 */
import type { Environment, Project } from '../config/model';
import { inputError } from '../errors';
import { commitSetImage, guardProtected, planSetImage, type OperationContext, type OperationResult, type SetImagePlan, type SetImageRequest } from '../gitops/operations';
import { planBuild, runBuild, type BuildPlan, type BuildRequest, type BuildResult } from './build';
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
  /** a protected environment was confirmed (--yes), or will be by the review step (the editor) */
  readonly confirmed?: boolean;
  readonly createRepository?: PushRequest['createRepository'];
  /** the build already planned by the caller (the editor asked about a dirty tree while planning) */
  readonly plan?: BuildPlan;
  /** the image is in the registry (before the deployment is reviewed): e.g. refresh a view of the registry */
  readonly onPushed?: (pushed: PushResult) => void;
}

export interface ShipDeployment {
  /** how the deployment commit is made and pushed (the CLI's flags, the editor's settings) */
  readonly operation: OperationContext;
  /**
   * Shows the planned change before it is committed and asks (the editor's diff and confirmation); returns
   * the file text the user approved (the commit refuses if the file changed since). Throws to cancel.
   * Omitted (the CLI): committed without asking.
   */
  review?(env: Environment, plan: SetImagePlan): Promise<string | undefined>;
}

export interface ShipResult {
  readonly env: Environment;
  readonly build: BuildResult;
  readonly push: PushResult;
  readonly deploy: OperationResult;
}

/**
 * What a ship deploys: the pushed tag pinned to the digest the registry confirmed, with the commit it was
 * built from as Source-Commit. The registry check is skipped: the push just confirmed the image.
 */
export function shipDeployRequest(env: Environment, pushed: PushResult, built: BuildResult, confirmed: boolean | undefined): SetImageRequest {
  return { env, tag: pushed.tag, digest: pushed.digest, ...(built.gitSha ? { sourceCommit: built.gitSha } : {}), confirmed, force: true };
}

/**
 * Runs the ship: build, push, then the deployment commit — the same commit (message, trailers, tree) from
 * the editor and from the CLI; only the review step differs.
 */
export async function ship(ctx: ImageOpContext, req: ShipRequest, deployment: ShipDeployment): Promise<ShipResult> {
  const env = shipTarget(req.project, req.env);
  const plan = req.plan ?? (await planBuild(ctx, req));
  // refused before anything is built: a protected environment's rules apply to the tag this build gets
  guardProtected(env, plan.tag.tag, req.confirmed, `shipping ${plan.tag.tag}`);
  ctx.onProgress?.(`building ${plan.tag.tag}`);
  const build = await runBuild(ctx, plan, { noCache: req.noCache });
  const push = await pushImage(ctx, { project: req.project, tag: build.tag, repository: build.repository, built: true, createRepository: req.createRepository });
  req.onPushed?.(push);
  const request = shipDeployRequest(env, push, build, req.confirmed);
  const planned = await planSetImage(deployment.operation, request);
  const expectText = deployment.review ? await deployment.review(env, planned) : undefined;
  ctx.onProgress?.(`deploying ${build.tag} to ${env.name}`);
  const deploy = await commitSetImage(deployment.operation, planned, { expectText });
  return { env, build, push, deploy };
}
