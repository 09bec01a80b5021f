/**
 * The workspace's data behind one facade: the environments (projects and the image each file
 * declares), their deploy history, their live cluster state and the ECR images. The models fire change
 * events and renderers read them; the entry points below are the only ways the data is told to change,
 * and the editor's RefreshManager (or a test) is their only caller. The Workspace decides what to load:
 * nothing for a view that is hidden (what changed meanwhile is remembered and loaded once when it
 * shows), history only for History rows that are shown, and a history is forgotten whenever its file
 * or its repository's HEAD moves, whoever moved it. No `vscode` import.
 */
import { resolve } from 'node:path';
import type { Environment, Project } from '../config/model';
import type { PullRequest } from '../pullRequests/types';
import type { GitOptions } from '../gitops/git';
import { imageProjects } from '../images/registryCheck';
import type { Logger } from '../log';
import type { Disposable } from '../util/events';
import { EnvironmentsModel } from './environments';
import { HistoryModel } from './history';
import { ImagesModel, tagKey, type ImagesModelDeps } from './images';
import { LiveModel, type LiveModelOptions } from './live';
import { PullRequestsModel, type PullRequestsModelOptions } from './pullRequests';

/** The views whose visibility decides what is loaded. */
export type ViewId = 'environments' | 'images';

/** Settings that change what the data is: the git program, ECR access, the kubeconfig. */
export type SettingGroup = 'git' | 'ecr' | 'kubeconfig';

export interface WorkspaceOptions {
  readonly folders: () => readonly string[];
  readonly log: Logger;
  readonly git: () => GitOptions;
  /** false in Restricted Mode: no git, no AWS credential chain, no cluster (each may run programs) */
  readonly trusted: () => boolean;
  /** the Images view's data (absent: no images) */
  readonly images?: Pick<ImagesModelDeps, 'api' | 'maxRepositories' | 'maxImages'>;
  /** the clusters (absent: no live state) */
  readonly live?: Pick<LiveModelOptions, 'session' | 'mappings'> & {
    /** whether the kubeconfig files changed since they were last read (checked when the window is back) */
    readonly kubeconfigChanged?: () => boolean;
  };
  /** the promotion pull requests (absent: none are read) */
  readonly pullRequests?: Pick<PullRequestsModelOptions, 'connect'>;
}

const UNTRUSTED_IMAGES = 'Trust this workspace to list its images (the AWS credential chain may run programs)';

export class Workspace implements Disposable {
  readonly environments: EnvironmentsModel;
  readonly history: HistoryModel;
  readonly images: ImagesModel | undefined;
  readonly live: LiveModel | undefined;
  readonly pullRequests: PullRequestsModel | undefined;

  private readonly visible = new Set<ViewId>();
  /** the environments need a full load when next wanted (never loaded, folders, trust, Refresh) */
  private environmentsStale = true;
  /** files that changed while the Environments view was hidden */
  private readonly pendingFiles = new Set<string>();
  private imagesStale = true;
  private imagesKey = '';
  /** environment files whose History rows are expanded */
  private readonly shownHistory = new Set<string>();
  /** Images rows (repositories, tags) expanded, and the workspace's own repositories collapsed (they show expanded) */
  private readonly shownImageRows = new Set<string>();
  private readonly collapsedImageRows = new Set<string>();
  private readonly subs: Disposable[] = [];

  constructor(private readonly o: WorkspaceOptions) {
    this.environments = new EnvironmentsModel(o.folders, o.log);
    this.history = new HistoryModel(o.git);
    this.images = o.images
      ? new ImagesModel({ ...o.images, projects: () => this.projects, ready: () => this.ensureLoaded(), disabled: () => (o.trusted() ? undefined : UNTRUSTED_IMAGES), log: o.log })
      : undefined;
    this.live = o.live ? new LiveModel({ session: o.live.session, mappings: o.live.mappings, environments: this.environments, enabled: o.trusted, log: o.log }) : undefined;
    this.pullRequests = o.pullRequests ? new PullRequestsModel({ connect: o.pullRequests.connect, environments: this.environments, enabled: o.trusted, log: o.log }) : undefined;
    this.subs.push(this.environments.onDidChange(() => this.environmentsLoaded()));
    if (this.images) this.subs.push(this.images.onDidChange(() => this.loadShownImageRows()));
  }

  get projects(): Project[] {
    return this.environments.projects.map((p) => p.project);
  }

  isVisible(view: ViewId): boolean {
    return this.visible.has(view);
  }

  /** For commands (run from the palette, maybe before any view showed): the environments, up to date. */
  async ensureLoaded(): Promise<void> {
    if (this.environmentsStale || this.pendingFiles.size) return this.loadEnvironments();
    return this.environments.ensureLoaded();
  }

  // ── entry points: the only ways the data changes ─────────────────────────────────────────────────

  /** A view was shown or hidden: what it shows loads (once) while it is visible, and only then. */
  async viewVisibilityChanged(view: ViewId, visible: boolean): Promise<void> {
    if (visible) this.visible.add(view);
    else this.visible.delete(view);
    if (view === 'environments') {
      this.live?.setActive(visible);
      if (visible) {
        await this.refreshShown();
        this.readPullRequests('all');
      }
    } else if (visible && this.imagesStale) {
      await this.loadImages();
    } else if (visible) {
      this.loadShownImageRows();
    }
  }

  /** A History row was expanded or collapsed: shown histories are read, and read again after a change. */
  historyVisibilityChanged(file: string, shown: boolean): void {
    if (shown) this.shownHistory.add(resolve(file));
    else this.shownHistory.delete(resolve(file));
    if (shown) this.loadShownHistory();
  }

  /**
   * A row of the Images view was expanded or collapsed (a repository: its tags; a tag: its scan findings).
   * The workspace's own repositories show expanded until collapsed.
   */
  imageRowVisibilityChanged(key: string, shown: boolean): void {
    if (shown) {
      this.shownImageRows.add(key);
      this.collapsedImageRows.delete(key);
    } else {
      this.shownImageRows.delete(key);
      this.collapsedImageRows.add(key);
    }
    this.loadShownImageRows();
  }

  /** An environment row was expanded or collapsed: its pods, ReplicaSets and events are watched while expanded. */
  environmentExpanded(key: string, expanded: boolean): void {
    this.live?.setExpanded(key, expanded);
  }

  /** Files changed on disk (environment files, config files, new files of a conventional layout). */
  async filesChanged(paths: readonly string[]): Promise<void> {
    const abs = paths.map((p) => resolve(p));
    const known = new Set(this.environments.environmentFiles);
    // a config file or a new file may change which file an environment reads: forget every history
    this.history.invalidate(abs.every((p) => known.has(p)) ? abs : undefined);
    for (const p of abs) this.pendingFiles.add(p);
    await this.refreshShown();
  }

  /** The HEAD or a branch of the repositories holding these GitOps roots moved (commit, pull, checkout, reset). */
  async headMoved(gitopsRoots: readonly string[]): Promise<void> {
    const roots = new Set(gitopsRoots.map((r) => resolve(r)));
    const files = this.environments.environments.filter((e) => roots.has(resolve(e.env.gitopsRoot))).map((e) => e.env.file);
    if (files.length) this.history.invalidate(files);
    this.loadShownHistory();
  }

  async settingsChanged(groups: readonly SettingGroup[]): Promise<void> {
    if (groups.includes('git')) {
      this.history.invalidate();
      this.loadShownHistory();
    }
    if (groups.includes('kubeconfig')) this.live?.reconnect();
    if (groups.includes('ecr')) await this.imagesChanged();
  }

  /** The workspace was trusted: git, the clusters and ECR may be used now. */
  async trustChanged(): Promise<void> {
    this.environmentsStale = true;
    this.history.invalidate();
    this.live?.sync();
    await Promise.all([this.refreshShown(), this.imagesChanged()]);
    this.readPullRequests('all');
  }

  async foldersChanged(): Promise<void> {
    this.environmentsStale = true;
    this.history.invalidate();
    await this.refreshShown();
  }

  /** The window has focus again: a kubeconfig fixed in a terminal (aws eks update-kubeconfig) is read again. */
  windowFocused(): void {
    if (this.live && this.o.live?.kubeconfigChanged?.()) this.live.reconnect();
    // a pull request reviewed or merged in the browser meanwhile
    this.readPullRequests('all');
  }

  /** The interval while a pull request is open (the RefreshManager's timer): the open ones are read again. */
  pullRequestsDue(): void {
    if (this.pullRequests?.hasOpen) this.readPullRequests('open');
  }

  /**
   * This window opened, updated or merged an environment's pull request: what the host answered shows at
   * once (`pr`), or the environment's pull request is read again.
   */
  async pullRequestChanged(env: Pick<Environment, 'id' | 'file'>, pr?: PullRequest): Promise<void> {
    const model = this.pullRequests;
    const entry = this.environments.environments.find((e) => e.env.id === env.id && resolve(e.env.file) === resolve(env.file));
    if (!model || !entry) return;
    if (pr) model.set(entry, pr);
    else await model.refresh([entry]);
  }

  /** The same for the release pull request of an environment of several apps (`prod` of the project at `projectRoot`). */
  async releasePullRequestChanged(projectRoot: string, name: string, pr?: PullRequest): Promise<void> {
    const model = this.pullRequests;
    const project = this.environments.projects.find((p) => resolve(p.project.root) === resolve(projectRoot))?.project;
    if (!model || !project) return;
    if (pr) model.setRelease({ project, name }, pr);
    else await model.refresh([], [{ project, name }]);
  }

  /** A pull-request token was set or removed: the hosts are connected again and every pull request read. */
  async pullRequestTokenChanged(): Promise<void> {
    this.pullRequests?.forgetSessions();
    if (this.visible.has('environments')) await this.pullRequests?.refresh();
  }

  /** The Refresh button of a view: everything it shows is read again now. */
  async refresh(view: ViewId): Promise<void> {
    if (view === 'images') return this.loadImages();
    this.environmentsStale = true;
    this.history.invalidate();
    await this.loadEnvironments();
    this.loadShownHistory();
    this.pullRequests?.forgetSessions();
    this.readPullRequests('all');
  }

  /** This window committed a deployment: its file changed and its repository's HEAD moved. */
  async deploymentMade(env: Pick<Environment, 'file' | 'gitopsRoot'>): Promise<void> {
    this.history.invalidate([resolve(env.file)]);
    await this.filesChanged([env.file]);
  }

  /** An image was pushed to a repository: its tags are read again (now if the Images view shows, else when it does). */
  async imagePushed(repository: string): Promise<void> {
    if (!this.images) return;
    if (this.visible.has('images') && this.images.state.kind === 'loaded') await this.images.invalidate(repository);
    else this.imagesStale = true;
  }

  // ── what the entry points decide ─────────────────────────────────────────────────────────────────

  /** Loads what the Environments view shows, when it shows. */
  private async refreshShown(): Promise<void> {
    if (!this.visible.has('environments')) return;
    if (this.environmentsStale || this.pendingFiles.size) await this.loadEnvironments();
    this.loadShownHistory();
  }

  private async loadEnvironments(): Promise<void> {
    const full = this.environmentsStale;
    const files = [...this.pendingFiles];
    this.environmentsStale = false;
    this.pendingFiles.clear();
    if (full) await this.environments.reload();
    else if (files.length) await this.environments.filesChanged(files);
  }

  private loadShownHistory(): void {
    if (!this.visible.has('environments') || !this.o.trusted()) return;
    for (const entry of this.environments.environments) {
      if (this.shownHistory.has(entry.env.file) && this.history.state(entry.env).kind === 'idle') {
        this.history.load(entry.env).catch((err: unknown) => this.o.log.debug(`history of ${entry.env.relFile}: ${String(err)}`));
      }
    }
  }

  /** Pull requests are read only while the Environments view shows them, in a trusted workspace. */
  private readPullRequests(which: 'all' | 'idle' | 'open'): void {
    const model = this.pullRequests;
    if (!model || !this.visible.has('environments') || !this.o.trusted()) return;
    const read = which === 'all' ? model.refresh() : which === 'idle' ? model.refreshIdle() : model.refreshOpen();
    read.catch((err: unknown) => this.o.log.debug(`pull requests: ${String(err)}`));
  }

  private loadShownImageRows(): void {
    const images = this.images;
    if (!images || !this.visible.has('images') || images.state.kind !== 'loaded') return;
    const fail = (err: unknown) => this.o.log.debug(`images: ${String(err)}`);
    for (const r of images.repositories) {
      const shown = this.shownImageRows.has(r.key) || (r.projects.length > 0 && !this.collapsedImageRows.has(r.key));
      if (shown && r.images.kind === 'idle') images.images(r).catch(fail);
      if (r.images.kind !== 'loaded') continue;
      for (const t of r.images.value) if (t.findings.kind === 'idle' && this.shownImageRows.has(tagKey(t))) images.findings(t).catch(fail);
    }
  }

  private async imagesChanged(): Promise<void> {
    this.imagesStale = true;
    if (this.visible.has('images')) await this.loadImages();
  }

  private async loadImages(): Promise<void> {
    if (!this.images) return;
    this.imagesStale = false;
    // the repositories listed are the ones the projects build: read the projects first
    await this.ensureLoaded();
    this.imagesKey = this.projectsKey();
    await this.images.reload();
  }

  /** The environments were read again: the Images view follows when the repositories they build changed. */
  private environmentsLoaded(): void {
    this.loadShownHistory();
    this.readPullRequests('idle');
    if (!this.images || this.projectsKey() === this.imagesKey) return;
    void this.imagesChanged().catch((err: unknown) => this.o.log.error('loading images failed', err));
  }

  private projectsKey(): string {
    return JSON.stringify(imageProjects(this.projects).map((p) => [p.root, p.config?.image?.repository, p.config?.image?.region, p.config?.image?.account]));
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
    this.live?.dispose();
    this.pullRequests?.dispose();
    this.images?.dispose();
    this.history.dispose();
    this.environments.dispose();
  }
}
