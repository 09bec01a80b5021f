/**
 * The post-deploy smoke test of DESIGN ("optional health URL checked after the rollout completes"): an
 * environment's `healthUrl` must answer 2xx once its rollout is done. A new version can take a moment to
 * be reachable behind a load balancer, so the check asks a few times before it says no.
 */
import { inputError } from '../errors';
import { delay } from '../util/time';

export interface HealthCheckOptions {
  /** how many times to ask before giving up (default 5) */
  readonly attempts?: number;
  /** the pause between attempts (default 2 s) */
  readonly intervalMs?: number;
  /** the limit for one request (default 10 s) */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface HealthCheckResult {
  readonly ok: boolean;
  /** the HTTP status of the last answer, when there was one */
  readonly status?: number;
  /** `answered 200 OK`, `answered 503 Service Unavailable`, `could not be reached: connect ECONNREFUSED …` */
  readonly message: string;
  readonly attempts: number;
}

/** A health URL must be http(s); anything else is refused before a request is made. */
export function validateHealthUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw inputError('config.badHealthUrl', `healthUrl ${JSON.stringify(url)} is not a URL`, { hint: 'Use an http(s) URL such as https://dev.example.com/healthz' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw inputError('config.badHealthUrl', `healthUrl ${JSON.stringify(url)} is not an http(s) URL`, { hint: 'Use an http(s) URL such as https://dev.example.com/healthz' });
  }
  return u;
}

/** GETs the URL until it answers 2xx (ok) or the attempts run out (not ok, with the last answer). */
export async function checkHealthUrl(url: string, opts: HealthCheckOptions = {}): Promise<HealthCheckResult> {
  const target = validateHealthUrl(url);
  const attempts = Math.max(1, opts.attempts ?? 5);
  let last: Omit<HealthCheckResult, 'attempts'> = { ok: false, message: 'was not asked' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await delay(opts.intervalMs ?? 2000, opts.signal);
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
    try {
      const res = await fetch(target, { signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout, redirect: 'follow' });
      await res.body?.cancel();
      last = { ok: res.status >= 200 && res.status < 300, status: res.status, message: `answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` };
      if (last.ok) return { ...last, attempts: attempt };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      last = { ok: false, message: e.name === 'TimeoutError' ? `did not answer within ${Math.round((opts.timeoutMs ?? 10_000) / 1000)} s` : `could not be reached: ${e.cause?.message ?? e.cause?.code ?? e.message ?? String(err)}` };
    }
  }
  return { ...last, attempts };
}
