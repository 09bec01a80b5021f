import type * as vscode from 'vscode';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import type { RolloutProgress } from '../../core/kube/watchRollout';
import type { PreviewDocuments } from '../deploy/preview';
import type { ImageFeature } from '../images/feature';
import type { RolloutFeature } from '../kube/feature';
import type { PullRequestFeature } from '../pullRequests/feature';
import type { TagSuggestion } from '../deploy/prompts';
import type { EnvironmentsGrouping } from '../views/environments/grouping';
import type { Log } from '../log';
import type { RefreshManager } from '../refreshManager';
import type { Settings } from '../settings';
import type { EnvironmentsModel } from '../../core/workspace/environments';
import type { HistoryModel } from '../../core/workspace/history';
import type { Workspace } from '../../core/workspace/workspace';

/** Extension points later features fill in (registry checks, rollout health, watching after a deploy). */
export interface DeployHooks {
  checkImage?: OperationContext['checkImage'];
  sourceHealth?: OperationContext['sourceHealth'];
  /** the gates of a promotion (src/vscode/kube/gates.ts) */
  gates?: OperationContext['gates'];
  /** recent tags of a repository in its registry (the Images feature), for the tag quick pick */
  recentTags?: (repository: string) => Promise<TagSuggestion[]>;
  /** `release`: one app of a release (several apps in one commit), followed as a whole by afterRelease */
  readonly afterDeploy: ((result: OperationResult, opts?: { readonly release?: boolean }) => void)[];
  /** after a release commit: every moved app, one result each (the status bar follows them as one: `prod 7/11`) */
  afterRelease?: (results: readonly OperationResult[]) => void;
  /** when the rollout watched after a deployment ends (done, failed, timed out; undefined: not watched) */
  afterRollout?: (result: OperationResult, progress: RolloutProgress | undefined) => void;
}

/** What commands may use. Built once in activate() and passed to every command. */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: Log;
  readonly settings: Settings;
  /** the data (environments, history, images, live state); only `refresh` tells it to change */
  readonly workspace: Workspace;
  /** the workspace's environments (read them; `workspace.ensureLoaded()` before a command needs them) */
  readonly environments: EnvironmentsModel;
  /** the RefreshManager: the Refresh buttons, a deployment or a push made here */
  readonly refresh: RefreshManager;
  /** the workspace's deploy history (`get` reads it when a command needs it) */
  readonly history: HistoryModel;
  readonly previews: PreviewDocuments;
  readonly hooks: DeployHooks;
  /** Build/Push Image, Ship and the Images view (src/vscode/images) */
  readonly images?: ImageFeature;
  /** clusters: live state in the tree, the status-bar rollout indicator, Argo CD / Rollouts actions (src/vscode/kube) */
  readonly rollouts?: RolloutFeature;
  /** pull requests: tokens, and the sessions commands open or merge through (src/vscode/pullRequests) */
  readonly pullRequests?: PullRequestFeature;
  /** how the Environments view groups multi-app projects (env → apps / app → envs), kept per workspace */
  readonly grouping: EnvironmentsGrouping;
}

export interface CommandDef {
  /** the command id, as contributed in package.json */
  readonly id: string;
  /** handlers take (node?, nodes?) from menus, nothing from the palette */
  run(services: Services, ...args: unknown[]): unknown;
}
