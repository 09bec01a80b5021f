/**
 * How the editor writes things for people: image references, sizes, scan counts and
 * Markdown text. The one place for display helpers, so a tree row, a quick pick and a message say the
 * same thing the same way. Plain strings (no `vscode` import), so they are unit-tested in plain Node.
 */
import { basename } from 'node:path';
import type { SeverityCounts } from '../core/images/ecr';

/** `demo-app 1.0.5`, `demo-app 1.0.5@sha256:0123456789ab…`, `tag not set` */
export function imageText(repository: string | undefined, tag: string | undefined, digest?: string): string {
  const repo = repository ? basename(repository) : undefined;
  const t = tag ?? 'tag not set';
  return [repo, digest ? `${t}@${digest.slice(0, 19)}…` : t].filter(Boolean).join(' ');
}

/** `…/demo-app:3f9a1c2` → `demo-app:3f9a1c2` (the log has the full reference). */
export function shortImage(image: string): string {
  return image.slice(image.lastIndexOf('/') + 1);
}

/** `1.5 KB`, `1.9 MB`; empty when unknown. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

/** "1 critical · 2 high" (the non-zero counts, most severe first) */
export function severityText(counts: SeverityCounts | undefined): string {
  if (!counts) return '';
  return SEVERITIES.filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${s === 'INFORMATIONAL' ? 'info' : s.toLowerCase()}`)
    .join(' · ');
}

/** Text shown as itself inside Markdown (tooltips). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
