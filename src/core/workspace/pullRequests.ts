/**
 * The promotion pull requests of the environments that change only through review (`pushMode:
 * pull-request`): for each, the open one (else the newest), as the host says; and, in a project of several
 * apps, the release pull request of each such environment (`prod`: several apps in one commit, from
 * gitops-pilot/prod/_release), read the same way. One session (host, repository,
 * token) per project, made when first needed and dropped when it fails or the token changes. Reads are
 * coalesced per environment (a read asked for while one runs runs once more after it). The Workspace decides
 * when to read (view shown, window focused, our own actions, an interval while one is open); the tree renders
 * `state()`. No `vscode` import.
 */
import { groupByEnvironment } from '../apps/matrix';
import type { Project } from '../config/model';
import { toPilotError, type PilotError } from '../errors';
import type { Logger } from '../log';
import { findPromotion, findReleasePromotion, pullRequestEnvironments, type PullRequestSession } from '../pullRequests/flow';
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

/** An environment of a multi-app project (`prod`) whose releases go through one pull request. */
export interface ReleaseTarget {
  readonly project: Project;
  /** the environment's name, shared by its apps' environments (`api/prod`, `web/prod`) */
  readonly name: string;
}

/** How the model (and its onDidChange) names a release's pull request; never equal to an entryKey. */
export function releaseKey(t: { readonly project: Pick<Project, 'root'>; readonly name: string }): string {
  return `release:${t.project.root}:${t.name}`;
}

export function isReleaseKey(key: string): boolean {
  return key.startsWith('release:');
}

/** What is read: an environment's (or one app's) promotion pull request, or a release's. */
interface Subject {
  readonly key: string;
  readonly project: Project;
  readonly label: string;
  find(s: PullRequestSession): Promise<PullRequest | undefined>;
}

function current(s: PullRequestStatus | undefined): PullRequest | undefined {
  return s?.kind === 'loaded' ? s.pr : s?.kind === 'loading' || s?.kind === 'failed' ? s.last : undefined;
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

  /** The environments of multi-app projects whose releases go through a pull request (one of their apps' environments has pushMode: pull-request). */
  get releases(): ReleaseTarget[] {
    return this.o.environments.projects.flatMap((p) =>
      (groupByEnvironment(p)?.groups ?? []).filter((g) => pullRequestEnvironments(g.entries).length > 0).map((g) => ({ project: p.project, name: g.name })),
    );
  }

  /** undefined for an environment that does not change through a pull request */
  state(entry: Pick<EnvironmentEntry, 'env' | 'project'>): PullRequestStatus | undefined {
    if (entry.env.pushMode !== 'pull-request') return undefined;
    return this.states.get(entryKey(entry)) ?? { kind: 'idle' };
  }

  /** The pull request last read for an environment (also while it is read again or after a failed read). */
  current(entry: Pick<EnvironmentEntry, 'env' | 'project'>): PullRequest | undefined {
    return current(this.state(entry));
  }

  /** The release pull request of an environment of several apps; undefined when its releases do not go through one. */
  releaseState(t: ReleaseTarget): PullRequestStatus | undefined {
    const key = releaseKey(t);
    if (!this.releases.some((r) => releaseKey(r) === key)) return undefined;
    return this.states.get(key) ?? { kind: 'idle' };
  }

  /** The release pull request last read (also while it is read again or after a failed read). */
  currentRelease(t: ReleaseTarget): PullRequest | undefined {
    return current(this.releaseState(t));
  }

  /** Whether any environment or release has an open pull request (the Workspace then reads them on an interval). */
  get hasOpen(): boolean {
    return this.entries.some((e) => this.current(e)?.state === 'open') || this.releases.some((r) => this.currentRelease(r)?.state === 'open');
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

  /**
   * Reads the pull requests of these environments and releases, and resolves when they are read. Neither
   * given: every environment's and every release's; one given: only those.
   */
  async refresh(entries?: readonly EnvironmentEntry[], releases?: readonly ReleaseTarget[]): Promise<void> {
    if (!this.o.enabled()) return;
    const all = entries === undefined && releases === undefined;
    const subjects = [
      ...pullRequestEnvironments(entries ?? (all ? this.entries : [])).map((e) => this.entrySubject(e)),
      ...(releases ?? (all ? this.releases : [])).filter((r) => this.releaseState(r) !== undefined).map((r) => this.releaseSubject(r)),
    ];
    await Promise.all(subjects.map((s) => this.read(s)));
  }

  /** Reads the environments and releases never read yet (new environments after a reload). */
  async refreshIdle(): Promise<void> {
    await this.refresh(
      this.entries.filter((e) => this.state(e)?.kind === 'idle'),
      this.releases.filter((r) => this.releaseState(r)?.kind === 'idle'),
    );
  }

  /** Reads the environments and releases whose pull request is open (the interval). */
  async refreshOpen(): Promise<void> {
    await this.refresh(
      this.entries.filter((e) => this.current(e)?.state === 'open'),
      this.releases.filter((r) => this.currentRelease(r)?.state === 'open'),
    );
  }

  /** What an action of ours (open, update, merge) got back from the host: shown at once. */
  set(entry: Pick<EnvironmentEntry, 'env' | 'project'>, pr: PullRequest): void {
    this.update(entryKey(entry), { kind: 'loaded', pr });
  }

  /** The same for a release's pull request. */
  setRelease(t: ReleaseTarget, pr: PullRequest): void {
    this.update(releaseKey(t), { kind: 'loaded', pr });
  }

  private entrySubject(entry: EnvironmentEntry): Subject {
    return { key: entryKey(entry), project: entry.project, label: entry.env.id, find: (s) => findPromotion(s, entry.env) };
  }

  private releaseSubject(t: ReleaseTarget): Subject {
    return { key: releaseKey(t), project: t.project, label: `the release to ${t.name}`, find: (s) => findReleasePromotion(s, t.name) };
  }

  private read(subject: Subject): Promise<void> {
    const key = subject.key;
    const running = this.reads.get(key);
    if (running) {
      running.again = true;
      return running.running;
    }
    const r: Read = { running: Promise.resolve(), again: false };
    r.running = (async () => {
      do {
        r.again = false;
        await this.readOnce(subject);
      } while (r.again);
    })().finally(() => this.reads.delete(key));
    this.reads.set(key, r);
    return r.running;
  }

  private async readOnce(subject: Subject): Promise<void> {
    const { key, project } = subject;
    const before = this.states.get(key);
    const last = current(before);
    // only a first read shows as loading: a re-read keeps what is shown (a failure too) until it answers
    if (before === undefined || before.kind === 'idle') this.update(key, { kind: 'loading' });
    try {
      const session = await this.session(project);
      const pr = await subject.find(session);
      this.update(key, { kind: 'loaded', pr });
    } catch (err) {
      const error = toPilotError(err);
      // an auth failure (a token revoked meanwhile) connects again next time
      if (/^pr\.(unauthorized|forbidden|noToken)$/.test(error.code)) this.sessions.delete(project.root);
      this.o.log?.debug(`pull request of ${subject.label}: ${error.message}`);
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
