/**
 * What a promotion pull request says: one branch per environment (`gitops-pilot/prod`, so a newer
 * promotion updates the same branch and pull request), the deployment commit's subject as the title, and
 * a body made from the deployment: what moves, from where, the diff, and links to the source commits.
 */
import { checkBranchName } from '../gitops/refs';
import { imageString, type ImageRef } from '../gitops/message';
import { commitUrl, type PullRequestTarget } from './host';

/** Marks a body as GitOps Pilot's, with the environment: how a pull request is recognised again. */
export const BODY_MARKER = '<!-- gitops-pilot:promotion';

/** The branch promotions of an environment go through: gitops-pilot/<env> (apps: gitops-pilot/<app>/<env>). */
export function promotionBranchName(envId: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').replace(/\.{2,}/g, '.').replace(/\.lock$/, '-lock') || 'x';
  return checkBranchName(`gitops-pilot/${envId.split('/').map(clean).join('/')}`);
}

export interface PullRequestContentInput {
  readonly env: string;
  readonly file: string;
  /** the deployment commit's message (its subject becomes the title) */
  readonly message: string;
  readonly before: ImageRef;
  readonly after: ImageRef;
  readonly base: string;
  readonly promotedFrom?: string;
  /** the source environment's deployment commit in the GitOps repository */
  readonly sourceDeployCommit?: string;
  /** the application commit the image was built from (Source-Commit trailer) */
  readonly sourceCommit?: string;
  /** the web page of that commit, when the application repository is known */
  readonly sourceCommitUrl?: string;
  /** the file's unified diff against the target branch */
  readonly diff: string;
  readonly target: PullRequestTarget;
}

export function pullRequestTitle(message: string): string {
  return (message.split('\n')[0] ?? '').trim().slice(0, 250) || 'GitOps Pilot deployment';
}

/** Markdown body; the same for GitHub and GitLab. Never holds anything but the deployment's own data. */
export function pullRequestBody(i: PullRequestContentInput): string {
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const rows: string[] = [
    `| | |`,
    `| --- | --- |`,
    `| Environment | ${code(i.env)} (into ${code(i.base)}) |`,
    `| File | ${code(i.file)} |`,
    `| From | ${code(imageString(i.before))} |`,
    `| To | ${code(imageString(i.after))} |`,
  ];
  if (i.promotedFrom) {
    const link = i.sourceDeployCommit ? ` at [${i.sourceDeployCommit.slice(0, 7)}](${commitUrl(i.target, i.sourceDeployCommit)})` : '';
    rows.push(`| Promoted from | ${code(i.promotedFrom)}${link} |`);
  }
  if (i.sourceCommit) {
    const short = i.sourceCommit.slice(0, 12);
    rows.push(`| Source commit | ${i.sourceCommitUrl ? `[${short}](${i.sourceCommitUrl})` : code(short)} |`);
  }
  const fence = i.diff.includes('```') ? '~~~~' : '```';
  return [
    `${BODY_MARKER} env=${i.env} -->`,
    `Promotion of **${i.env}** by GitOps Pilot: merging this pull request deploys it.`,
    '',
    ...rows,
    '',
    `${fence}diff`,
    i.diff.trimEnd() || '(no textual change)',
    fence,
    '',
    `A newer promotion of ${i.env} updates this pull request (branch ${code(promotionBranchName(i.env))}) instead of opening another.`,
    '',
  ].join('\n');
}

/** `PR #42 · 2/2 checks ✓ · approved` — the line the tree and the CLI show. */
export function pullRequestSummary(pr: {
  provider: 'github' | 'gitlab';
  number: number;
  state: 'open' | 'merged' | 'closed';
  draft?: boolean;
  checks: { total: number; passed: number; failed: number; pending: number };
  review: 'approved' | 'changes-requested' | 'review-required' | 'none';
  mergeable?: boolean;
  blocked?: string;
}): string {
  const parts = [`${pr.provider === 'github' ? 'PR #' : 'MR !'}${pr.number}`];
  if (pr.state !== 'open') return `${parts[0]} · ${pr.state}`;
  if (pr.draft) parts.push('draft');
  const c = pr.checks;
  if (c.total) parts.push(`${c.passed}/${c.total} checks ${c.failed ? '✗' : c.pending ? '…' : '✓'}`);
  if (pr.review === 'approved') parts.push('approved');
  else if (pr.review === 'changes-requested') parts.push('changes requested');
  else if (pr.review === 'review-required') parts.push('review required');
  // a missing review already says why it cannot be merged
  if (pr.mergeable === false && pr.review !== 'review-required' && pr.review !== 'changes-requested') parts.push(pr.blocked ?? 'not mergeable');
  return parts.join(' · ');
}

/** A unified diff of one file between two texts: the changed lines with up to 3 lines of context. */
export function fileDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - 3);
  const toA = Math.min(a.length - 1, endA + 3);
  const toB = Math.min(b.length - 1, endB + 3);
  const lines = [
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${from + 1},${toA - from + 1} +${from + 1},${toB - from + 1} @@`,
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...a.slice(start, endA + 1).map((l) => `-${l}`),
    ...b.slice(start, endB + 1).map((l) => `+${l}`),
    ...b.slice(endB + 1, toB + 1).map((l) => ` ${l}`),
  ];
  return lines.join('\n');
}
