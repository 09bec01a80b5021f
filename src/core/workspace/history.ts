/**
 * Deploy history per environment, read from git (`git log` of its file) and kept until the Workspace
 * invalidates it: when the file changes, when the branch or HEAD of its repository moves (a `git pull`,
 * a commit in a terminal, a deployment), on Refresh. Renderers read `state()`; the Workspace decides
 * when to `load()`; commands `get()` what they need. No `vscode` import.
 */
import type { Environment } from '../config/model';
import { toPilotError } from '../errors';
import type { GitOptions } from '../gitops/git';
import { environmentHistory, type DeployRecord } from '../gitops/history';
import { Emitter } from '../util/events';
import type { Loadable } from './loadable';

interface Entry {
  state: Loadable<DeployRecord[]>;
  running?: Promise<DeployRecord[]>;
}

export class HistoryModel {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new Emitter<string>();
  /** fires with the file whose history was loaded or invalidated ('' for all) */
  readonly onDidChange = this.changed.event;
  /** how many times git was read (for tests and the log) */
  loads = 0;

  constructor(private readonly git: () => GitOptions, private readonly max = 20) {}

  /** What is known now: idle (never read, or invalidated), loading, loaded or failed. */
  state(env: Pick<Environment, 'file'>): Loadable<DeployRecord[]> {
    return this.entries.get(env.file)?.state ?? { kind: 'idle' };
  }

  /** Reads the history unless it is loaded or loading; a failure is kept as the state until invalidated. */
  load(env: Environment): Promise<DeployRecord[]> {
    const e = this.entries.get(env.file) ?? { state: { kind: 'idle' } as Loadable<DeployRecord[]> };
    this.entries.set(env.file, e);
    if (e.state.kind === 'loaded') return Promise.resolve(e.state.value);
    if (e.running) return e.running;
    this.loads++;
    e.state = { kind: 'loading' };
    const p = environmentHistory(env, this.git(), this.max);
    e.running = p;
    p.then(
      (records) => this.settle(env.file, e, { kind: 'loaded', value: records }),
      (err: unknown) => this.settle(env.file, e, { kind: 'failed', error: toPilotError(err) }),
    );
    return p;
  }

  /** For commands (Roll Back…, the tag quick pick): the history, read now when it is not known. */
  get(env: Environment): Promise<DeployRecord[]> {
    const s = this.state(env);
    // a failure shown in the tree is tried again when a command asks
    if (s.kind === 'failed') this.entries.delete(env.file);
    return this.load(env);
  }

  private settle(file: string, e: Entry, state: Loadable<DeployRecord[]>): void {
    // invalidated while git ran: the result may be of the old HEAD, drop it
    if (this.entries.get(file) !== e) return;
    e.state = state;
    e.running = undefined;
    this.changed.fire(file);
  }

  /** Forgets the history of these files (all when undefined); the next render shows it loading. */
  invalidate(files?: readonly string[]): void {
    const list = files ?? [...this.entries.keys()];
    let any = false;
    for (const f of list) any = this.entries.delete(f) || any;
    if (any || files === undefined) this.changed.fire(files?.length === 1 ? files[0]! : '');
  }

  dispose(): void {
    this.entries.clear();
    this.changed.dispose();
  }
}
