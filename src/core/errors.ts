/**
 * Errors a user can meet. Every failure the core reports is a PilotError: it says what happened
 * (`message`), what to do next (`hint`), where in a file when that applies (`location`), and whether the
 * fault is the caller's input (nothing was changed; CLI exit 2) or an operation that failed (exit 1).
 * Messages never contain secrets: callers pass raw detail through `detail`, which is redacted when logged.
 */

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  col: number;
}

export type ErrorKind =
  /** bad input: nothing was written (CLI exit 2) */
  | 'input'
  /** an operation failed (CLI exit 1) */
  | 'failed'
  /** the user cancelled: reported silently */
  | 'cancelled';

export interface PilotErrorOptions {
  kind?: ErrorKind;
  hint?: string;
  location?: SourceLocation;
  detail?: string;
  cause?: unknown;
}

export class PilotError extends Error {
  override readonly name = 'PilotError';
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly detail: string | undefined;

  constructor(code: string, message: string, options: PilotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = options.kind ?? 'failed';
    this.hint = options.hint;
    this.location = options.location;
    this.detail = options.detail;
  }

  /** `file:line:col: message` when there is a location, else the message. */
  get where(): string {
    return this.location ? `${formatLocation(this.location)}: ${this.message}` : this.message;
  }

  /** One line for a notification or a tree row: where, what, and what to do. */
  toUserString(): string {
    return this.hint ? `${ensureSentence(this.where)} ${ensureSentence(this.hint)}` : this.where;
  }
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

function ensureSentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function inputError(code: string, message: string, options: Omit<PilotErrorOptions, 'kind'> = {}): PilotError {
  return new PilotError(code, message, { ...options, kind: 'input' });
}

export function cancelled(message = 'Cancelled.'): PilotError {
  return new PilotError('cancelled', message, { kind: 'cancelled' });
}

export function isCancelled(err: unknown): boolean {
  return err instanceof PilotError ? err.kind === 'cancelled' : (err as { name?: string } | undefined)?.name === 'AbortError';
}

/** Wraps anything thrown into a PilotError without losing the original (kept as `cause`). */
export function toPilotError(err: unknown, code = 'unexpected', message?: string): PilotError {
  if (err instanceof PilotError) return err;
  if (isCancelled(err)) return cancelled();
  const text = err instanceof Error ? err.message : String(err);
  return new PilotError(code, message ?? text, { cause: err, detail: err instanceof Error ? err.stack : undefined });
}

/** CLI exit codes of the design: 0 ok, 1 failed, 2 bad input (nothing written), 3 still progressing. */
export const ExitCode = { ok: 0, failed: 1, badInput: 2, progressing: 3 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof PilotError && err.kind === 'input') return ExitCode.badInput;
  return ExitCode.failed;
}
