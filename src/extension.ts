/**
 * activate() only wires: it builds the services, the views and the commands, and hands them to
 * VS Code for disposal. No I/O happens here; the first load starts when the view asks for data.
 */
import * as vscode from 'vscode';
import { allCommands } from './vscode/commands';
import { registerCommands } from './vscode/commands/registry';
import type { Services } from './vscode/commands/types';
import { PreviewDocuments } from './vscode/deploy/preview';
import { createImageFeature, createImageSupport, installImageHooks } from './vscode/images/feature';
import { createRolloutFeature, installRolloutHooks, KubeAccess, rolloutApi, type RolloutApi } from './vscode/kube/feature';
import { installGateHooks } from './vscode/kube/gates';
import { Log } from './vscode/log';
import { PullRequestFeature } from './vscode/pullRequests/feature';
import { RefreshManager } from './vscode/refreshManager';
import { Settings, type SettingName, type SettingValue } from './vscode/settings';
import { EnvironmentsGrouping } from './vscode/views/environments/grouping';
import { EnvironmentsView } from './vscode/views/environments/view';
import type { EnvironmentsModel } from './core/workspace/environments';
import type { ImagesModel } from './core/workspace/images';
import { Workspace } from './core/workspace/workspace';

export interface ExtensionApi {
  /** the workspace's data (environments, history, images, live state) behind its one facade */
  readonly workspace: Workspace;
  /** for tests and other extensions: the environments as the tree shows them */
  readonly environments: EnvironmentsModel;
  /** the Environments tree exactly as VS Code renders it (getChildren / getTreeItem) */
  readonly environmentsTree: vscode.TreeDataProvider<unknown>;
  /** the Environments view itself (reveal and expand rows as a user would) */
  readonly environmentsView: vscode.TreeView<unknown>;
  /** the effective value of a setting, after the user-only and Restricted Mode rules */
  setting<K extends SettingName>(name: K): SettingValue<K>;
  /** the Images view's data: ECR repositories and their tags */
  readonly images: ImagesModel;
  /** the Images tree exactly as VS Code renders it */
  readonly imagesTree: vscode.TreeDataProvider<unknown>;
  /** clusters: the status-bar rollout indicators, the live model of the tree, watch statistics */
  readonly rollouts: RolloutApi;
  /** milliseconds activate() took */
  readonly activationMs: number;
  /** milliseconds evaluating dist/extension.js took (its first to its last statement), when bundled */
  readonly loadMs: number | undefined;
}

/** set by the bundle's banner and footer (esbuild.mjs); absent when the sources are loaded unbundled */
function bundleLoadMs(): number | undefined {
  const load = (globalThis as { __gitopsPilotLoad?: { start: number; end?: number } }).__gitopsPilotLoad;
  return load?.end === undefined ? undefined : load.end - load.start;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const t0 = performance.now();
  const log = new Log();
  try {
    const settings = new Settings();
    const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const imageSupport = createImageSupport(settings, log);
    const kube = new KubeAccess({ context, log, settings });
    const pullRequests = new PullRequestFeature(context.secrets, settings, log);
    const workspace = new Workspace({
      folders,
      log,
      git: () => ({ log, gitPath: settings.get('gitPath') || undefined }),
      trusted: () => vscode.workspace.isTrusted,
      images: { api: (target) => imageSupport.api(target) },
      live: { session: kube.session, mappings: kube.mappings, kubeconfigChanged: kube.kubeconfigChanged },
      pullRequests: { connect: (project) => pullRequests.connect(project) },
    });
    const refresh = new RefreshManager(workspace, settings, log);
    const previews = new PreviewDocuments();
    const images = createImageFeature({ support: imageSupport, model: workspace.images!, refresh, settings });
    const rollouts = createRolloutFeature({ log, settings, kube, live: workspace.live!, environments: workspace.environments });
    const { environments, history } = workspace;
    const grouping = new EnvironmentsGrouping(context.workspaceState);
    const services: Services = { context, log, settings, workspace, environments, refresh, history, previews, hooks: { afterDeploy: [] }, images, rollouts, pullRequests, grouping };
    installImageHooks(services.hooks, images, () => workspace.projects);
    installRolloutHooks(services.hooks, rollouts, settings, log);
    // the views attach to the refresh manager, which tells the workspace what shows: loading starts there
    installGateHooks(services, rollouts, settings, log);
    const view = new EnvironmentsView(services);
    // a token set or removed, or a GitHub sign-in: the pull requests are read again
    pullRequests.auth.onDidChange(() => void refresh.pullRequestTokenChanged());
    context.subscriptions.push(
      log,
      settings,
      workspace,
      kube,
      refresh,
      previews,
      view,
      grouping,
      images,
      rollouts,
      pullRequests,
      ...registerCommands(services, allCommands),
    );
    const activationMs = performance.now() - t0;
    const loadMs = bundleLoadMs();
    log.info(`GitOps Pilot ${context.extension.packageJSON.version as string} activated in ${activationMs.toFixed(1)} ms${loadMs === undefined ? '' : ` (loading took ${loadMs.toFixed(1)} ms)`}`);
    return { workspace, environments, environmentsTree: view.provider, environmentsView: view.view, images: images.model, imagesTree: images.view.provider, rollouts: rolloutApi(rollouts), setting: (name) => settings.get(name), activationMs, loadMs };
  } catch (err) {
    // VS Code would show nothing: say so, and keep the log for the details
    log.error('activation failed', err);
    void vscode.window.showErrorMessage(`GitOps Pilot failed to start: ${err instanceof Error ? err.message : String(err)}`, 'Show Log').then((c) => c && log.show());
    throw err;
  }
}

export function deactivate(): void {
  // everything is in context.subscriptions
}
