/**
 * Roll Back Release (a History row of a release commit): every app that commit moved goes back to the image
 * it had before, in ONE commit `rollback(prod): 11 apps of 1a2b3c4` — the core's rollbackRelease, as
 * `gitops-pilot rollback --release COMMIT` does it. Previewed, confirmed once (typed for a protected environment). Into
 * an environment that changes through pull requests it goes through its release pull request, as Promote All does.
 */
import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { needsApproval } from '../../core/gates/decide';
import type { Project } from '../../core/config/model';
import { computeImageEdits } from '../../core/release/commitImages';
import { tagText } from '../../core/release/diff';
import { planReleaseRollback, rollbackRelease, rollbackSubjectEnv } from '../../core/release/promote';
import type { Services } from '../commands/types';
import { runReleasePullRequest, usesPullRequest } from '../pullRequests/deploy';
import { confirmDeployment, confirmProtected } from './prompts';
import { describeReleasePush, reportRelease } from './release';
import { operationContext, requireTrust } from './run';

export async function rollbackReleaseFlow(s: Services, project: Project, commit: string, subject: string): Promise<void> {
  requireTrust('Roll Back Release');
  const planCtx = operationContext(s, project, new AbortController().signal, () => undefined);
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading ${commit.slice(0, 7)}…` }, () => planReleaseRollback(planCtx, { commit, confirmed: true }));
  const to = rollbackSubjectEnv(plan);
  const { applied } = await computeImageEdits(plan.edits);
  const moved = applied.filter((a) => a.changed);
  if (!moved.length) {
    void vscode.window.showInformationMessage(`${to} already runs the images ${commit.slice(0, 7)} replaced: nothing to roll back.`);
    return;
  }
  const title = `Roll back ${moved.length} app${moved.length === 1 ? '' : 's'} of ${commit.slice(0, 7)} in ${to}`;
  const rows = moved.map((a) => `  ${(a.env.app ?? a.env.name).padEnd(24)} ${tagText(a.before)} → ${tagText(a.after)}    ${a.env.relFile}`);
  await s.previews.showText(`rollback-${commit.slice(0, 7)}.txt`, [`${title} in one commit`, `Reverts: ${subject}`, '', ...rows, ''].join('\n'));
  const approval = plan.edits.find((e) => needsApproval(e.env));
  const throughPullRequest = plan.edits.some((e) => usesPullRequest(e.env));
  if (approval) await confirmProtected(approval.env, title);
  else if (s.settings.get('confirmDeployments')) await confirmDeployment(`${title}?`, `${moved.map((a) => `${a.env.app ?? a.env.name}: ${tagText(a.before)} → ${tagText(a.after)}`).join('\n')}\n\nOne commit. ${describeReleasePush(s, to, throughPullRequest)}`, 'Roll Back Release');
  const progressTitle = `Rolling back ${commit.slice(0, 7)} in ${to}`;
  if (throughPullRequest) {
    // as `gitops-pilot rollback --release` in pull-request mode: the release's pull request, nothing deployed until merged
    const context = (signal: AbortSignal, onProgress: (m: string) => void) => operationContext(s, project, signal, onProgress);
    await runReleasePullRequest(s, progressTitle, project, to, plan.edits.map((e) => e.env), context, (ctx) => rollbackRelease(ctx, { commit, confirmed: true }, plan));
    return;
  }
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: progressTitle, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const r = await rollbackRelease(operationContext(s, project, abort.signal, (m) => progress.report({ message: m })), { commit, confirmed: true }, plan);
      if (token.isCancellationRequested && r.status === 'unchanged') throw cancelled();
      return r;
    } finally {
      sub.dispose();
    }
  });
  await reportRelease(s, result, result.envs, to);
}
