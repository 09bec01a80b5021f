import type { CliIO } from '../io';

export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  help(): string;
  /** returns the exit code; throws PilotError for failures (mapped to exit 1 or 2) */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
