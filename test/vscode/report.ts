/**
 * Output from tests running inside the extension host. The host's stdout is not the launcher's, so
 * lines printed here also go to a log file the launcher follows (`<results file>.log`), and notes
 * (measurements such as activationMs) are written into the results file for the report.
 */
import { appendFileSync } from 'node:fs';

const notes: Record<string, unknown> = {};

/** The live log the launcher prints as it grows: `$GITOPS_PILOT_TEST_RESULTS.log`, if set. */
export function logFile(): string | undefined {
  const results = process.env.GITOPS_PILOT_TEST_RESULTS;
  return results ? `${results}.log` : undefined;
}

/** Prints a line to the extension host's console and to the launcher's output. */
export function print(line: string): void {
  console.log(line);
  const f = logFile();
  if (f) {
    try {
      appendFileSync(f, `${line}\n`);
    } catch {
      // the launcher still gets the results file
    }
  }
}

/** Records a measurement for the report (and prints it). Do not assert on times; report them. */
export function note(key: string, value: unknown): void {
  notes[key] = value;
  print(`    note: ${key} = ${typeof value === 'number' ? value.toFixed(1) : JSON.stringify(value)}`);
}

export function allNotes(): Record<string, unknown> {
  return { ...notes };
}
