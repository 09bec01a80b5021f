/** Image scan results: deterministic synthetic findings per digest, or ones a test sets explicitly. */
import { createHash } from 'node:crypto';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type ScanStatus =
  | 'IN_PROGRESS'
  | 'COMPLETE'
  | 'FAILED'
  | 'UNSUPPORTED_IMAGE'
  | 'ACTIVE'
  | 'PENDING'
  | 'SCAN_ELIGIBILITY_EXPIRED'
  | 'FINDINGS_UNAVAILABLE'
  | 'LIMIT_EXCEEDED'
  | 'IMAGE_ARCHIVED';

export interface ScanFinding {
  name: string;
  description?: string;
  uri?: string;
  severity: Severity;
  attributes?: Array<{ key: string; value?: string }>;
}

export interface ScanFindingsSpec {
  /** Default COMPLETE. */
  status?: ScanStatus;
  description?: string;
  /** Severity counts; findings are generated to match (ignored when `findings` is given). */
  counts?: Partial<Record<Severity, number>>;
  findings?: ScanFinding[];
}

export interface ScanRecord {
  status: ScanStatus;
  description: string;
  startedAt: Date;
  completedAt?: Date;
  vulnerabilitySourceUpdatedAt: Date;
  findings: ScanFinding[];
}

const DESCRIPTIONS: Partial<Record<ScanStatus, string>> = {
  COMPLETE: 'The scan was completed successfully.',
  IN_PROGRESS: 'The scan is in progress.',
  FAILED: 'The scan failed.',
  UNSUPPORTED_IMAGE: 'The operating system and/or package manager are not supported.',
};

export function statusDescription(status: ScanStatus): string {
  return DESCRIPTIONS[status] ?? status;
}

/** Counts per severity, only the non-zero ones (like ECR's findingSeverityCounts). */
export function severityCounts(findings: ScanFinding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

/** The same digest always gives the same findings: 0–1 critical, 0–2 high, 0–3 medium, 0–4 low, 0–2 informational. */
export function syntheticCounts(digest: string): Record<Severity, number> {
  const h = createHash('sha256').update(`scan:${digest}`).digest();
  return { CRITICAL: h[0]! % 2, HIGH: h[1]! % 3, MEDIUM: h[2]! % 4, LOW: h[3]! % 5, INFORMATIONAL: h[4]! % 3, UNDEFINED: 0 };
}

const CVSS: Record<Severity, string> = { CRITICAL: '9.8', HIGH: '7.5', MEDIUM: '5.0', LOW: '2.1', INFORMATIONAL: '0.0', UNDEFINED: '0.0' };

/** Findings matching `counts`, with stable CVE-like names derived from `seed`. */
export function findingsFor(seed: string, counts: Partial<Record<Severity, number>>): ScanFinding[] {
  const out: ScanFinding[] = [];
  for (const severity of SEVERITIES) {
    for (let i = 0; i < (counts[severity] ?? 0); i++) {
      const h = createHash('sha256').update(`${seed}:${severity}:${i}`).digest();
      const name = `CVE-20${20 + (h[0]! % 5)}-${String(1000 + h.readUInt16BE(1)).padStart(5, '0')}`;
      out.push({
        name,
        description: `Synthetic ${severity.toLowerCase()} finding in busybox (emulated scan).`,
        uri: `https://security-tracker.debian.org/tracker/${name}`,
        severity,
        attributes: [
          { key: 'package_version', value: '1:1.35.0-4+b3' },
          { key: 'package_name', value: 'busybox' },
          { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
          { key: 'CVSS2_SCORE', value: CVSS[severity] },
        ],
      });
    }
  }
  return out;
}

export function syntheticScan(digest: string, startedAt: Date, completeAfterMs: number, now: Date): ScanRecord {
  const done = now.getTime() >= startedAt.getTime() + completeAfterMs;
  return {
    status: done ? 'COMPLETE' : 'IN_PROGRESS',
    description: statusDescription(done ? 'COMPLETE' : 'IN_PROGRESS'),
    startedAt,
    completedAt: done ? new Date(startedAt.getTime() + completeAfterMs) : undefined,
    vulnerabilitySourceUpdatedAt: new Date(Date.UTC(2024, 0, 1)),
    findings: done ? findingsFor(digest, syntheticCounts(digest)) : [],
  };
}

export function explicitScan(digest: string, spec: ScanFindingsSpec, now: Date): ScanRecord {
  const status = spec.status ?? 'COMPLETE';
  const findings = status === 'COMPLETE' ? (spec.findings ?? findingsFor(digest, spec.counts ?? {})) : [];
  return {
    status,
    description: spec.description ?? statusDescription(status),
    startedAt: now,
    completedAt: status === 'COMPLETE' ? now : undefined,
    vulnerabilitySourceUpdatedAt: new Date(Date.UTC(2024, 0, 1)),
    findings,
  };
}
