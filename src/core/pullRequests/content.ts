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

/** What a promotion branch is for: one environment, or one app of it, or a release of several of its apps. */
export interface PromotionScope {
  /** one app's promotion in a project of several apps */
  readonly app?: string;
  /** a release: several apps of the environment in one commit */
  readonly release?: boolean;
}

/** The release branch's last component: `_` starts no app name (schema: a letter or digit first), so it never meets one. */
export const RELEASE_BRANCH_LEAF = '_release';

/**
 * The branch promotions of an environment go through, so a newer promotion updates the same branch and
 * pull request: `gitops-pilot/<env>`; with several apps, per app `gitops-pilot/<env>/<app>` (two apps'
 * promotions never overwrite each other's pull request) and per release `gitops-pilot/<env>/_release`:
 * git cannot hold a branch `gitops-pilot/<env>` beside `gitops-pilot/<env>/<app>`, so the release gets a
 * leaf of its own beside the apps'.
 */
export function promotionBranchName(env: string, scope: PromotionScope = {}): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').replace(/\.{2,}/g, '.').replace(/\.lock$/, '-lock') || 'x';
  const leaf = scope.release ? `/${RELEASE_BRANCH_LEAF}` : scope.app ? `/${clean(scope.app)}` : '';
  return checkBranchName(`gitops-pilot/${clean(env)}${leaf}`);
}

/** One app's move in a release. */
export interface AppChange {
  readonly app: string;
  readonly file: string;
  readonly before: ImageRef;
  readonly after: ImageRef;
}

export interface PullRequestContentInput {
  readonly env: string;
  /** the promotion branch (what a newer promotion updates) */
  readonly branch: string;
  /** one app of a project of several */
  readonly app?: string;
  /** a release: every app it moves (then file / before / after are unused) */
  readonly changes?: readonly AppChange[];
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
  const rows: string[] = [`| | |`, `| --- | --- |`, `| Environment | ${code(i.env)} (into ${code(i.base)}) |`];
  if (i.app) rows.push(`| App | ${code(i.app)} |`);
  if (!i.changes) rows.push(`| File | ${code(i.file)} |`, `| From | ${code(imageString(i.before))} |`, `| To | ${code(imageString(i.after))} |`);
  if (i.promotedFrom) {
    const link = i.sourceDeployCommit ? ` at [${i.sourceDeployCommit.slice(0, 7)}](${commitUrl(i.target, i.sourceDeployCommit)})` : '';
    rows.push(`| Promoted from | ${code(i.promotedFrom)}${link} |`);
  }
  if (i.sourceCommit) {
    const short = i.sourceCommit.slice(0, 12);
    rows.push(`| Source commit | ${i.sourceCommitUrl ? `[${short}](${i.sourceCommitUrl})` : code(short)} |`);
  }
  const fence = i.diff.includes('```') ? '~~~~' : '```';
  const apps = i.changes
    ? ['', '| App | From | To | File |', '| --- | --- | --- | --- |', ...i.changes.map((c) => `| ${code(c.app)} | ${code(imageString(c.before))} | ${code(imageString(c.after))} | ${code(c.file)} |`)]
    : [];
  const what = i.changes ? `a release of ${i.changes.length} app${i.changes.length === 1 ? '' : 's'} to **${i.env}**` : i.app ? `**${i.app}** to **${i.env}**` : `**${i.env}**`;
  return [
    `${BODY_MARKER} env=${i.env}${i.app ? ` app=${i.app}` : ''}${i.changes ? ' release' : ''} -->`,
    `Promotion of ${what} by GitOps Pilot: merging this pull request deploys it.`,
    '',
    ...rows,
    ...apps,
    '',
    `${fence}diff`,
    i.diff.trimEnd() || '(no textual change)',
    fence,
    '',
    `A newer ${i.changes ? 'release' : 'promotion'} of ${i.app ? `${i.app} to ` : ''}${i.env} updates this pull request (branch ${code(i.branch)}) instead of opening another.`,
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
