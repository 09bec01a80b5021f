/**
 * The core logs through this interface; the VS Code layer backs it with a LogOutputChannel and the CLI
 * with stderr. Every message passes through `redact()` first, so a secret registered with
 * `registerSecret()` (an ECR token, a registry password, a kube bearer token) never reaches a log line,
 * an error message or CLI output.
 */

export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

const secrets = new Set<string>();

/** Secrets shorter than this are not registered: replacing them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;

export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return;
  secrets.add(secret);
  // A docker auth header carries base64("AWS:<token>"); an ECR token is itself base64("AWS:<password>").
  // Register the decoded/encoded forms too, so whichever form leaks is caught.
  try {
    const decoded = Buffer.from(secret, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0 && /^[\x20-\x7e]+$/.test(decoded)) {
      const password = decoded.slice(colon + 1);
      if (password.length >= MIN_SECRET_LENGTH) secrets.add(password);
    }
  } catch {
    // not base64: nothing more to register
  }
}

export function forgetSecrets(): void {
  secrets.clear();
}

const TOKEN_PATTERNS: RegExp[] = [
  // Authorization headers and bearer tokens in any text we did not register ourselves
  /(authorization:\s*(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(bearer\s+)[A-Za-z0-9._~+/=-]{12,}/gi,
  // "password": "..." / token=... in JSON, URLs and CLI output
  /("?(?:password|secretAccessKey|sessionToken|token|authorizationToken)"?\s*[:=]\s*"?)[^"\s,}&]{6,}/gi,
  // AWS secret access keys have no fixed prefix; access key ids do (AKIA/ASIA)
  /\b((?:AKIA|ASIA)[A-Z0-9]{12})[A-Z0-9]{4}\b/g,
  // GitHub and GitLab tokens by their documented prefixes (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_, glpat-)
  /\b(gh[pousr]_|github_pat_|glpat-)[A-Za-z0-9_-]{10,}/g,
  // user:password@ in URLs
  /(\/\/[^/\s:@]+:)[^@\s/]+(@)/g,
];

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  for (const re of TOKEN_PATTERNS) {
    out = out.replace(re, (_m, p1: string, p2?: string) => (typeof p2 === 'string' && p2 === '@' ? `${p1}***@` : `${p1}***`));
  }
  return out;
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const detail = (err as { detail?: string }).detail;
    return redact(detail && !detail.includes(err.message) ? `${err.message}\n${detail}` : (err.stack ?? err.message));
  }
  return redact(String(err));
}

/** A logger that discards everything (tests, and the CLI without --verbose for trace/debug). */
export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** A logger writing redacted lines to a stream (the CLI's stderr). */
export function streamLogger(write: (line: string) => void, level: 'trace' | 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['trace', 'debug', 'info', 'warn', 'error'];
  const min = order.indexOf(level);
  const at = (lvl: string) => (message: string | Error, ...args: unknown[]) => {
    if (order.indexOf(lvl) < min) return;
    const text = message instanceof Error ? describeError(message) : redact(message);
    const extra = args.map((a) => (a instanceof Error ? describeError(a) : redact(typeof a === 'string' ? a : JSON.stringify(a))));
    write(`[${lvl}] ${[text, ...extra].join(' ')}`);
  };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
