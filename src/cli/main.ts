/** The `gitops-pilot` command line: the same core as the extension, for pipelines and scripts. */
import { exitCodeFor, formatLocation, isCancelled, PilotError, toPilotError } from '../core/errors';
import type { CliIO } from './io';
import { build } from './commands/build';
import { bump } from './commands/bump';
import { diff } from './commands/diff';
import { envs } from './commands/envs';
import { gates } from './commands/gates';
import { initCi } from './commands/initCi';
import { pr } from './commands/pr';
import { promote } from './commands/promote';
import { push } from './commands/push';
import { rollback } from './commands/rollback';
import { rolloutStatusCommand } from './commands/rolloutStatus';
import { scan } from './commands/scan';
import { setImage } from './commands/setImage';
import { ship } from './commands/ship';
import type { CliCommand } from './commands/types';

export const commands: readonly CliCommand[] = [envs, diff, setImage, bump, promote, gates, rollback, pr, rolloutStatusCommand, build, push, ship, scan, initCi];

export function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gitops-pilot <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Exit codes: 0 success / rollout done; 1 failed; 2 bad input (nothing written); 3 rollout still progressing.',
    'Run `gitops-pilot <command> --help` for its options.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIO, version: string): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(version);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`gitops-pilot: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help());
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (isCancelled(err)) {
      io.err('cancelled');
      return 1;
    }
    const e = err instanceof PilotError ? err : toPilotError(err);
    io.err(`error: ${e.location ? `${formatLocation(e.location)}: ` : ''}${e.message}`);
    if (e.hint) io.err(`hint: ${e.hint}`);
    io.log.debug(e.detail ?? (e.stack ?? ''));
    return exitCodeFor(e);
  }
}
