/**
 * Promote All (issue 15): the apps of an environment that differ from its source, chosen in a multi-select
 * (all preselected), previewed, confirmed once, and moved by the core's release promotion in ONE commit.
 * Into an environment that changes through pull requests (issue 17: one of its apps has pushMode:
 * pull-request, as the CLI's `promote --all` decides) that commit opens or updates its one release pull request.
 */
import * as vscode from 'vscode';
import type { EnvironmentGroup } from '../../core/apps/matrix';
import { cancelled, inputError } from '../../core/errors';
import { needsApproval } from '../../core/gates/decide';
import type { Environment } from '../../core/config/model';
import type { OperationResult } from '../../core/gitops/operations';
import { computeImageEdits, type AppliedEdit, type ImagesCommitResult } from '../../core/release/commitImages';
import { describeAppDiff, diffEnvironments, tagText, type AppDiff, type EnvironmentDiff } from '../../core/release/diff';
import { planRelease, promoteRelease, releasePlanText, type ReleaseResult } from '../../core/release/promote';
import { promotionBranchName } from '../../core/pullRequests/content';
import type { ProjectEntry } from '../../core/workspace/environments';
import type { Services } from '../commands/types';
import { runReleasePullRequest, usesPullRequest } from '../pullRequests/deploy';
import { describePush } from './flows';
import { checkReleaseGates } from './gatePrompt';
import { confirmDeployment, confirmProtected } from './prompts';
import { operationContext, requireTrust } from './run';

function line(a: AppliedEdit): string {
  return `${a.env.app ?? a.env.name}: ${tagText(a.before)} → ${tagText(a.after)}`;
}

function appItem(a: AppDiff, d: EnvironmentDiff): vscode.QuickPickItem & { app: string } {
  const row = describeAppDiff(a, d);
  return { ...row, detail: `${row.detail} · ${a.to?.relFile ?? ''}`, picked: true, app: a.app };
}

/** `apps` given (a keybinding's or an API caller's arguments): those apps, without the multi-select. */
export async function promoteAllFlow(s: Services, p: ProjectEntry, group: EnvironmentGroup, given?: readonly string[]): Promise<ReleaseResult | undefined> {
  requireTrust('Promote All');
  const { name: to, source: from } = group;
  if (from === undefined) {
    throw inputError('release.noSource', `${to} is not promoted from another environment`, { hint: 'Set promoteFrom on its environments in gitops-pilot.yaml' });
  }
  // the whole release goes through the release pull request when one of its apps changes only through review
  const throughPullRequest = group.entries.some((e) => usesPullRequest(e.env));
  const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
  const diff = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Comparing ${from} and ${to}…` }, () => diffEnvironments(p.project, from, to, { git }));
  const broken = diff.apps.filter((a) => a.status === 'error');
  for (const a of broken) s.log.warn(`Promote All: ${a.app} left out: ${a.error?.message ?? 'unreadable'}`);
  const differ = diff.apps.filter((a) => a.status === 'differs');
  if (!differ.length) {
    void vscode.window.showInformationMessage(`Every app of ${to} already runs ${from}'s image${broken.length ? ` (${broken.length} unreadable: see the log)` : ''}: nothing to promote.`);
    return undefined;
  }
  const picked = given ? given.map((app) => ({ app })) : await vscode.window.showQuickPick(differ.map((a) => appItem(a, diff)), {
    canPickMany: true,
    ignoreFocusOut: true,
    title: `Promote All to ${to} from ${from}${broken.length ? ` (${broken.length} unreadable, left out)` : ''}`,
    placeHolder: `${differ.length} of ${diff.apps.filter((a) => a.to).length} apps differ; unselect the ones to keep`,
  });
  if (!picked?.length) throw cancelled();
  const apps = picked.map((x) => x.app);
  // the gates of every app, as Promote to Production asks them for one: Override… with a reason, or nothing happens
  const overrideGate = await checkReleaseGates(s, to, diff.apps.filter((a) => apps.includes(a.app) && a.from && a.to).map((a) => ({ app: a.app, from: a.from!, to: a.to! })));
  const release = { from, to, apps, confirmed: true, ...(overrideGate !== undefined ? { overrideGate } : {}) };
  const planCtx = operationContext(s, p.project, new AbortController().signal, () => undefined);
  // the single promotion's guards for every app (mutable tags into protected environments, a healthy source)
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Checking ${apps.length} apps…` }, () => planRelease(planCtx, release));
  if (!plan.edits.length) {
    void vscode.window.showInformationMessage(`${apps.join(', ')} in ${to} already run ${from}'s images: nothing to commit.`);
    return undefined;
  }
  const { original, text, applied } = await computeImageEdits(plan.edits);
  const files = [...text].filter(([f, t]) => t !== original.get(f));
  const title = `Promote ${plan.edits.length} app${plan.edits.length === 1 ? '' : 's'} from ${from} to ${to}`;
  if (files.length === 1) {
    const env = plan.edits.find((e) => e.env.file === files[0]![0])!.env;
    await s.previews.showDiff(files[0]![0], files[0]![1], `${env.relFile} (${to}): ${title}`);
  } else await s.previews.showText(`promote-${to}.txt`, releasePlanText(plan, applied));
  const approval = plan.edits.find((e) => needsApproval(e.env));
  if (approval) await confirmProtected(approval.env, title);
  else if (s.settings.get('confirmDeployments')) await confirmDeployment(`${title}?`, `${applied.filter((a) => a.changed).map(line).join('\n')}\n\nOne commit. ${describeReleasePush(s, to, throughPullRequest)}`, 'Promote All');
  const progressTitle = `Promoting ${plan.edits.length} apps to ${to}`;
  if (throughPullRequest) {
    const envs = plan.edits.map((e) => e.env);
    const context = (signal: AbortSignal, onProgress: (m: string) => void) => operationContext(s, p.project, signal, onProgress);
    return (await runReleasePullRequest(s, progressTitle, p.project, to, envs, context, (ctx) => promoteRelease(ctx, release, plan))).result;
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: progressTitle, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const r = await promoteRelease(operationContext(s, p.project, abort.signal, (m) => progress.report({ message: m })), release, plan);
      if (token.isCancellationRequested && r.status === 'unchanged') throw cancelled();
      return r;
    } finally {
      sub.dispose();
    }
  });
  await reportRelease(s, result, plan.edits.map((e) => e.env), to);
  return result;
}

/** Where a release's commit goes, for the confirmation: the release branch when it goes through a pull request. */
export function describeReleasePush(s: Services, to: string, throughPullRequest: boolean): string {
  return throughPullRequest ? `The commit goes to the release pull request of ${to} (branch ${promotionBranchName(to, { release: true })}); merging it deploys it.` : describePush(s);
}

/**
 * After a release (or its rollback): refresh its files, say what happened, hand every moved app to the
 * after-deploy hooks (Argo CD refresh), and the release to afterRelease (the status bar follows it: `prod 7/11`).
 */
export async function reportRelease(s: Services, r: ImagesCommitResult, envs: readonly Environment[], to: string): Promise<void> {
  const seen = new Set<string>();
  for (const env of envs) {
    if (seen.has(env.file)) continue;
    seen.add(env.file);
    await s.refresh.deploymentMade(env);
  }
  if (r.status === 'unchanged') {
    void vscode.window.showInformationMessage(`${to} already declares those images: nothing to commit.`);
    return;
  }
  const where = r.status === 'pushed' ? `pushed ${r.commit?.slice(0, 7)} to ${r.remote}/${r.pushedTo}` : `committed ${r.commit?.slice(0, 7)} locally (not pushed)`;
  const subject = r.message?.split('\n')[0] ?? '';
  s.log.info(`${subject} — ${where}`);
  void vscode.window.showInformationMessage(`${subject} — ${where}`);
  followRelease(s, r.edits.map((a) => ({ ...r, env: a.env, before: a.before, after: a.after })));
}

/** A release reached the deployment branch (pushed, or its pull request merged): every moved app to the after-deploy hooks, the release to afterRelease. */
export function followRelease(s: Services, results: readonly OperationResult[]): void {
  for (const one of results) for (const hook of s.hooks.afterDeploy) hook(one, { release: true });
  s.hooks.afterRelease?.(results);
}
