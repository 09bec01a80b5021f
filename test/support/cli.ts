/** Runs the CLI's main() in-process with captured output (for unit tests of argument handling and output). */
import { main } from '../../src/cli/main';
import { nullLogger } from '../../src/core/log';

export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    argv,
    {
      cwd,
      env,
      out: (t) => (out += t.endsWith('\n') ? t : `${t}\n`),
      err: (t) => (err += t.endsWith('\n') ? t : `${t}\n`),
      log: nullLogger,
      signal: new AbortController().signal,
    },
    'test',
  );
  return { code, out, err };
}
