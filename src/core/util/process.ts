/**
 * Child processes for the core (docker, git): argument arrays only (`shell: false`, always), optional
 * stdin input (a password goes there, never on a command line), stdout/stderr streamed line by line
 * (ANSI colours stripped, every line redacted), an AbortSignal that stops the process and its children,
 * an overall and an inactivity timeout, and a clear PilotError when the executable is missing.
 *
 * A non-zero exit is not an error here: the result says how the process ended and callers classify its
 * output (see images/docker.ts). Cancellation rejects with `cancelled()` once the process is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cancelled, PilotError } from '../errors';
import { redact, registerSecret, type Logger } from '../log';

export interface ProcessOptions {
  readonly cwd?: string;
  /** the complete environment of the child (default: this process's) */
  readonly env?: NodeJS.ProcessEnv;
  /** written to stdin, then stdin is closed (stdin is closed at once without it) */
  readonly input?: string;
  /** stops the process (and its children): SIGTERM to its process group, SIGKILL after `killGraceMs` */
  readonly signal?: AbortSignal;
  /** stop the process after this long; the result then has `timedOut: 'total'` */
  readonly timeoutMs?: number;
  /** stop the process when it prints nothing for this long; the result then has `timedOut: 'idle'` */
  readonly idleTimeoutMs?: number;
  /** time between SIGTERM and SIGKILL (default 3 s) */
  readonly killGraceMs?: number;
  /** every line of output, without its newline, ANSI codes removed, redacted */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** values that must never appear in output, logs or errors (registered with the logger's redaction) */
  readonly secrets?: readonly string[];
  /** output kept per stream, from the end (default 2 MiB) */
  readonly maxBuffer?: number;
  readonly log?: Logger;
  /** how the missing-executable error names the program and which setting fixes it */
  readonly program?: { readonly name: string; readonly code: string; readonly hint: string };
}

export interface ProcessResult {
  /** exit code, or null when ended by a signal */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** redacted, ANSI codes removed; the last `maxBuffer` characters */
  readonly stdout: string;
  readonly stderr: string;
  /** stopped by one of the timeouts */
  readonly timedOut: false | 'total' | 'idle';
  readonly durationMs: number;
}

// CSI sequences (colours, cursor moves) and OSC sequences
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** `cmd a b "c d"` for logs: arguments quoted when they need it, secrets redacted. */
export function formatCommand(command: string, args: readonly string[]): string {
  return redact([command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' '));
}

/** Splits a stream of chunks into lines (\n, \r\n or a lone \r). */
class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const text = this.rest + chunk;
    const parts = text.split(/\r\n|\n|\r(?!$)/);
    this.rest = parts.pop() ?? '';
    // a trailing lone \r may be the first half of \r\n: keep it for the next chunk
    for (const p of parts) this.emit(p);
  }
  end(): void {
    const last = this.rest.replace(/\r$/, '');
    this.rest = '';
    if (last) this.emit(last);
  }
}

/** Keeps the last `max` characters of what is appended. */
class TailBuffer {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  append(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > this.max * 2) this.compact();
  }
  private compact(): void {
    const all = this.parts.join('');
    const kept = all.slice(-this.max);
    this.parts = [kept];
    this.size = kept.length;
  }
  toString(): string {
    this.compact();
    return this.parts.join('');
  }
}

/**
 * Runs `command args…` without a shell. Resolves with how it ended (any exit code); rejects with a
 * PilotError when it cannot start (missing executable: `opts.program.code`, default `process.notFound`)
 * and with `cancelled()` when `signal` aborts it.
 */
export function runProcess(command: string, args: readonly string[], opts: ProcessOptions = {}): Promise<ProcessResult> {
  for (const s of opts.secrets ?? []) registerSecret(s);
  const started = performance.now();
  const log = opts.log;
  const shown = formatCommand(command, args);
  log?.debug(`$ ${shown}`);
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  if (opts.cwd !== undefined && !existsSync(opts.cwd)) {
    return Promise.reject(new PilotError('process.noSuchFolder', `cannot run ${command}: the folder ${opts.cwd} does not exist`, { kind: 'input' }));
  }

  return new Promise<ProcessResult>((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, [...args], {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        windowsHide: true,
        // its own process group, so stopping it stops what it started (credential helpers, buildx…)
        detached: process.platform !== 'win32',
      });
    } catch (err) {
      reject(startError(command, err, opts));
      return;
    }
    const maxBuffer = opts.maxBuffer ?? 2 * 1024 * 1024;
    const out = new TailBuffer(maxBuffer);
    const err = new TailBuffer(maxBuffer);
    let timedOut: ProcessResult['timedOut'] = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    let totalTimer: NodeJS.Timeout | undefined;

    const stop = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalTree(child.pid, 'SIGTERM', child);
      killTimer ??= setTimeout(() => signalTree(child.pid, 'SIGKILL', child), opts.killGraceMs ?? 3_000);
    };
    const armIdle = () => {
      if (!opts.idleTimeoutMs) return;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        timedOut = 'idle';
        log?.warn(`${command} printed nothing for ${Math.round(opts.idleTimeoutMs! / 1000)} s: stopping it`);
        stop();
      }, opts.idleTimeoutMs);
    };
    if (opts.timeoutMs) {
      totalTimer = setTimeout(() => {
        timedOut = 'total';
        log?.warn(`${command} did not finish within ${Math.round(opts.timeoutMs! / 1000)} s: stopping it`);
        stop();
      }, opts.timeoutMs);
    }
    armIdle();
    const onAbort = () => {
      aborted = true;
      log?.debug(`cancelling: ${shown}`);
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const splitterFor = (stream: 'stdout' | 'stderr', buf: TailBuffer) =>
      new LineSplitter((raw) => {
        const line = redact(stripAnsi(raw));
        buf.append(`${line}\n`);
        try {
          opts.onLine?.(line, stream);
        } catch (e) {
          log?.warn(`output handler failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
    const so = splitterFor('stdout', out);
    const se = splitterFor('stderr', err);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      armIdle();
      so.push(c);
    });
    child.stderr!.on('data', (c: string) => {
      armIdle();
      se.push(c);
    });

    const cleanup = () => {
      settled = true;
      if (idleTimer) clearTimeout(idleTimer);
      if (totalTimer) clearTimeout(totalTimer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      if (settled) return;
      cleanup();
      reject(startError(command, e, opts));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      // the group may still hold children that outlived their parent
      if (aborted || timedOut) signalTree(child.pid, 'SIGKILL', undefined);
      cleanup();
      so.end();
      se.end();
      const durationMs = performance.now() - started;
      log?.debug(`${command} ${args[0] ?? ''} ended (${code ?? signal}) after ${Math.round(durationMs)} ms`);
      if (aborted) {
        reject(cancelled());
        return;
      }
      resolve({ code, signal, stdout: out.toString(), stderr: err.toString(), timedOut, durationMs });
    });
    child.stdin!.on('error', () => undefined); // the child may exit before reading stdin
    child.stdin!.end(opts.input ?? '');
  });
}

/** Sends `sig` to the process group (falls back to the process). */
function signalTree(pid: number | undefined, sig: NodeJS.Signals, child: { kill(sig: NodeJS.Signals): boolean } | undefined): void {
  if (!pid) return;
  if (process.platform !== 'win32') {
    try {
      process.kill(-pid, sig);
      return;
    } catch {
      // the group is gone (or was never ours): try the process itself
    }
  }
  try {
    child?.kill(sig);
  } catch {
    // already gone
  }
}

function startError(command: string, err: unknown, opts: ProcessOptions): PilotError {
  const e = err as NodeJS.ErrnoException;
  const program = opts.program;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES') {
    return new PilotError(program?.code ?? 'process.notFound', `${program?.name ?? command} ${e.code === 'ENOENT' ? 'was not found' : 'cannot be run'}: ${command}`, {
      hint: program?.hint ?? `Install ${command}, or check the path of the executable`,
      cause: err,
      detail: e.message,
    });
  }
  return new PilotError('process.failedToStart', `${program?.name ?? command} could not be started: ${e?.message ?? String(err)}`, { cause: err, hint: program?.hint });
}
