/**
 * A deployment into an environment with `pushMode: pull-request`, from the editor: the host and token are
 * checked before anything is written (no token: the error names "Set Pull Request Token…" and nothing is
 * committed), then the core transaction pushes the environment's promotion branch and the core flow opens
 * or updates its pull request — the same steps as `gitops-pilot promote`, so the commit is byte-identical.
 * A release (Promote All: several apps in one commit) takes the same steps through the environment's one
 * release pull request (gitops-pilot/<env>/_release), as `gitops-pilot promote --all` does.
 * Nothing is deployed yet: the rollout is watched after the merge (Merge in the tree).
 */
import * as vscode from 'vscode';
import type { Environment, Project } from '../../core/config/model';
import { cancelled, inputError, PilotError } from '../../core/errors';
import type { GitOptions } from '../../core/gitops/git';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import type { TransactionResult } from '../../core/gitops/transaction';
import { describePullRequest, openOrUpdatePullRequest, openOrUpdateReleasePullRequest, type PromotionOutcome, type PullRequestSession } from '../../core/pullRequests/flow';
import type { ImagesCommitResult } from '../../core/release/commitImages';
import type { Services } from '../commands/types';
import { openInBrowser } from './feature';

export function usesPullRequest(env: Pick<Environment, 'pushMode'>): boolean {
  return env.pushMode === 'pull-request';
}

type ContextFor = (signal: AbortSignal, onProgress: (m: string) => void) => OperationContext;

export async function runPullRequestDeployment(
  s: Services,
  title: string,
  project: Project,
  env: Environment,
  context: ContextFor,
  op: (ctx: OperationContext) => Promise<OperationResult>,
): Promise<{ result: OperationResult; pr?: PromotionOutcome }> {
  const outcome = await throughPullRequest(s, title, project, env.name, context, op, (session, result, git) => openOrUpdatePullRequest(session, result, { git }));
  reportPullRequestDeployment(s, outcome.result, outcome.pr);
  return outcome;
}

/**
 * A release of several apps into `envName` (`prod`) through its one pull request: the same steps as a single
 * deployment's; `envs`: the apps' environments it edits (their files and histories are read again).
 */
export async function runReleasePullRequest<R extends ImagesCommitResult>(
  s: Services,
  title: string,
  project: Project,
  envName: string,
  envs: readonly Environment[],
  context: ContextFor,
  op: (ctx: OperationContext) => Promise<R>,
): Promise<{ result: R; pr?: PromotionOutcome }> {
  const outcome = await throughPullRequest(s, title, project, envName, context, op, (session, result, git) => openOrUpdateReleasePullRequest(session, result, envName, { git }));
  const seen = new Set<string>();
  for (const env of envs) {
    if (seen.has(env.file)) continue;
    seen.add(env.file);
    void s.refresh.deploymentMade(env);
  }
  const { result, pr } = outcome;
  if (!pr) {
    void vscode.window.showInformationMessage(result.status === 'unchanged' ? `${envName} already declares those images: nothing to commit.` : `${envName}: committed ${result.commit?.slice(0, 7)} locally (not pushed): no pull request.`);
    return outcome;
  }
  void s.refresh.releasePullRequestChanged(project.root, envName, pr.pullRequest);
  announce(s, pr, envName);
  return outcome;
}

/** The one implementation of both: connect first (nothing written without a token), the transaction with push: pull-request, then open or update. */
async function throughPullRequest<R extends TransactionResult>(
  s: Services,
  title: string,
  project: Project,
  envName: string,
  context: ContextFor,
  op: (ctx: OperationContext) => Promise<R>,
  open: (session: PullRequestSession, result: R, git: GitOptions) => Promise<PromotionOutcome>,
): Promise<{ result: R; pr?: PromotionOutcome }> {
  const feature = s.pullRequests;
  if (!feature) throw inputError('pr.unavailable', `${envName} changes only through a pull request, which this window cannot open`, { hint: 'Reload the window, or use gitops-pilot promote on the command line' });
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      progress.report({ message: 'checking the pull-request host and token' });
      // before anything is written: the host, the repository and a token that may see it
      const session = await feature.connect(project, abort.signal).catch((err: unknown) => {
        throw offerToken(s, err);
      });
      if (token.isCancellationRequested) throw cancelled();
      const ctx = { ...context(abort.signal, (m) => progress.report({ message: m })), push: 'pull-request' as const };
      const result = await op(ctx);
      if (result.status !== 'pushed') {
        if (token.isCancellationRequested) throw cancelled();
        return { result };
      }
      progress.report({ message: `${result.pushedTo} pushed; opening the pull request` });
      const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
      return { result, pr: await open(session, result, git) };
    } finally {
      sub.dispose();
    }
  });
}

/** Refreshes the file, the history and the pull request; says what happened with the link. No rollout watch: nothing is deployed yet. */
function reportPullRequestDeployment(s: Services, result: OperationResult, pr: PromotionOutcome | undefined): void {
  void s.refresh.deploymentMade(result.env);
  if (!pr) {
    void vscode.window.showInformationMessage(result.status === 'unchanged' ? `${result.env.name}: nothing to commit, the file already declares that image.` : `${result.env.name}: committed ${result.commit?.slice(0, 7)} locally (not pushed): no pull request.`);
    return;
  }
  void s.refresh.pullRequestChanged(result.env, pr.pullRequest);
  announce(s, pr, result.env.name);
}

/** "Opened PR #1 · … for prod: <title>. Merging it deploys it." with Open in Browser. */
function announce(s: Services, pr: PromotionOutcome, envName: string): void {
  const p = pr.pullRequest;
  const text = `${pr.action === 'opened' ? 'Opened' : 'Updated'} ${describePullRequest(p)} for ${envName}: ${p.title}${pr.closedBefore ? ` (the previous one, #${pr.closedBefore.number}, had been closed without merging)` : ''}. Merging it deploys it.`;
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
