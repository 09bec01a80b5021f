/**
 * Following a release's rollouts as one (issue 15): after Promote All moved 11 apps into prod, the status
 * bar reads `prod 7/11` (apps rolled out / apps moved) and ends in done, or in the FIRST failure with which
 * app and why. Pure: the status bar feeds it each app's watch updates and renders what it says.
 */
import type { RolloutWatchState } from '../kube/watchRollout';

export interface ReleaseApp {
  /** the app's name (`api`), or the environment's when it has none */
  readonly app: string;
  /** the app environment's entryKey (what the tree and a click-through name it by) */
  readonly key: string;
  readonly envId: string;
  /** `onFailure: rollback`: its own failure is rolled back, so its watch goes on after another app failed */
  readonly rollsBackOnFailure?: boolean;
}

export interface AppRolloutUpdate {
  readonly state: RolloutWatchState;
  readonly reason?: string;
  readonly message?: string;
}

export interface ReleaseRolloutSnapshot {
  /** progressing until every app is done; failed from the first app that failed or timed out */
  readonly state: 'progressing' | 'done' | 'failed';
  /** apps whose rollout is done */
  readonly ready: number;
  /** apps followed (the ones moved that run on a known cluster) */
  readonly moved: number;
  /** the first app that failed (or timed out), and why */
  readonly failure?: { readonly app: ReleaseApp; readonly reason: string; readonly message: string };
  /** the app a click shows: the failed one, else the first still rolling out, else the first */
  readonly focus: ReleaseApp;
  /** one line per app, for the tooltip */
  readonly lines: readonly string[];
}

const WORDS: Record<RolloutWatchState, string> = { waiting: 'waiting for the sync', progressing: 'rolling out', done: 'done', failed: 'failed', timeout: 'timed out' };

export class ReleaseRolloutTally {
  private readonly states = new Map<string, AppRolloutUpdate>();
  private first: ReleaseRolloutSnapshot['failure'];

  constructor(
    readonly env: string,
    readonly apps: readonly ReleaseApp[],
  ) {
    if (!apps.length) throw new Error('a release rollout follows at least one app');
  }

  /** An app's watch said something; a final failure stays the release's once it is the first. */
  update(key: string, u: AppRolloutUpdate): ReleaseRolloutSnapshot {
    const app = this.apps.find((a) => a.key === key);
    if (!app) return this.snapshot;
    const before = this.states.get(key);
    // a final word (done, failed, timed out) is not taken back by a late update
    if (before && isFinal(before.state)) return this.snapshot;
    this.states.set(key, u);
    if (!this.first && (u.state === 'failed' || u.state === 'timeout')) {
      const reason = u.state === 'timeout' ? 'timed out' : u.reason && !u.reason.startsWith('kube.') ? u.reason : 'failed';
      this.first = { app, reason, message: u.message ?? reason };
    }
    return this.snapshot;
  }

  get finished(): boolean {
    return this.snapshot.state !== 'progressing';
  }

  /**
   * The apps whose watch is no longer needed: after the first failure the release has failed, so every app
   * still rolling out stops being followed, except one with `onFailure: rollback`, whose own failure must
   * still be seen (and rolled back) when it comes.
   */
  get stopFollowing(): readonly ReleaseApp[] {
    if (!this.first) return [];
    return this.apps.filter((a) => !a.rollsBackOnFailure && !isFinal(this.states.get(a.key)?.state));
  }

  get snapshot(): ReleaseRolloutSnapshot {
    const ready = this.apps.filter((a) => this.states.get(a.key)?.state === 'done').length;
    const moved = this.apps.length;
    const state = this.first ? 'failed' : ready === moved ? 'done' : 'progressing';
    const focus = this.first?.app ?? this.apps.find((a) => this.states.get(a.key)?.state !== 'done') ?? this.apps[0]!;
    const lines = this.apps.map((a) => {
      const s = this.states.get(a.key);
      const word = s ? WORDS[s.state] : WORDS.waiting;
      return `${a.app}: ${word}${s && (s.state === 'failed' || s.state === 'timeout') && s.message ? ` — ${s.message}` : ''}`;
    });
    return { state, ready, moved, ...(this.first ? { failure: this.first } : {}), focus, lines };
  }
}

function isFinal(state: RolloutWatchState | undefined): boolean {
  return state === 'done' || state === 'failed' || state === 'timeout';
}

/** The status bar's words: `$(sync~spin) prod 7/11`, `$(check) prod 11/11`, `$(error) prod api: ImagePullBackOff`. */
export function releaseIndicator(env: string, s: ReleaseRolloutSnapshot, notFollowed: readonly string[] = []): { text: string; tooltip: string } {
  const text =
    s.state === 'failed' && s.failure
      ? `$(error) ${env} ${s.failure.app.app}: ${s.failure.reason}`
      : s.state === 'done'
        ? `$(check) ${env} ${s.ready}/${s.moved}`
        : `$(sync~spin) ${env} ${s.ready}/${s.moved}`;
  const head =
    s.state === 'failed' && s.failure
      ? `The release into ${env} failed: ${s.failure.app.app} — ${s.failure.message} (${s.ready} of ${s.moved} rolled out)`
      : s.state === 'done'
        ? `The release into ${env} is rolled out: ${s.moved} app${s.moved === 1 ? '' : 's'}`
        : `Rolling out the release into ${env}: ${s.ready} of ${s.moved} apps done`;
  const rest = notFollowed.length ? [`Not followed (no cluster known): ${notFollowed.join(', ')}`] : [];
  return { text, tooltip: [head, '', ...s.lines, ...rest, '', `Click for ${s.focus.app}'s rollout details.`].join('\n') };
}
