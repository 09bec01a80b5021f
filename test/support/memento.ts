import type { MementoLike } from '../../src/core/workspace/live';

/** VS Code's workspaceState in memory (values copied, as VS Code stores them serialized). */
export class MemoryMemento implements MementoLike {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.data.set(key, structuredClone(value));
    return Promise.resolve();
  }
}
