/** The environment model: what an environment is, wherever it came from (config file or convention). */
import type { PilotError } from '../errors';
import type { ImageLocator } from '../yaml/locate';

export type WorkloadKind = 'deployment' | 'statefulset' | 'daemonset' | 'rollout';

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
  readonly source: 'config' | 'convention';
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
  readonly cluster?: { readonly context?: string; readonly namespace?: string };
  readonly workload?: string;
  readonly argocd?: { readonly application: string; readonly namespace?: string };
  readonly flux?: { readonly kustomization?: string; readonly helmRelease?: string; readonly namespace?: string };
  readonly promoteFrom?: string;
  readonly protected?: boolean;
  readonly healthUrl?: string;
}

export interface PilotConfig {
  readonly image?: ImageConfig;
  readonly gitops?: { readonly repo?: string; readonly branch?: string; readonly remote?: string };
  readonly environments?: readonly EnvironmentConfig[];
}

export interface Project {
  /** the folder the project was loaded from (where gitops-pilot.yaml is, or the workspace folder) */
  readonly root: string;
  readonly configFile?: string;
  readonly config?: PilotConfig;
  readonly gitopsRoot: string;
  readonly gitops: { readonly branch?: string; readonly remote: string };
  /** in promotion order: sources before the environments they promote to */
  readonly environments: readonly Environment[];
  /** problems with the configuration itself (shown as rows; environments may still be listed) */
  readonly problems: readonly PilotError[];
}
