/**
 * Deployment commit messages: a subject that says what moved, and git trailers a pipeline (or the
 * History view) can read back.
 *
 *   deploy(dev): demo-app 1.0.4 -> 1.0.5
 *
 *   Environment: dev
 *   Image: 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app:1.0.5@sha256:…
 *   Source-Commit: 0a1b2c3…
 *   Deployed-By: GitOps Pilot
 */
import { basename } from 'node:path';

export type DeployKind = 'deploy' | 'promote' | 'rollback';

export interface ImageRef {
  readonly repository?: string;
  readonly tag?: string;
  readonly digest?: string;
}

export interface MessageInput {
  readonly kind: DeployKind;
  readonly env: string;
  readonly before: ImageRef;
  readonly after: ImageRef;
  readonly sourceCommit?: string;
  readonly promotedFrom?: string;
  /** the commit a rollback undoes */
  readonly reverts?: string;
  /** gates overridden by the user, with why (one `Gate-Override: <gate>: <reason>` trailer each) */
  readonly gateOverrides?: readonly { readonly gate: string; readonly reason: string }[];
}

export function imageString(i: ImageRef): string {
  return `${i.repository ?? '?'}:${i.tag ?? '(unset)'}${i.digest ? `@${i.digest}` : ''}`;
}

function short(i: ImageRef): string {
  if (i.tag) return i.tag;
  if (i.digest) return i.digest.slice(0, 19);
  return '(unset)';
}

export function commitMessage(m: MessageInput): string {
  const name = m.after.repository ? basename(m.after.repository) : m.before.repository ? basename(m.before.repository) : 'image';
  const subject = `${m.kind}(${m.env}): ${name} ${short(m.before)} -> ${short(m.after)}`;
  const trailers: [string, string | undefined][] = [
    ['Environment', m.env],
    ['Image', imageString(m.after)],
    ['Previous-Image', imageString(m.before)],
    ['Promoted-From', m.promotedFrom],
    ['Reverts', m.reverts],
    ['Source-Commit', m.sourceCommit],
    ...(m.gateOverrides ?? []).map((o): [string, string] => ['Gate-Override', `${o.gate}: ${o.reason}`]),
    ['Deployed-By', 'GitOps Pilot'],
  ];
  // a trailer value is one line; anything else would break parsing (and is not a value we produce)
  const lines = trailers.filter(([, v]) => v !== undefined && !/[\r\n]/.test(v)).map(([k, v]) => `${k}: ${v}`);
  return `${subject}\n\n${lines.join('\n')}\n`;
}

/** Trailers of a commit body: `Key: value` lines of its last paragraph. */
export function parseTrailers(body: string): Record<string, string> {
  const paragraphs = body.trim().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const out: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
