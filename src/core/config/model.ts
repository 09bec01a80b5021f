/** The environment model: what an environment is, wherever it came from (config file or convention). */
import type { PilotError } from '../errors';
import type { FreezeWindow, FreezeWindowConfig } from '../gates/freeze';
import type { ImageLocator } from '../yaml/locate';

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset' | 'rollout';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['deployment', 'statefulset', 'daemonset', 'rollout'];

/** `deployment/web` → { kind, name }; undefined when it is not `<kind>/<name>` with a known kind. */
export function parseWorkload(text: string | undefined): { kind: WorkloadKind; name: string } | undefined {
  if (!text) return undefined;
  const [kind, name, ...rest] = text.split('/');
  if (rest.length || !name || !WORKLOAD_KINDS.includes(kind as WorkloadKind)) return undefined;
  return { kind: kind as WorkloadKind, name };
}

export interface Environment {
  /** unique within a project: the name, or `<app>/<name>` in an apps/ monorepo */
  readonly id: string;
  readonly name: string;
  readonly app?: string;
  /** absolute path of the GitOps working tree */
  readonly gitopsRoot: string;
  /** absolute path of the file holding the tag */
  readonly file: string;
  /** the file relative to gitopsRoot, with forward slashes */
  readonly relFile: string;
  readonly locator: ImageLocator;
  readonly cluster?: { readonly context?: string; readonly namespace?: string };
  readonly workload?: { readonly kind: WorkloadKind; readonly name: string };
  readonly argocd?: { readonly application: string; readonly namespace: string };
  /** the Flux Kustomization or HelmRelease that applies the environment */
  readonly flux?: { readonly kind: 'Kustomization' | 'HelmRelease'; readonly name: string; readonly namespace: string };
  /** id of the environment this one receives images from */
  readonly promoteFrom?: string;
  /** ids of the environments that receive images from this one */
  readonly promotesTo: readonly string[];
  readonly protected: boolean;
  readonly healthUrl?: string;
  /** what must hold before an image is promoted into this environment (from `gates:`; undefined: none configured) */
  readonly gates?: EnvironmentGates;
  /** what to do when a rollout GitOps Pilot started here fails (default: nothing) */
  readonly onFailure?: 'rollback' | 'none';
  /** how deployments to this environment reach the remote (config `pushMode`; default: the caller's) */
  readonly pushMode?: PushMode;
  readonly source: 'config' | 'convention';
}

export type VerifyCheck = 'healthUrl' | 'analysis';

/** Gates with their defaults applied. */
export interface EnvironmentGates {
  /** how long the source must have run the image, rolled out and healthy (0: only healthy) */
  readonly soakMs: number;
  readonly verify: readonly VerifyCheck[];
  readonly freeze: readonly FreezeWindow[];
  /** typed: the user types the environment's name (--yes in the CLI); none: no confirmation */
  readonly approval: 'typed' | 'none';
}

export interface GatesConfig {
  /** a duration (`30m`), or 0 */
  readonly soak?: string | 0;
  readonly verify?: readonly VerifyCheck[];
  readonly freeze?: readonly FreezeWindowConfig[];
  readonly approval?: 'typed' | 'none';
}

export type TagPolicy = 'sha' | 'branch-sha' | 'semver' | 'build';

export interface ImageConfig {
  readonly repository?: string;
  readonly context?: string;
  readonly dockerfile?: string;
  readonly tag?: TagPolicy;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platform?: string;
  readonly region?: string;
  readonly account?: string;
}

export interface EnvironmentConfig {
  readonly name: string;
  readonly file: string;
  readonly path?: string | readonly string[];
  readonly kustomizeImage?: string;
  /** a plain manifest: the container whose image is set (with `workload` when the file holds several) */
  readonly container?: string;
  readonly cluster?: { readonly context?: string; readonly namespace?: string };
  readonly workload?: string;
  readonly argocd?: { readonly application: string; readonly namespace?: string };
  readonly flux?: { readonly kustomization?: string; readonly helmRelease?: string; readonly namespace?: string };
  readonly promoteFrom?: string;
  readonly protected?: boolean;
  readonly healthUrl?: string;
  readonly gates?: GatesConfig;
  readonly onFailure?: 'rollback' | 'none';
  readonly pushMode?: PushMode;
}

/** direct: the deployment branch; branch: a new branch per deployment; pull-request: one branch and PR per environment */
export type PushMode = 'direct' | 'branch' | 'pull-request';

export interface PullRequestsConfig {
  readonly provider?: 'github' | 'gitlab';
  readonly api?: string;
  readonly repository?: string;
  readonly labels?: readonly string[];
  readonly reviewers?: readonly string[];
  readonly draft?: boolean;
}

/** issue 15: one app of a multi-app gitops-pilot.yaml */
export interface AppConfig {
  readonly name: string;
  /** the image repository, for display and registry checks */
  readonly image?: string;
  /** its own environments; omitted: the top-level environments, as a template with {app} / {env} */
  readonly environments?: readonly EnvironmentConfig[];
}

export interface PilotConfig {
  readonly image?: ImageConfig;
  /** issue 15: several apps; each app × environment is an Environment `<app>/<env>` */
  readonly apps?: readonly AppConfig[];
  readonly gitops?: { readonly repo?: string; readonly branch?: string; readonly remote?: string; readonly pullRequests?: PullRequestsConfig };
  readonly environments?: readonly EnvironmentConfig[];
}

export interface Project {
  /** the folder the project was loaded from (where gitops-pilot.yaml is, or the workspace folder) */
  readonly root: string;
  readonly configFile?: string;
  readonly config?: PilotConfig;
  readonly gitopsRoot: string;
  readonly gitops: { readonly branch?: string; readonly remote: string; readonly pullRequests?: PullRequestsConfig };
  /** in promotion order: sources before the environments they promote to */
  readonly environments: readonly Environment[];
  /** problems with the configuration itself (shown as rows; environments may still be listed) */
  readonly problems: readonly PilotError[];
}
