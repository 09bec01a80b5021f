/**
 * Records every child process the code under test starts (spawn, execFile, exec, fork and their sync
 * forms), by wrapping node:child_process in this process. Libraries such as simple-git look the
 * functions up at call time, so their spawns are seen too.
 */
import childProcess from 'node:child_process';

export interface SpawnRecord {
  fn: string;
  command: string;
  args: string[];
  shell: boolean;
  /** the call stack of the spawn (to tell the product's processes from the host's own, e.g. VS Code's port scanner) */
  stack: string;
}

const FNS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork'] as const;

/** Whether a spawn came from GitOps Pilot's code (its bundles in dist/, or its sources when loaded unbundled). */
export function fromProduct(r: SpawnRecord, repo: string): boolean {
  return r.stack.includes(`${repo}/dist/`) || r.stack.includes(`${repo}/out/src/`) || r.stack.includes(`${repo}/src/`);
}

export function spyOnSpawns(): { calls: SpawnRecord[]; restore(): void } {
  const cp = childProcess as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map(FNS.map((f) => [f, cp[f]!]));
  const calls: SpawnRecord[] = [];
  for (const fn of FNS) {
    cp[fn] = (...a: unknown[]) => {
      const [command, maybeArgs, maybeOpts] = a;
      const args = Array.isArray(maybeArgs) ? (maybeArgs as unknown[]).map(String) : [];
      const opts = (Array.isArray(maybeArgs) ? maybeOpts : maybeArgs) as { shell?: unknown } | undefined;
      calls.push({ fn, command: String(command), args, shell: fn === 'exec' || fn === 'execSync' || Boolean(opts && typeof opts === 'object' && opts.shell), stack: new Error().stack ?? '' });
      return originals.get(fn)!(...a);
    };
  }
  return {
    calls,
    restore() {
      for (const [fn, orig] of originals) cp[fn] = orig;
    },
  };
}
