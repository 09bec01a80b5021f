/**
 * The refresh manager's decisions, apart from VS Code: changed paths come in from the file watchers one
 * by one, in bursts (a `git pull` rewrites many files and refs at once); after a quiet moment they go to
 * the Workspace as one call: first the repositories whose HEAD or branch moved, then the files that
 * changed. A path is a HEAD move when it is a HEAD, ORIG_HEAD, packed-refs or branch ref of a watched
 * repository; a ref's `.lock` (git still writing) is nothing. The clock is injected for tests.
 */
import { resolve } from 'node:path';
import type { Logger } from '../log';
import { isHeadFile, type GitDirs } from './gitDirs';
import type { Workspace } from './workspace';

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

export type QueueTarget = Pick<Workspace, 'filesChanged' | 'headMoved'>;

export class RefreshQueue {
  private timer: unknown;
  private readonly files = new Set<string>();
  private readonly heads = new Set<string>();
  /** GitOps root → its repository's git directories */
  private repositories: ReadonlyMap<string, GitDirs> = new Map();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: QueueTarget,
    private readonly log: Logger,
    private readonly debounceMs = 250,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The repositories watched for HEAD moves, by the GitOps root they hold. */
  setRepositories(repos: ReadonlyMap<string, GitDirs>): void {
    this.repositories = repos;
  }

  /** A watcher saw a path created, changed or deleted. */
  pathChanged(path: string): void {
    const p = resolve(path);
    const roots = [...this.repositories].filter(([, g]) => isHeadFile(g, p)).map(([root]) => root);
    if (roots.length) for (const r of roots) this.heads.add(r);
    else if (this.isInGitDir(p)) return; // a lock file, an object, the index: not a move
    else this.files.add(p);
    this.schedule();
  }

  private isInGitDir(p: string): boolean {
    return [...this.repositories.values()].some((g) => p.startsWith(`${g.gitDir}/`) || p.startsWith(`${g.commonDir}/`));
  }

  /** Whether changes are waiting for the quiet moment. */
  get pending(): boolean {
    return this.files.size > 0 || this.heads.size > 0;
  }

  private schedule(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
  }

  /** Hands what is waiting to the Workspace now; resolves when it has been handled. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const heads = [...this.heads];
    const files = [...this.files];
    this.heads.clear();
    this.files.clear();
    // one batch after the other: a slow load never overtakes a newer one
    this.running = this.running.then(async () => {
      try {
        if (heads.length) {
          this.log.debug(`refresh: HEAD moved in ${heads.join(', ')}`);
          await this.target.headMoved(heads);
        }
        if (files.length) await this.target.filesChanged(files);
      } catch (err) {
        this.log.error('refresh failed', err);
      }
    });
    return this.running;
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
