import type { Disposable } from './events';

/**
 * Base class of what owns disposables (views, providers, the refresh manager): whatever is registered is
 * disposed with it, in reverse order. A VS Code Disposable too (same shape).
 */
export abstract class DisposableOwner implements Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposed = false;

  protected register<T extends { dispose(): unknown }>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
