/** Resolves once `ok()` holds, checked now and on each event; rejects after `ms` (a guard, not a wait), saying `what` (a function: what it saw then). */
export function until(event: (listener: () => void) => { dispose(): void }, ok: () => boolean, what: string | (() => string), ms = 10_000): Promise<void> {
  if (ok()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`));
    }, ms);
    const sub = event(() => {
      if (!ok()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}
