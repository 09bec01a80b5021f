/** Runs the bundled CLI (dist/cli.js) as a separate process, exactly as a pipeline would. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gitEnv } from './gitRepos';
import { repoRoot } from './paths';

export const cliPath = join(repoRoot, 'dist', 'cli.js');

export function cli(cwd: string, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
