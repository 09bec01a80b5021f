/**
 * What every end-to-end session on the sandbox needs besides the workbench: git read on the command line
 * (the bare remote, a clone), and steps that leave a screenshot and the notifications when they fail.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tailLines, type VSCodeServer } from './vscodeServer';
import type { Workbench } from './workbench';

/** `git ARGS` in `dir`; its stdout, trimmed. Throws with stderr when git fails. */
export function gitOut(dir: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A step of a session (`test(name, step(…))`): on failure, a screenshot of what the user would have seen and
 * the notifications shown, then the error. `wb` is read when the step runs (a suite opens it in before()).
 */
export function sessionStep(wb: () => Workbench, name: string, fn: () => Promise<void>, server?: () => Pick<VSCodeServer, 'logFiles'> | undefined): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      const file = await wb().screenshot(`FAILED-${name}`).catch(() => '(no screenshot)');
      const notes = await wb().notifications().catch(() => []);
      console.log(`  step ${name} failed; screenshot ${file}; notifications: ${JSON.stringify(notes)}`);
      // what the extension logged explains a failure on a CI machine whose files are gone afterwards
      const log = server?.()?.logFiles().find((f) => f.endsWith('GitOps Pilot.log'));
      if (log) console.log(`  GitOps Pilot log (tail):\n${tailLines(readFileSync(log, 'utf8'), 60).replace(/^/gm, '    ')}`);
      throw err;
    }
  };
}
