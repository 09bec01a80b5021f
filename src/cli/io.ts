/** What a CLI command gets: where it runs, how it writes, and a logger. Injected so tests can capture output. */
import { redact, type Logger } from '../core/log';

export interface CliIO {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  readonly log: Logger;
  /** AbortSignal raised on SIGINT/SIGTERM */
  readonly signal: AbortSignal;
}

export function processIO(log: Logger, signal: AbortSignal): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => void process.stdout.write(redact(t).endsWith('\n') ? redact(t) : `${redact(t)}\n`),
    err: (t) => void process.stderr.write(redact(t).endsWith('\n') ? redact(t) : `${redact(t)}\n`),
    log,
    signal,
  };
}

/** Fixed-width columns for human output. */
export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}
