/**
 * The pipeline's scan gate: ECR's findings for the pushed image, waited for while the scan runs, and the verdict
 * for the severities that fail the pipeline. `evaluateScan` is pure; `awaitScan` polls with an injected clock.
 */
import { cancelled, PilotError } from '../errors';
import type { EcrApi, ScanFindings } from '../images/ecr';
import type { Severity } from './plan';
import { SEVERITIES } from './plan';

export interface ScanVerdict {
  readonly passed: boolean;
  /** "1 CRITICAL, 2 HIGH, 3 MEDIUM" (or "no findings") */
  readonly summary: string;
  /** severities in failOn that have findings */
  readonly blocking: readonly Severity[];
}

export function summarizeCounts(counts: ScanFindings['counts']): string {
  const parts = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

export function evaluateScan(findings: ScanFindings, failOn: readonly Severity[]): ScanVerdict {
  const blocking = failOn.filter((s) => (findings.counts[s] ?? 0) > 0);
  return { passed: blocking.length === 0, summary: summarizeCounts(findings.counts), blocking };
}

/** Scan states that will still change. */
const RUNNING = new Set(['IN_PROGRESS', 'PENDING', 'SCANNING']);

export interface AwaitScanOptions {
  /** how long to wait for a scan that is still running (0: ask once) */
  readonly waitMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly onProgress?: (message: string) => void;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(cancelled())), { once: true });
  });

/** The completed scan of `name@digest`; fails (exit 1) when it does not complete in time or failed. */
export async function awaitScan(api: Pick<EcrApi, 'scanFindings'>, name: string, digest: string, opts: AwaitScanOptions): Promise<ScanFindings> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = now() + opts.waitMs;
  for (;;) {
    const f = await api.scanFindings(name, digest, opts.signal);
    const status = f?.status ?? 'NOT_STARTED';
    if (f && status === 'COMPLETE') return f;
    const still = !f || RUNNING.has(status);
    if (!still) {
      throw new PilotError('scan.failed', `the ECR scan of ${name}@${digest.slice(0, 19)} ended with ${status}${f?.description ? `: ${f.description}` : ''}`, {
        hint: 'Look at the repository\'s scan settings in ECR; --fail-on none lets the pipeline go on without a verdict',
      });
    }
    if (now() >= deadline) {
      throw new PilotError('scan.notComplete', `the ECR scan of ${name}@${digest.slice(0, 19)} is ${f ? status : 'not there'}${opts.waitMs ? ` after ${Math.round(opts.waitMs / 1000)} s` : ''}`, {
        hint: f ? 'Wait longer (--wait 20m)' : 'Turn on scan on push for the repository (or start a scan: aws ecr start-image-scan), then run this again',
      });
    }
    opts.onProgress?.(`scan ${f ? status.toLowerCase().replace(/_/g, ' ') : 'not started'}…`);
    await sleep(Math.min(opts.pollMs ?? 5_000, Math.max(0, deadline - now())), opts.signal);
  }
}
