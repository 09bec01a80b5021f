/**
 * A deployment into an environment with `pushMode: pull-request`, from the editor: the host and token are
 * checked before anything is written (no token: the error names "Set Pull Request Token…" and nothing is
 * committed), then the core transaction pushes the environment's promotion branch and the core flow opens
 * or updates its pull request — the same steps as `gitops-pilot promote`, so the commit is byte-identical.
 * Nothing is deployed yet: the rollout is watched after the merge (Merge in the tree).
 */
import * as vscode from 'vscode';
import type { Environment, Project } from '../../core/config/model';
import { cancelled, inputError, PilotError } from '../../core/errors';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import { describePullRequest, openOrUpdatePullRequest, type PromotionOutcome } from '../../core/pullRequests/flow';
import type { Services } from '../commands/types';
import { openInBrowser } from './feature';

export function usesPullRequest(env: Pick<Environment, 'pushMode'>): boolean {
  return env.pushMode === 'pull-request';
}

export async function runPullRequestDeployment(
  s: Services,
  title: string,
  project: Project,
  env: Environment,
  context: (signal: AbortSignal, onProgress: (m: string) => void) => OperationContext,
  op: (ctx: OperationContext) => Promise<OperationResult>,
): Promise<{ result: OperationResult; pr?: PromotionOutcome }> {
  const feature = s.pullRequests;
  if (!feature) throw inputError('pr.unavailable', `${env.name} changes only through a pull request, which this window cannot open`, { hint: 'Reload the window, or use gitops-pilot promote on the command line' });
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      progress.report({ message: 'checking the pull-request host and token' });
      // before anything is written: the host, the repository and a token that may see it
      const session = await feature.connect(project, abort.signal).catch((err: unknown) => {
        throw offerToken(s, err);
      });
      const ctx = { ...context(abort.signal, (m) => progress.report({ message: m })), push: 'pull-request' as const };
      const result = await op(ctx);
      if (result.status !== 'pushed') {
        if (token.isCancellationRequested) throw cancelled();
        return { result };
      }
      progress.report({ message: `${result.pushedTo} pushed; opening the pull request` });
      const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
      return { result, pr: await openOrUpdatePullRequest(session, result, { git }) };
    } finally {
      sub.dispose();
    }
  });
  reportPullRequestDeployment(s, outcome.result, outcome.pr);
  return outcome;
}

/** Refreshes the file, the history and the pull request; says what happened with the link. No rollout watch: nothing is deployed yet. */
function reportPullRequestDeployment(s: Services, result: OperationResult, pr: PromotionOutcome | undefined): void {
  void s.refresh.deploymentMade(result.env);
  if (!pr) {
    void vscode.window.showInformationMessage(result.status === 'unchanged' ? `${result.env.name}: nothing to commit, the file already declares that image.` : `${result.env.name}: committed ${result.commit?.slice(0, 7)} locally (not pushed): no pull request.`);
    return;
  }
  void s.refresh.pullRequestChanged(result.env, pr.pullRequest);
  const p = pr.pullRequest;
  const text = `${pr.action === 'opened' ? 'Opened' : 'Updated'} ${describePullRequest(p)} for ${result.env.name}: ${p.title}${pr.closedBefore ? ` (the previous one, #${pr.closedBefore.number}, had been closed without merging)` : ''}. Merging it deploys it.`;
  s.log.info(`${text} ${p.url}`);
  void vscode.window.showInformationMessage(text, 'Open in Browser').then((c) => c && openInBrowser(p.url));
}

/** The "no token" error with its fix one click away. */
export function offerToken(s: Pick<Services, 'log'>, err: unknown): unknown {
  if (!(err instanceof PilotError) || !/^pr\.(noToken|unauthorized)$/.test(err.code)) return err;
  s.log.warn(err.toUserString());
  void vscode.window.showWarningMessage(err.toUserString(), 'Set Pull Request Token…').then((c) => c && vscode.commands.executeCommand('gitopsPilot.setPullRequestToken'));
  // shown here with its action: the command's own error report stays silent
  return cancelled(err.message);
}
