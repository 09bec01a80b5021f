/** Entry of dist/cli.js (the package's `gitops-pilot` bin). */
import { streamLogger } from './core/log';
import { processIO } from './cli/io';
import { main } from './cli/main';

declare const __VERSION__: string | undefined;

const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    controller.abort();
    // a second signal exits at once
    process.once(sig, () => process.exit(130));
  });
}
const verbose = process.argv.includes('--verbose') || process.env.GITOPS_PILOT_DEBUG === '1';
const argv = process.argv.slice(2).filter((a) => a !== '--verbose');
const log = streamLogger((line) => process.stderr.write(`${line}\n`), verbose ? 'debug' : 'warn');
/**
 * Exits as soon as what was written is flushed: a pipeline's next step (or `rollout-status --watch`'s
 * caller) should not wait for idle keep-alive sockets or SDK timers to wind down, and a forgotten handle
 * can never keep a CI job hanging.
 */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(argv, processIO(log, controller.signal), typeof __VERSION__ === 'string' ? __VERSION__ : 'dev').then(exit, (err: unknown) => {
  process.stderr.write(`gitops-pilot: ${String(err)}\n`);
  exit(1);
});
