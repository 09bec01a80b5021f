/**
 * The promotion pull requests of the environments that change only through review (`pushMode:
 * pull-request`): for each, the open one (else the newest), as the host says. One session (host, repository,
 * token) per project, made when first needed and dropped when it fails or the token changes. Reads are
 * coalesced per environment (a read asked for while one runs runs once more after it). The Workspace decides
 * when to read (view shown, window focused, our own actions, an interval while one is open); the tree renders
 * `state()`. No `vscode` import.
 */
import type { Project } from '../config/model';
import { toPilotError, type PilotError } from '../errors';
import type { Logger } from '../log';
import { findPromotion, pullRequestEnvironments, type PullRequestSession } from '../pullRequests/flow';
import type { PullRequest } from '../pullRequests/types';
import { Emitter, type Event } from '../util/events';
import type { EnvironmentEntry, EnvironmentsModel } from './environments';
import { entryKey } from './live';

export type PullRequestStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'loading'; readonly last?: PullRequest }
  /** `pr` undefined: no promotion pull request was ever opened for it */
  | { readonly kind: 'loaded'; readonly pr: PullRequest | undefined }
  | { readonly kind: 'failed'; readonly error: PilotError; readonly last?: PullRequest };

export interface PullRequestsModelOptions {
  readonly environments: EnvironmentsModel;
  /** the session for a project's pull requests (the editor finds the token); throws a PilotError with a next step */
  readonly connect: (project: Project) => Promise<PullRequestSession>;
  /** false in Restricted Mode: nothing is read (git runs, a token is sent) */
  readonly enabled: () => boolean;
  readonly log?: Logger;
}

interface Read {
  running: Promise<void>;
  again: boolean;
}

export class PullRequestsModel {
  private readonly changed = new Emitter<string>();
  /** fires with the key (entryKey) of an environment whose pull request changed */
  readonly onDidChange: Event<string> = this.changed.event;
  private readonly states = new Map<string, PullRequestStatus>();
  private readonly reads = new Map<string, Read>();
  private readonly sessions = new Map<string, { key: string; session: Promise<PullRequestSession> }>();

  constructor(private readonly o: PullRequestsModelOptions) {}

  /** The environments that change through a pull request. */
  get entries(): EnvironmentEntry[] {
    return pullRequestEnvironments(this.o.environments.environments);
  }

  /** undefined for an environment that does not change through a pull request */
  state(entry: Pick<EnvironmentEntry, 'env' | 'project'>): PullRequestStatus | undefined {
    if (entry.env.pushMode !== 'pull-request') return undefined;
    return this.states.get(entryKey(entry)) ?? { kind: 'idle' };
  }

  /** The pull request last read for an environment (also while it is read again or after a failed read). */
  current(entry: Pick<EnvironmentEntry, 'env' | 'project'>): PullRequest | undefined {
    const s = this.state(entry);
    return s?.kind === 'loaded' ? s.pr : s?.kind === 'loading' || s?.kind === 'failed' ? s.last : undefined;
  }

  /** Whether any environment has an open pull request (the Workspace then reads them on an interval). */
  get hasOpen(): boolean {
    return this.entries.some((e) => this.current(e)?.state === 'open');
  }

  /** The session for a project's host (made once; made again after a failure or `forgetSessions`). */
  session(project: Project): Promise<PullRequestSession> {
    const key = JSON.stringify([project.gitopsRoot, project.gitops.remote, project.gitops.branch, project.gitops.pullRequests]);
    const cached = this.sessions.get(project.root);
    if (cached && cached.key === key) return cached.session;
    const session = this.o.connect(project);
    this.sessions.set(project.root, { key, session });
    session.catch(() => {
      if (this.sessions.get(project.root)?.session === session) this.sessions.delete(project.root);
    });
    return session;
  }

  /** A token was set or removed: every host is connected again on the next read. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  /** Reads the pull requests of these environments (default: all), and resolves when they are read. */
  async refresh(entries: readonly EnvironmentEntry[] = this.entries): Promise<void> {
    if (!this.o.enabled()) return;
    await Promise.all(pullRequestEnvironments(entries).map((e) => this.read(e)));
  }

  /** Reads the environments never read yet (new environments after a reload). */
  async refreshIdle(): Promise<void> {
    await this.refresh(this.entries.filter((e) => this.state(e)?.kind === 'idle'));
  }

  /** Reads the environments whose pull request is open (the interval). */
  async refreshOpen(): Promise<void> {
    await this.refresh(this.entries.filter((e) => this.current(e)?.state === 'open'));
  }

  /** What an action of ours (open, update, merge) got back from the host: shown at once. */
  set(entry: Pick<EnvironmentEntry, 'env' | 'project'>, pr: PullRequest): void {
    this.update(entryKey(entry), { kind: 'loaded', pr });
  }

  private read(entry: EnvironmentEntry): Promise<void> {
    const key = entryKey(entry);
    const running = this.reads.get(key);
    if (running) {
      running.again = true;
      return running.running;
    }
    const r: Read = { running: Promise.resolve(), again: false };
    r.running = (async () => {
      do {
        r.again = false;
        await this.readOnce(key, entry);
      } while (r.again);
    })().finally(() => this.reads.delete(key));
    this.reads.set(key, r);
    return r.running;
  }

  private async readOnce(key: string, entry: EnvironmentEntry): Promise<void> {
    const last = this.current(entry);
    // only a first read shows as loading: a re-read keeps what is shown (a failure too) until it answers
    if (this.state(entry)?.kind === 'idle') this.update(key, { kind: 'loading' });
    try {
      const session = await this.session(entry.project);
      const pr = await findPromotion(session, entry.env);
      this.update(key, { kind: 'loaded', pr });
    } catch (err) {
      const error = toPilotError(err);
      // an auth failure (a token revoked meanwhile) connects again next time
      if (/^pr\.(unauthorized|forbidden|noToken)$/.test(error.code)) this.sessions.delete(entry.project.root);
      this.o.log?.debug(`pull request of ${entry.env.name}: ${error.message}`);
      this.update(key, { kind: 'failed', error, ...(last ? { last } : {}) });
    }
  }

  private update(key: string, s: PullRequestStatus): void {
    const before = this.states.get(key);
    this.states.set(key, s);
    if (JSON.stringify(before) !== JSON.stringify(s)) this.changed.fire(key);
  }

  dispose(): void {
    this.changed.dispose();
    this.sessions.clear();
  }
}
