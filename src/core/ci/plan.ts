/**
 * What a generated CI pipeline does, whatever the CI system: one plan from the project's gitops-pilot.yaml and
 * the detected test tooling. Each renderer (github.ts, gitlab.ts, jenkins.ts, tekton.ts) turns it into that
 * system's file; the shell steps themselves come from scripts.ts, so every system runs the same commands.
 */
import { posix, relative, sep } from 'node:path';
import type { Project, TagPolicy } from '../config/model';
import { inputError } from '../errors';
import { imageTarget } from '../images/ecr';
import type { TestTooling } from './detect';

export const CI_SYSTEMS = ['github', 'gitlab', 'jenkins', 'tekton'] as const;
export type CiSystem = (typeof CI_SYSTEMS)[number];

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DEFAULT_FAIL_ON: readonly Severity[] = ['CRITICAL', 'HIGH'];

/** The image the generated pipelines run the CLI in (docker/cli.Dockerfile); a team pushes its own copy. */
export const DEFAULT_CLI_IMAGE = 'ghcr.io/gitops-pilot/gitops-pilot:0.1.0';

export interface CiEnvironment {
  /** the environment id, as the CLI's --env takes it */
  readonly id: string;
  /** a job-name-safe form of the id (dev, apps-web-staging) */
  readonly slug: string;
  readonly protected: boolean;
  /** the environment it is promoted from (undefined: the first one, deployed by the build) */
  readonly from?: string;
  /** the job that must finish first: the build's, or the source environment's promotion */
  readonly after: string;
  /** gitops-pilot.yaml says where it runs, so the pipeline waits for its rollout */
  readonly rollout: boolean;
}

export interface CiPlan {
  readonly app: string;
  readonly region?: string;
  readonly tagPolicy: TagPolicy;
  /** the GitOps repository: `dir` relative to the app root (posix), cloned from `url` unless it is the app repository */
  readonly gitops: { readonly dir: string; readonly sameRepo: boolean; readonly url?: string; readonly branch: string };
  /** the environments' files relative to the app root (when the GitOps repository is the app's, its pushes must not start the pipeline again) */
  readonly envFiles: readonly string[];
  readonly first: CiEnvironment;
  readonly promotions: readonly CiEnvironment[];
  readonly tests: TestTooling;
  readonly failOn: readonly Severity[];
  readonly cliImage: string;
  /** push the first environment's bump to a branch for a pull request instead of deploying it */
  readonly pullRequest: boolean;
  /** the branch whose pushes run the pipeline */
  readonly branch: string;
}

export interface PlanOptions {
  readonly tests: TestTooling;
  readonly failOn?: readonly Severity[];
  readonly cliImage?: string;
  readonly gitopsUrl?: string;
  readonly pullRequest?: boolean;
  /** the app repository's branch that triggers the pipeline (default main) */
  readonly branch?: string;
}

export function slug(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'env';
}

/** Parses `CRITICAL,HIGH` (or `none`) into severities; bad input is an input error. */
export function parseFailOn(text: string): Severity[] {
  if (text.trim().toLowerCase() === 'none') return [];
  const out: Severity[] = [];
  for (const part of text.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)) {
    if (!(SEVERITIES as readonly string[]).includes(part)) {
      throw inputError('ci.badSeverity', `unknown severity ${JSON.stringify(part)}`, { hint: `Use a comma-separated list of ${SEVERITIES.join(', ')}, or none` });
    }
    if (!out.includes(part as Severity)) out.push(part as Severity);
  }
  if (!out.length) throw inputError('ci.badSeverity', 'no severity given', { hint: 'Use e.g. CRITICAL,HIGH, or none' });
  return out;
}

/** A URL without the user name and password a clone URL may carry (they would end up in the pipeline file). */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

export function planCi(project: Project, opts: PlanOptions): CiPlan {
  if (!project.configFile || !project.config) throw inputError('ci.noConfig', `no gitops-pilot.yaml in ${project.root}`, { hint: 'Create it first (GitOps Pilot: Create gitops-pilot.yaml), then generate the pipeline' });
  const target = imageTarget(project.config.image);
  const envs = project.environments;
  if (!envs.length) {
    throw project.problems[0] ?? inputError('ci.noEnvironments', `${project.configFile} lists no environments`, { hint: 'Add environments: to gitops-pilot.yaml; the pipeline deploys the first one' });
  }
  const firstEnv = envs.find((e) => !e.promoteFrom) ?? envs[0]!;
  const rel = relative(project.root, project.gitopsRoot).split(sep).join(posix.sep) || '.';
  const sameRepo = rel === '.' || !rel.startsWith('..');
  const jobOf = (id: string): string => (id === firstEnv.id ? `deploy-${slug(id)}` : `promote-${slug(id)}`);
  const env = (e: (typeof envs)[number], after: string): CiEnvironment => ({
    id: e.id,
    slug: slug(e.id),
    protected: e.protected,
    ...(e.promoteFrom && e.id !== firstEnv.id ? { from: e.promoteFrom } : {}),
    after,
    rollout: e.workload !== undefined,
  });
  const promotions = envs.filter((e) => e.id !== firstEnv.id && e.promoteFrom).map((e) => env(e, jobOf(e.promoteFrom!)));
  return {
    app: target.name.split('/').pop()!,
    ...(target.region ? { region: target.region } : {}),
    tagPolicy: project.config.image?.tag ?? 'sha',
    gitops: { dir: rel, sameRepo, ...(opts.gitopsUrl ? { url: withoutCredentials(opts.gitopsUrl) } : {}), branch: project.gitops.branch ?? 'main' },
    envFiles: envs.map((e) => posix.join(rel, e.relFile)),
    first: env(firstEnv, 'test'),
    promotions,
    tests: opts.tests,
    failOn: opts.failOn ?? DEFAULT_FAIL_ON,
    cliImage: opts.cliImage ?? DEFAULT_CLI_IMAGE,
    pullRequest: opts.pullRequest ?? false,
    branch: opts.branch ?? 'main',
  };
}

/** The job name of an environment's deployment (the first one) or promotion. */
export function jobName(plan: CiPlan, e: CiEnvironment): string {
  return e.id === plan.first.id ? `deploy-${e.slug}` : `promote-${e.slug}`;
}
