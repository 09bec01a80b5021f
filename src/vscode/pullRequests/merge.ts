/**
 * Merge (in the tree, when the host says the pull request is mergeable): read it fresh, confirm (typing the
 * name of a protected environment), merge exactly the head the user saw, then what follows any deployment
 * here: the local clone catches up, the tree and history refresh, Argo CD is asked to refresh and the
 * rollout is watched in the status bar (the after-deploy hooks, with the merge commit as the deployment).
 */
import * as vscode from 'vscode';
import { inputError } from '../../core/errors';
import { needsApproval } from '../../core/gates/decide';
import { describePullRequest, findPromotion, mergePullRequest } from '../../core/pullRequests/flow';
import { mergedDeployment } from '../../core/pullRequests/merged';
import type { PullRequest } from '../../core/pullRequests/types';
import type { EnvironmentEntry } from '../../core/workspace/environments';
import type { Services } from '../commands/types';
import { confirmDeployment, confirmProtected } from '../deploy/prompts';
import { requireTrust } from '../deploy/run';
import { offerToken } from './deploy';
import { openInBrowser } from './feature';

export async function mergeFlow(s: Services, entry: EnvironmentEntry): Promise<PullRequest> {
  requireTrust('Merge');
  const model = s.workspace.pullRequests;
  if (!model || entry.env.pushMode !== 'pull-request') {
    throw inputError('pr.none', `${entry.env.name} does not change through pull requests`, { hint: 'Set pushMode: pull-request on it in gitops-pilot.yaml' });
  }
  const { env, project } = entry;
  const session = await model.session(project).catch((err: unknown) => {
    throw offerToken(s, err);
  });
  // what the host says now, not what the tree showed a while ago
  const pr = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading the pull request of ${env.name}…` }, () => findPromotion(session, env));
  if (!pr) throw inputError('pr.none', `${env.name} has no promotion pull request`, { hint: 'Promote to it: that opens one' });
  void s.refresh.pullRequestChanged(env, pr);
  const title = `Merge ${describePullRequest(pr)} into ${session.base}`;
  if (pr.state === 'open' && pr.mergeable !== false) {
    if (needsApproval(env)) await confirmProtected(env, title);
    else if (s.settings.get('confirmDeployments')) await confirmDeployment(`${title}?`, `${pr.title}\n\nMerging deploys it to ${env.name}.`, 'Merge');
  }
  const merged = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Merging ${describePullRequest(pr)}`, cancellable: false }, async (progress) => {
    // refuses (with the reason and a next step) a pull request that is closed, merged or not mergeable
    const m = await mergePullRequest(session, pr);
    void s.refresh.pullRequestChanged(env, m);
    progress.report({ message: `fetching ${project.gitops.remote}/${session.base}` });
    const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
    const before = entry.file.ok ? entry.file.declared : {};
    return { pr: m, deployment: m.state === 'merged' ? await mergedDeployment(session, env, m, before, git) : undefined };
  });
  if (!merged.deployment) throw inputError('pr.notMerged', `${describePullRequest(merged.pr)} was not merged`, { hint: `Open it (${merged.pr.url}) and see what it waits for` });
  const { result, localNote } = merged.deployment;
  if (localNote) s.log.warn(`after the merge: ${localNote}`);
  await s.refresh.deploymentMade(env);
  s.log.info(`merged ${describePullRequest(merged.pr)} (${merged.pr.url}): ${result.commit?.slice(0, 7)} on ${result.remote}/${result.pushedTo}`);
  void vscode.window.showInformationMessage(`Merged ${describePullRequest(pr).replace(/ · .*/, '')} into ${session.base}: ${pr.title}${localNote ? ` (${localNote})` : ''}`, 'Open in Browser').then((c) => c && openInBrowser(merged.pr.url));
  // the usual after a deployment: Argo CD refresh, rollout watch
  for (const hook of s.hooks.afterDeploy) hook(result);
  return merged.pr;
}
