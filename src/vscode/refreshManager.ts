import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { DisposableOwner } from '../core/util/lifecycle';
import type { EnvironmentsModel } from '../core/workspace/environments';

/** Conventional layouts and the config file, relative to a GitOps root or workspace folder. */
const CONVENTION_GLOB =
  '{gitops-pilot.yaml,gitops-pilot.yml,envs/*/values.yaml,envs/*/values.yml,overlays/*/kustomization.yaml,overlays/*/kustomization.yml,overlays/*/Kustomization,apps/*/overlays/*/kustomization.yaml,apps/*/overlays/*/kustomization.yml,apps/*/overlays/*/Kustomization}';

/**
 * The one place that decides when the Environments model reloads: file changes (debounced and
 * coalesced), the Refresh button, workspace folder changes and trust changes. While the view is hidden
 * triggers are only remembered, and one reload runs when it becomes visible again.
 */
export class RefreshManager extends DisposableOwner {
  private timer: NodeJS.Timeout | undefined;
  private pendingPaths = new Set<string>();
  private pendingFull = false;
  private visible = false;
  private dirtyWhileHidden = false;
  private watchers: vscode.Disposable[] = [];
  private watchedKey = '';

  constructor(
    private readonly model: EnvironmentsModel,
    private readonly log: Logger,
    private readonly debounceMs = 250,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.trigger('workspace folders changed')));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.trigger('workspace trusted')));
    this.register(model.onDidChange(() => this.updateWatchers()));
    this.register({ dispose: () => this.clearWatchers() });
    this.register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  /** Called by the view: reloads happen only while something shows the data. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.dirtyWhileHidden) {
      this.dirtyWhileHidden = false;
      this.pendingFull = true;
      this.schedule(0);
    }
  }

  /** A full reload (Refresh button, folder change). */
  trigger(reason: string): void {
    this.log.debug(`refresh requested: ${reason}`);
    this.pendingFull = true;
    this.schedule(0);
  }

  /** Files changed on disk; reloads what they affect after the debounce. */
  filesChanged(paths: readonly string[]): void {
    for (const p of paths) this.pendingPaths.add(p);
    this.schedule(this.debounceMs);
  }

  /** Waits for any scheduled refresh to finish (used by commands that must show fresh data). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.run();
    }
  }

  private schedule(delay: number): void {
    if (!this.visible && this.model.state.kind !== 'loading') {
      this.dirtyWhileHidden = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    const full = this.pendingFull;
    const paths = [...this.pendingPaths];
    this.pendingFull = false;
    this.pendingPaths.clear();
    try {
      if (full) await this.model.reload();
      else if (paths.length) await this.model.filesChanged(paths);
    } catch (err) {
      this.log.error('refresh failed', err);
    }
  }

  /** One watcher per folder that can hold environments: workspace folders and GitOps roots. */
  private updateWatchers(): void {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const roots = [...new Set([...folders, ...this.model.gitopsRoots])].sort();
    const extra = [...new Set(this.model.environmentFiles)].sort();
    const key = JSON.stringify([roots, extra]);
    if (key === this.watchedKey) return;
    this.watchedKey = key;
    this.clearWatchers();
    const onEvent = (uri: vscode.Uri) => this.filesChanged([uri.fsPath]);
    const add = (pattern: vscode.GlobPattern) => {
      const w = vscode.workspace.createFileSystemWatcher(pattern);
      w.onDidChange(onEvent);
      w.onDidCreate(onEvent);
      w.onDidDelete(onEvent);
      this.watchers.push(w);
    };
    for (const root of roots) add(new vscode.RelativePattern(vscode.Uri.file(root), CONVENTION_GLOB));
    // configured files outside the conventional layout
    for (const root of this.model.gitopsRoots) {
      const rels = extra.filter((f) => f.startsWith(`${root}/`)).map((f) => f.slice(root.length + 1).replace(/[{}[\]*?,]/g, '?'));
      if (rels.length) add(new vscode.RelativePattern(vscode.Uri.file(root), `{${rels.join(',')}}`));
    }
    this.log.debug(`watching ${roots.length} folder(s) and ${extra.length} environment file(s)`);
  }

  private clearWatchers(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
  }
}
