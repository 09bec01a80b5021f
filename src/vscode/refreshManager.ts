import * as vscode from 'vscode';
import type { Environment } from '../core/config/model';
import type { Logger } from '../core/log';
import type { PullRequest } from '../core/pullRequests/types';
import { DisposableOwner } from '../core/util/lifecycle';
import { findGitDirs, headWatchSpecs, type GitDirs } from '../core/workspace/gitDirs';
import { RefreshQueue } from '../core/workspace/refreshQueue';
import type { SettingGroup, ViewId, Workspace } from '../core/workspace/workspace';
import type { SettingName, Settings } from './settings';

/** Conventional layouts and the config file, relative to a GitOps root or workspace folder. */
const CONVENTION_GLOB =
  '{gitops-pilot.yaml,gitops-pilot.yml,envs/*/values.yaml,envs/*/values.yml,overlays/*/kustomization.yaml,overlays/*/kustomization.yml,overlays/*/Kustomization,apps/*/overlays/*/kustomization.yaml,apps/*/overlays/*/kustomization.yml,apps/*/overlays/*/Kustomization}';

/** Which settings change which data. */
const SETTING_GROUPS: Partial<Record<SettingName, SettingGroup>> = { gitPath: 'git', ecrEndpoint: 'ecr', awsProfile: 'ecr', awsRegion: 'ecr', kubeconfig: 'kubeconfig' };

/** What an expanded tree element stands for: an environment (its pods are wanted) or its History rows. */
export interface ExpandTarget {
  readonly environmentKey?: string;
  readonly historyFile?: string;
  /** a row of the Images view (tagKey or a repository's key) */
  readonly imageRow?: string;
}

/**
 * The one caller of the Workspace's entry points: every source of change in the editor comes through
 * here. File watchers on each folder that can hold environments and on the git HEAD and branch refs
 * of each GitOps repository (debounced and coalesced by the RefreshQueue), workspace folders, trust,
 * settings, window focus, the visibility of each view and the rows expanded in it, the Refresh
 * buttons, and the deployments and pushes this window makes. Watches follow the environments found.
 */
export class RefreshManager extends DisposableOwner {
  private readonly queue: RefreshQueue;
  private watchers: vscode.Disposable[] = [];
  private watchedKey = '';

  constructor(
    private readonly workspace: Workspace,
    settings: Settings,
    private readonly log: Logger,
    debounceMs = 250,
    /** how often open pull requests are read again while the Environments view shows them */
    pullRequestIntervalMs = 30_000,
  ) {
    super();
    this.queue = this.register(new RefreshQueue(workspace, log, debounceMs));
    const run = (what: string, p: Promise<void>) => void p.catch((err: unknown) => log.error(`refresh after ${what} failed`, err));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => run('workspace folders changed', workspace.foldersChanged())));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => run('workspace trusted', workspace.trustChanged())));
    this.register(
      settings.onDidChange((names) => {
        const groups = [...new Set(names.map((n) => SETTING_GROUPS[n]).filter((g): g is SettingGroup => g !== undefined))];
        if (groups.length) run(`settings changed (${groups.join(', ')})`, workspace.settingsChanged(groups));
      }),
    );
    this.register(vscode.window.onDidChangeWindowState((e) => e.focused && workspace.windowFocused()));
    this.register(workspace.environments.onDidChange(() => this.updateWatchers()));
    this.register({ dispose: () => this.clearWatchers() });
    // the Workspace reads only open pull requests, only while the view shows: a tick is cheap otherwise
    const poll = setInterval(() => workspace.pullRequestsDue(), pullRequestIntervalMs);
    poll.unref?.();
    this.register({ dispose: () => clearInterval(poll) });
  }

  /**
   * Follows a view: its visibility goes to the Workspace (nothing loads while it is hidden), and so do
   * the rows expanded in it that want data (`expandTarget` says which).
   */
  attachView<T>(id: ViewId, view: vscode.TreeView<T>, expandTarget?: (element: T) => ExpandTarget | undefined, childrenShown?: vscode.Event<T>): void {
    const visibility = (visible: boolean) => void this.workspace.viewVisibilityChanged(id, visible).catch((err: unknown) => this.log.error(`loading the ${id} view failed`, err));
    this.register(view.onDidChangeVisibility((e) => visibility(e.visible)));
    if (expandTarget) {
      const expanded = (element: T, on: boolean) => {
        const t = expandTarget(element);
        if (t?.environmentKey) this.workspace.environmentExpanded(t.environmentKey, on);
        if (t?.historyFile) this.workspace.historyVisibilityChanged(t.historyFile, on);
        if (t?.imageRow) this.workspace.imageRowVisibilityChanged(t.imageRow, on);
      };
      this.register(view.onDidExpandElement((e) => expanded(e.element, true)));
      this.register(view.onDidCollapseElement((e) => expanded(e.element, false)));
      // VS Code drops an expand event whose row a concurrent refresh has just replaced (the extension host no
      // longer knows its handle), yet still asks for the row's children: being asked means the row shows expanded
      if (childrenShown) this.register(childrenShown((element) => expanded(element, true)));
    }
    visibility(view.visible);
  }

  /** The Environments view's Refresh button (or a new config file): everything read again now. */
  trigger(reason: string): Promise<void> {
    this.log.debug(`refresh requested: ${reason}`);
    return this.workspace.refresh('environments');
  }

  /** The Images view's Refresh button. */
  refreshImages(): Promise<void> {
    return this.workspace.refresh('images');
  }

  /** Files changed on disk (the watchers, or a command that wrote them); handled after the debounce. */
  filesChanged(paths: readonly string[]): void {
    for (const p of paths) this.queue.pathChanged(p);
  }

  /** A deployment was committed in this window: its environment's file and history are read again. */
  deploymentMade(env: Pick<Environment, 'file' | 'gitopsRoot'>): Promise<void> {
    return this.workspace.deploymentMade(env).catch((err: unknown) => this.log.error('refresh after a deployment failed', err));
  }

  /** This window opened, updated or merged an environment's pull request (`pr`: what the host answered). */
  pullRequestChanged(env: Pick<Environment, 'id' | 'file'>, pr?: PullRequest): Promise<void> {
    return this.workspace.pullRequestChanged(env, pr).catch((err: unknown) => this.log.error('refresh of a pull request failed', err));
  }

  /** The same for the release pull request of an environment of several apps. */
  releasePullRequestChanged(projectRoot: string, name: string, pr?: PullRequest): Promise<void> {
    return this.workspace.releasePullRequestChanged(projectRoot, name, pr).catch((err: unknown) => this.log.error('refresh of a release pull request failed', err));
  }

  /** A pull-request token was set or removed in this window. */
  pullRequestTokenChanged(): Promise<void> {
    return this.workspace.pullRequestTokenChanged().catch((err: unknown) => this.log.error('refresh after a token change failed', err));
  }

  /** An image was pushed from this window: its tags are read again. */
  imagePushed(repository: string): Promise<void> {
    return this.workspace.imagePushed(repository).catch((err: unknown) => this.log.error('refresh after a push failed', err));
  }

  /** Hands any waiting change to the Workspace now (commands that must show fresh data). */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /**
   * One watcher per folder that can hold environments (workspace folders and GitOps roots), one for
   * configured files elsewhere, and the HEAD files of each GitOps root's repository.
   */
  private updateWatchers(): void {
    const model = this.workspace.environments;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const roots = [...new Set([...folders, ...model.gitopsRoots])].sort();
    const extra = [...new Set(model.environmentFiles)].sort();
    const repos = new Map<string, GitDirs>();
    for (const root of model.gitopsRoots) {
      const g = findGitDirs(root);
      if (g) repos.set(root, g);
    }
    const key = JSON.stringify([roots, extra, [...repos]]);
    if (key === this.watchedKey) return;
    this.watchedKey = key;
    this.clearWatchers();
    this.queue.setRepositories(repos);
    const onEvent = (uri: vscode.Uri) => this.queue.pathChanged(uri.fsPath);
    const add = (base: string, glob: string) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(base), glob));
      w.onDidChange(onEvent);
      w.onDidCreate(onEvent);
      w.onDidDelete(onEvent);
      this.watchers.push(w);
    };
    for (const root of roots) add(root, CONVENTION_GLOB);
    // configured files outside the conventional layout
    for (const root of model.gitopsRoots) {
      const rels = extra.filter((f) => f.startsWith(`${root}/`)).map((f) => f.slice(root.length + 1).replace(/[{}[\]*?,]/g, '?'));
      if (rels.length) add(root, `{${rels.join(',')}}`);
    }
    const specs = new Map([...repos.values()].flatMap((g) => headWatchSpecs(g)).map((s) => [`${s.base}\0${s.glob}`, s]));
    for (const s of specs.values()) add(s.base, s.glob);
    this.log.debug(`watching ${roots.length} folder(s), ${extra.length} environment file(s) and ${repos.size} repositories' HEAD`);
  }

  private clearWatchers(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
  }
}
