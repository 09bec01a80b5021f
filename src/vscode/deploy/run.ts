import * as vscode from 'vscode';
import type { Environment, Project } from '../../core/config/model';
import { cancelled, inputError } from '../../core/errors';
import { imageString } from '../../core/gitops/message';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import type { Services } from '../commands/types';
import { runPullRequestDeployment, usesPullRequest } from '../pullRequests/deploy';

/** Refuses in Restricted Mode: deployments run git (and later docker); the manifest also disables them. */
export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw inputError('workspace.untrusted', `${what} is not available in Restricted Mode`, { hint: 'Trust this workspace (Manage Workspace Trust) to deploy from it' });
  }
}

export function operationContext(s: Services, project: Project, signal: AbortSignal, onProgress: (m: string) => void): OperationContext {
  return {
    project,
    push: s.settings.get('pushMode'),
    git: { log: s.log, signal, gitPath: s.settings.get('gitPath') || undefined },
    onProgress,
    checkImage: s.hooks.checkImage,
    sourceHealth: s.hooks.sourceHealth,
    gates: s.hooks.gates,
  };
}

/**
 * Runs one deployment with a cancellable progress notification, then says what happened (with the
 * commit and where it went) and refreshes the environment. Into an environment with `pushMode:
 * pull-request` (`target`), it goes through its pull request (src/vscode/pullRequests/deploy.ts).
 */
export async function runDeployment(s: Services, title: string, project: Project, op: (ctx: OperationContext) => Promise<OperationResult>, target?: Environment): Promise<OperationResult> {
  if (target && usesPullRequest(target)) return (await runPullRequestDeployment(s, title, project, target, (signal, onProgress) => operationContext(s, project, signal, onProgress), op)).result;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const r = await op(operationContext(s, project, abort.signal, (m) => progress.report({ message: m })));
      if (token.isCancellationRequested && r.status === 'unchanged') throw cancelled();
      return r;
    } finally {
      sub.dispose();
    }
  });
  return reportDeployment(s, result);
}

/** After a deployment (whichever flow made it): refresh, say what happened, fire the after-deploy hooks (watch). */
export function reportDeployment(s: Services, result: OperationResult): OperationResult {
  void s.refresh.deploymentMade(result.env);
  const where = result.status === 'pushed' ? `pushed ${result.commit?.slice(0, 7)} to ${result.remote}/${result.pushedTo}` : result.status === 'committed' ? `committed ${result.commit?.slice(0, 7)} locally (not pushed)` : '';
  if (result.status === 'unchanged') {
    void vscode.window.showInformationMessage(`${result.env.name} already declares ${imageString(result.after.tag ? result.after : result.before)}: nothing to commit.`);
  } else {
    s.log.info(`${result.message?.split('\n')[0]} — ${where}`);
    void vscode.window.showInformationMessage(`${result.message?.split('\n')[0]} — ${where}`);
  }
  for (const hook of s.hooks.afterDeploy) hook(result);
  return result;
}
