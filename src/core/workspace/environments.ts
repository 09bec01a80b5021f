/**
 * The Environments tree's data: projects found in the workspace folders, and the image each
 * environment's file declares. It owns loading and caching and fires `onDidChange`; the tree
 * provider only renders. No `vscode` import, so it is unit-tested in plain Node.
 */
import { resolve } from 'node:path';
import type { Environment, Project } from '../config/model';
import { loadProject } from '../config/project';
import { toPilotError, type PilotError } from '../errors';
import { readEnvironmentFile, type EnvironmentFileState } from '../gitops/environmentFile';
import type { Logger } from '../log';
import { Emitter } from '../util/events';

export interface EnvironmentEntry {
  readonly env: Environment;
  readonly project: Project;
  readonly file: EnvironmentFileState;
}

export interface ProjectEntry {
  readonly project: Project;
  readonly environments: readonly EnvironmentEntry[];
}

export type ModelState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'loaded' }
  | { readonly kind: 'failed'; readonly error: PilotError };

export class EnvironmentsModel {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  private _projects: ProjectEntry[] = [];
  private _state: ModelState = { kind: 'loading' };
  /** bumps on every reload so a slow, older load never overwrites a newer one */
  private generation = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly folders: () => readonly string[],
    private readonly log: Logger,
  ) {}

  get state(): ModelState {
    return this._state;
  }

  get projects(): readonly ProjectEntry[] {
    return this._projects;
  }

  get environments(): readonly EnvironmentEntry[] {
    return this._projects.flatMap((p) => p.environments);
  }

  find(envId: string, projectRoot?: string): EnvironmentEntry | undefined {
    return this.environments.find((e) => e.env.id === envId && (projectRoot === undefined || e.project.root === projectRoot));
  }

  /** Absolute paths whose change means the project structure may have changed (config files, gitops roots). */
  get configFiles(): string[] {
    return this._projects.flatMap((p) => (p.project.configFile ? [p.project.configFile] : []));
  }

  /** Every file an environment reads, for the file watchers. */
  get environmentFiles(): string[] {
    return this.environments.map((e) => e.env.file);
  }

  get gitopsRoots(): string[] {
    return [...new Set(this._projects.map((p) => p.project.gitopsRoot))];
  }

  /** Resolves when the first load has finished (commands run from the palette before the view opened). */
  async ensureLoaded(): Promise<void> {
    if (this._state.kind === 'loading' && !this.running) return this.reload();
    return this.whenIdle();
  }

  /**
   * Loads everything again. Calls queue behind each other; a load superseded by a newer call skips its
   * work. The promise resolves when every queued load has finished, so the caller sees a settled model.
   */
  reload(): Promise<void> {
    const gen = ++this.generation;
    const p = (this.running ?? Promise.resolve()).then(() => this.load(gen));
    this.running = p;
    return this.whenIdle();
  }

  private async whenIdle(): Promise<void> {
    while (this.running) {
      const r = this.running;
      await r;
      if (this.running === r) this.running = undefined;
    }
  }

  private async load(gen: number): Promise<void> {
    if (gen !== this.generation) return; // a newer reload is queued behind this one
    const t0 = Date.now();
    try {
      const folders = [...new Set(this.folders().map((f) => resolve(f)))];
      const loaded = (await Promise.all(folders.map((f) => loadProject(f)))).filter((p): p is Project => p !== undefined);
      const projects = dedupeByGitopsRoot(loaded);
      const entries = await Promise.all(projects.map(async (project) => ({ project, environments: await readAll(project) })));
      if (gen !== this.generation) return;
      this._projects = entries;
      this._state = entries.length ? { kind: 'loaded' } : { kind: 'empty' };
      this.log.debug(`environments loaded: ${this.environments.length} in ${entries.length} project(s), ${Date.now() - t0} ms`);
    } catch (err) {
      if (gen !== this.generation) return;
      this._state = { kind: 'failed', error: toPilotError(err) };
      this.log.error(`loading environments failed: ${this._state.error.message}`, err);
    }
    this.changed.fire();
  }

  /**
   * Re-reads what changed: a config file or an unknown path reloads everything; an environment's
   * file re-reads just that environment.
   */
  async filesChanged(paths: readonly string[]): Promise<void> {
    const abs = paths.map((p) => resolve(p));
    const configs = new Set(this.configFiles);
    const known = new Set(this.environmentFiles);
    if (this._state.kind !== 'loaded' || abs.some((p) => configs.has(p) || !known.has(p))) return this.reload();
    const gen = this.generation;
    const touched = new Set(abs);
    const updated = await Promise.all(
      this._projects.map(async (p) => ({
        project: p.project,
        environments: await Promise.all(p.environments.map(async (e) => (touched.has(e.env.file) ? { ...e, file: await readEnvironmentFile(e.env) } : e))),
      })),
    );
    if (gen !== this.generation) return;
    this._projects = updated;
    this.changed.fire();
  }

  dispose(): void {
    this.generation++;
    this.changed.dispose();
  }
}

async function readAll(project: Project): Promise<EnvironmentEntry[]> {
  return Promise.all(project.environments.map(async (env) => ({ env, project, file: await readEnvironmentFile(env) })));
}

/**
 * An app repo whose gitops-pilot.yaml points at a GitOps repo that is also open as a folder would list
 * the same environments twice: keep the configured project and drop the discovered duplicate.
 */
function dedupeByGitopsRoot(projects: Project[]): Project[] {
  const configured = new Set(projects.filter((p) => p.configFile).map((p) => p.gitopsRoot));
  return projects.filter((p) => p.configFile || !configured.has(p.gitopsRoot));
}
