/**
 * A minimal HTTP client for talking to the simulator in tests: JSON requests and a watch stream
 * reader that hands out events one by one (`next()` with a predicate and a bound).
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpResult<T = any> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  text: string;
}

/** `http` or `https` by URL; with https, `ca` is the certificate to trust (the simulator's). */
function transport(url: URL, ca?: string): { mod: typeof http | typeof https; extra: https.RequestOptions } {
  return url.protocol === 'https:' ? { mod: https, extra: { ca } } : { mod: http, extra: {} };
}

export interface RequestOptions {
  /** CA certificate for an HTTPS simulator */
  ca?: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  token?: string;
}

/** One request; the body is parsed as JSON when it is JSON. */
export function request<T = any>(baseUrl: string, method: string, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const url = new URL(path, baseUrl);
    const { mod, extra } = transport(url, opts.ca);
    const req = mod.request(url, { method, headers, agent: false, ...extra }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if ((res.headers['content-type'] ?? '').startsWith('application/json')) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export interface WatchEvent<T = any> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** An open watch: events arrive in order; `ended` resolves when the server closes the stream. */
export class WatchStream {
  readonly events: WatchEvent[] = [];
  status = 0;
  /** how the stream ended: 'end' (server finished the response), 'error' (connection reset), undefined while open */
  endedBy: 'end' | 'error' | undefined;
  readonly ended: Promise<void>;
  private waiters: Array<() => void> = [];
  private req: http.ClientRequest | undefined;
  private consumed = 0;

  constructor(baseUrl: string, path: string, opts: { token?: string; accept?: string; ca?: string } = {}) {
    this.ended = new Promise((resolve) => {
      const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
      if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
      const finish = (how: 'end' | 'error') => {
        if (this.endedBy) return;
        this.endedBy = how;
        this.wake();
        resolve();
      };
      const url = new URL(path, baseUrl);
      const { mod, extra } = transport(url, opts.ca);
      this.req = mod.get(url, { headers, agent: false, ...extra }, (res) => {
        this.status = res.statusCode ?? 0;
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            try {
              this.events.push(JSON.parse(line) as WatchEvent);
            } catch {
              // a non-JSON body (an error Status without a newline is handled at the end)
            }
          }
          this.wake();
        });
        res.on('end', () => {
          if (buf.trim()) {
            try {
              this.events.push({ type: 'ERROR', object: JSON.parse(buf) });
            } catch {
              // ignore
            }
          }
          finish('end');
        });
        res.on('error', () => finish('error'));
        res.on('aborted', () => finish('error'));
      });
      this.req.on('error', () => finish('error'));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /**
   * The next event (after those already returned) matching `predicate`; events before it are skipped.
   * Rejects when the stream ends first or after `timeoutMs`.
   */
  async next(predicate: (e: WatchEvent) => boolean = () => true, timeoutMs = 5000): Promise<WatchEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.consumed < this.events.length) {
        const e = this.events[this.consumed++]!;
        if (predicate(e)) return e;
      }
      if (this.endedBy) throw new Error(`watch ended (${this.endedBy}) before the expected event; saw ${this.events.map((e) => e.type).join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching watch event within ${timeoutMs} ms; saw ${this.events.map((e) => `${e.type}:${e.object?.metadata?.name ?? ''}`).join(',')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the stream to end (bounded). */
  async waitEnd(timeoutMs = 5000): Promise<'end' | 'error'> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ended, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    if (!this.endedBy) throw new Error(`watch still open after ${timeoutMs} ms`);
    return this.endedBy;
  }

  close(): void {
    this.req?.destroy();
  }
}

export function openWatch(baseUrl: string, path: string, opts: { token?: string; accept?: string; ca?: string } = {}): WatchStream {
  return new WatchStream(baseUrl, path, opts);
}
