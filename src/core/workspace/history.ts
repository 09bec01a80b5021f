/**
 * Deploy history per environment, read from git on demand (when a History row is expanded) and cached
 * until the file changes. No `vscode` import.
 */
import type { Environment } from '../config/model';
import type { GitOptions } from '../gitops/git';
import { environmentHistory, type DeployRecord } from '../gitops/history';
import { Emitter } from '../util/events';

export class HistoryModel {
  private readonly cache = new Map<string, Promise<DeployRecord[]>>();
  private readonly changed = new Emitter<string>();
  /** fires with the file whose history was invalidated */
  readonly onDidChange = this.changed.event;

  constructor(private readonly git: () => GitOptions, private readonly max = 20) {}

  get(env: Environment): Promise<DeployRecord[]> {
    let p = this.cache.get(env.file);
    if (!p) {
      p = environmentHistory(env, this.git(), this.max);
      this.cache.set(env.file, p);
      // a failure is not cached: the next expansion tries again
      p.catch(() => this.cache.delete(env.file));
    }
    return p;
  }

  invalidate(file?: string): void {
    if (file === undefined) this.cache.clear();
    else this.cache.delete(file);
    this.changed.fire(file ?? '');
  }

  dispose(): void {
    this.cache.clear();
    this.changed.dispose();
  }
}
