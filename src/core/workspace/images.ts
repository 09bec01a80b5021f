/**
 * The Images tree's data: the ECR repositories of the registries the workspace's projects push to, their
 * tags (pushed at, size, digest, scan status and severity counts) and, on demand, an image's scan findings.
 * Loads when asked (the view asks when it is shown and on Refresh), caches until the next reload, and
 * fires `onDidChange`; failures become entries with an error, never pop-ups. No `vscode` import.
 */
import type { Project } from '../config/model';
import { toPilotError, type PilotError } from '../errors';
import type { EcrApi, RemoteImage, RepositoryInfo, ScanFindings } from '../images/ecr';
import { imageTarget, type ImageTarget } from '../images/ecr';
import type { Logger } from '../log';
import { Emitter } from '../util/events';
import { imageProjects } from '../images/registryCheck';
import type { Loadable } from './loadable';

export type { Loadable } from './loadable';

export interface ImagesModelDeps {
  readonly projects: () => readonly Project[];
  /** resolves when `projects()` is settled (the workspace's projects are loaded) */
  readonly ready?: () => Promise<void>;
  readonly api: (target: Pick<ImageTarget, 'region' | 'account'>) => Promise<EcrApi>;
  /** a reason the view is disabled (Restricted Mode), or undefined */
  readonly disabled: () => string | undefined;
  readonly log: Logger;
  /** repositories listed per registry at most */
  readonly maxRepositories?: number;
  /** tags listed per repository at most */
  readonly maxImages?: number;
}


export interface RepositoryEntry {
  readonly key: string;
  readonly target: Pick<ImageTarget, 'region' | 'account'>;
  readonly name: string;
  /** `host/name` */
  readonly uri: string;
  readonly info?: RepositoryInfo;
  /** the projects that build this repository */
  readonly projects: readonly Project[];
  /** configured but not created in ECR yet */
  readonly missing: boolean;
  images: Loadable<TagEntry[]>;
}

export interface TagEntry {
  readonly repository: RepositoryEntry;
  readonly tag: string;
  readonly image: RemoteImage;
  findings: Loadable<ScanFindings | undefined>;
}

/** How the Workspace names a tag's row (its scan findings show when it is expanded). */
export function tagKey(t: TagEntry): string {
  return `${t.repository.key}:tag:${t.tag}`;
}

export type ImagesState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'disabled'; readonly reason: string }
  | { readonly kind: 'loaded' }
  | { readonly kind: 'failed'; readonly error: PilotError };

export class ImagesModel {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private _state: ImagesState = { kind: 'loading' };
  private _repositories: RepositoryEntry[] = [];
  /** registries that failed to list (shown as rows) */
  private _problems: PilotError[] = [];
  private generation = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: ImagesModelDeps) {}

  get state(): ImagesState {
    return this._state;
  }

  get repositories(): readonly RepositoryEntry[] {
    return this._repositories;
  }

  get problems(): readonly PilotError[] {
    return this._problems;
  }

  /** Reloads the repositories (tags are read again when next asked). Resolves when done. */
  reload(): Promise<void> {
    const gen = ++this.generation;
    const p = this.load(gen);
    this.running = p;
    return p;
  }

  /** Resolves when the first load (or the running one) has finished. */
  async ensureLoaded(): Promise<void> {
    if (this.running) return this.running;
    if (this._state.kind === 'loading') return this.reload();
  }

  private async load(gen: number): Promise<void> {
    await this.deps.ready?.().catch(() => undefined);
    if (gen !== this.generation) return;
    const disabled = this.deps.disabled();
    if (disabled) {
      this._state = { kind: 'disabled', reason: disabled };
      this._repositories = [];
      this._problems = [];
      this.changed.fire();
      return;
    }
    const projects = imageProjects(this.deps.projects());
    const problems: PilotError[] = [];
    // one registry per (region, account): list it once, put the projects' own repositories first
    const registries = new Map<string, { target: Pick<ImageTarget, 'region' | 'account'>; wanted: Map<string, { target: ImageTarget; projects: Project[] }> }>();
    for (const p of projects) {
      let t: ImageTarget;
      try {
        t = imageTarget(p.config!.image);
      } catch (err) {
        problems.push(toPilotError(err));
        continue;
      }
      const key = JSON.stringify([t.region ?? '', t.account ?? '']);
      const reg = registries.get(key) ?? { target: { ...(t.region ? { region: t.region } : {}), ...(t.account ? { account: t.account } : {}) }, wanted: new Map() };
      registries.set(key, reg);
      const w = reg.wanted.get(t.name) ?? { target: t, projects: [] };
      w.projects.push(p);
      reg.wanted.set(t.name, w);
    }
    if (!registries.size) {
      this._state = problems.length ? { kind: 'failed', error: problems[0]! } : { kind: 'empty' };
      this._repositories = [];
      this._problems = problems;
      this.changed.fire();
      return;
    }
    const entries: RepositoryEntry[] = [];
    await Promise.all(
      [...registries.entries()].map(async ([key, reg]) => {
        let listed: RepositoryInfo[] = [];
        try {
          const api = await this.deps.api(reg.target);
          listed = await api.repositories(this.deps.maxRepositories ?? 500);
        } catch (err) {
          problems.push(toPilotError(err));
          this.deps.log.warn(`listing ECR repositories failed: ${toPilotError(err).message}`);
          // still show the configured repositories, their tags may load
        }
        const byName = new Map(listed.map((r) => [r.name, r]));
        for (const [name, w] of reg.wanted) {
          const info = byName.get(name);
          entries.push({
            key: `${key}:${name}`,
            target: reg.target,
            name,
            uri: w.target.registry ? w.target.configured : (info?.uri ?? name),
            ...(info ? { info } : {}),
            projects: w.projects,
            missing: listed.length > 0 && !info,
            images: { kind: 'idle' },
          });
        }
        for (const r of listed) {
          if (reg.wanted.has(r.name)) continue;
          entries.push({ key: `${key}:${r.name}`, target: reg.target, name: r.name, uri: r.uri, info: r, projects: [], missing: false, images: { kind: 'idle' } });
        }
      }),
    );
    if (gen !== this.generation) return;
    // the projects' repositories first, then the others by name
    entries.sort((a, b) => Number(b.projects.length > 0) - Number(a.projects.length > 0) || a.name.localeCompare(b.name));
    this._repositories = entries;
    this._problems = problems;
    this._state = entries.length ? { kind: 'loaded' } : problems.length ? { kind: 'failed', error: problems[0]! } : { kind: 'empty' };
    this.changed.fire();
  }

  /** The tags of a repository, newest first (read once per reload; `force` reads again). */
  async images(entry: RepositoryEntry, force = false): Promise<TagEntry[]> {
    if (!force && entry.images.kind === 'loaded') return entry.images.value;
    if (entry.missing) {
      entry.images = { kind: 'loaded', value: [] };
      return [];
    }
    entry.images = { kind: 'loading' };
    try {
      const api = await this.deps.api(entry.target);
      const list = await api.images(entry.name, this.deps.maxImages ?? 100);
      const tags: TagEntry[] = list.flatMap((image) => image.tags.map((tag) => ({ repository: entry, tag, image, findings: { kind: 'idle' } as const })));
      entry.images = { kind: 'loaded', value: tags };
      return tags;
    } catch (err) {
      entry.images = { kind: 'failed', error: toPilotError(err) };
      return [];
    } finally {
      this.changed.fire();
    }
  }

  /** The scan findings of a tag's image (DescribeImageScanFindings), read once. */
  async findings(tag: TagEntry): Promise<ScanFindings | undefined> {
    if (tag.findings.kind === 'loaded') return tag.findings.value;
    tag.findings = { kind: 'loading' };
    try {
      const api = await this.deps.api(tag.repository.target);
      const f = await api.scanFindings(tag.repository.name, tag.image.digest);
      tag.findings = { kind: 'loaded', value: f };
      return f;
    } catch (err) {
      tag.findings = { kind: 'failed', error: toPilotError(err) };
      return undefined;
    } finally {
      this.changed.fire();
    }
  }

  /** A repository by name or `host/name`. */
  findRepository(repository: string): RepositoryEntry | undefined {
    return this._repositories.find((r) => r.uri === repository || r.name === repository);
  }

  /** Reads a repository's tags again (after a push) and fires a change. */
  async invalidate(repository: string): Promise<void> {
    const r = this.findRepository(repository);
    if (!r || r.missing) {
      await this.reload();
      return;
    }
    await this.images(r, true);
  }

  dispose(): void {
    this.generation++;
    this.changed.dispose();
  }
}
