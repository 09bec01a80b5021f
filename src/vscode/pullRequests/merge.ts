/**
 * Merge (in the tree, when the host says the pull request is mergeable): read it fresh, confirm (typing the
 * name of a protected environment), merge exactly the head the user saw, then what follows any deployment
 * here: the local clone catches up, the tree and history refresh, Argo CD is asked to refresh and the
 * rollout is watched in the status bar (the after-deploy hooks, with the merge commit as the deployment).
 * A release's pull request (several apps of `prod` in one commit) is merged the same way; then every app it
 * moved is refreshed and the status bar follows the release (`prod 2/3`), as after a direct Promote All.
 */
import * as vscode from 'vscode';
import type { EnvironmentGroup } from '../../core/apps/matrix';
import type { Environment, Project } from '../../core/config/model';
import { inputError } from '../../core/errors';
import { needsApproval } from '../../core/gates/decide';
import type { GitOptions } from '../../core/gitops/git';
import type { OperationResult } from '../../core/gitops/operations';
import { describePullRequest, findPromotion, findReleasePromotion, mergePullRequest, pullRequestEnvironments, type PullRequestSession } from '../../core/pullRequests/flow';
import { mergedDeployment, mergedRelease } from '../../core/pullRequests/merged';
import type { PullRequest } from '../../core/pullRequests/types';
import type { EnvironmentEntry, ProjectEntry } from '../../core/workspace/environments';
import type { Services } from '../commands/types';
import { followRelease } from '../deploy/release';
import { confirmDeployment, confirmProtected } from '../deploy/prompts';
import { requireTrust } from '../deploy/run';
import { offerToken } from './deploy';
import { openInBrowser } from './feature';

/** What is merged: one environment's (or one app's) promotion pull request, or a release's. */
interface MergeSubject {
  readonly project: Project;
  /** `prod`, or `api/prod` */
  readonly label: string;
  /** `promotion` or `release`, as the "none" error says it */
  readonly kind: string;
  /** the environment whose protection asks for the typed confirmation, if any */
  readonly approval?: Environment;
  readonly noneHint: string;
  find(session: PullRequestSession): Promise<PullRequest | undefined>;
  /** what the host answered: shown in the tree at once */
  changed(pr: PullRequest): void;
  /** after the merge: the deployments it made (the clone caught up) */
  deployments(session: PullRequestSession, pr: PullRequest, git: GitOptions): Promise<{ results: readonly OperationResult[]; localNote?: string }>;
  /** refresh the tree, then watch: the after-deploy hooks (a release: followed as one) */
  follow(results: readonly OperationResult[]): Promise<void>;
}

export async function mergeFlow(s: Services, entry: EnvironmentEntry): Promise<PullRequest> {
  requireTrust('Merge');
  if (!s.workspace.pullRequests || entry.env.pushMode !== 'pull-request') {
    throw inputError('pr.none', `${entry.env.name} does not change through pull requests`, { hint: 'Set pushMode: pull-request on it in gitops-pilot.yaml' });
  }
  const { env, project } = entry;
  return mergeSubject(s, {
    project,
    label: env.name,
    kind: 'promotion',
    approval: needsApproval(env) ? env : undefined,
    noneHint: 'Promote to it: that opens one',
    find: (session) => findPromotion(session, env),
    changed: (pr) => void s.refresh.pullRequestChanged(env, pr),
    deployments: async (session, pr, git) => {
      const d = await mergedDeployment(session, env, pr, entry.file.ok ? entry.file.declared : {}, git);
      return { results: [d.result], localNote: d.localNote };
    },
    follow: async ([result]) => {
      await s.refresh.deploymentMade(env);
      // the usual after a deployment: Argo CD refresh, rollout watch
      for (const hook of s.hooks.afterDeploy) hook(result!);
    },
  });
}

/** Merge on an environment row of several apps (`prod`): its release pull request. */
export async function mergeReleaseFlow(s: Services, p: ProjectEntry, group: EnvironmentGroup): Promise<PullRequest> {
  requireTrust('Merge');
  const prEntries = pullRequestEnvironments(group.entries);
  if (!s.workspace.pullRequests || !prEntries.length) {
    throw inputError('pr.none', `${group.name} does not change through pull requests`, { hint: 'Set pushMode: pull-request on its environments in gitops-pilot.yaml' });
  }
  const { project } = p;
  return mergeSubject(s, {
    project,
    label: group.name,
    kind: 'release',
    approval: group.entries.find((e) => needsApproval(e.env))?.env,
    noneHint: `Promote All to ${group.name}: that opens one`,
    find: (session) => findReleasePromotion(session, group.name),
    changed: (pr) => void s.refresh.releasePullRequestChanged(project.root, group.name, pr),
    deployments: (session, pr, git) => mergedRelease(session, group.entries.map((e) => ({ env: e.env, before: e.file.ok ? e.file.declared : {} })), pr, git),
    follow: async (results) => {
      const files = new Set<string>();
      for (const e of group.entries) {
        if (files.has(e.env.file)) continue;
        files.add(e.env.file);
        await s.refresh.deploymentMade(e.env);
      }
      // the apps' own pull requests may have been superseded: read them again
      for (const e of prEntries) void s.refresh.pullRequestChanged(e.env);
      followRelease(s, results);
    },
  });
}

/** The one implementation of both merges. */
async function mergeSubject(s: Services, subject: MergeSubject): Promise<PullRequest> {
  const model = s.workspace.pullRequests!;
  const session = await model.session(subject.project).catch((err: unknown) => {
    throw offerToken(s, err);
  });
  // what the host says now, not what the tree showed a while ago
  const pr = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading the pull request of ${subject.label}…` }, () => subject.find(session));
  if (!pr) throw inputError('pr.none', `${subject.label} has no ${subject.kind} pull request`, { hint: subject.noneHint });
  subject.changed(pr);
  const title = `Merge ${describePullRequest(pr)} into ${session.base}`;
  if (pr.state === 'open' && pr.mergeable !== false) {
    if (subject.approval) await confirmProtected(subject.approval, title);
    else if (s.settings.get('confirmDeployments')) await confirmDeployment(`${title}?`, `${pr.title}\n\nMerging deploys it to ${subject.label}.`, 'Merge');
  }
  const merged = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Merging ${describePullRequest(pr)}`, cancellable: false }, async (progress) => {
    // refuses (with the reason and a next step) a pull request that is closed, merged or not mergeable
    const m = await mergePullRequest(session, pr);
    subject.changed(m);
    progress.report({ message: `fetching ${subject.project.gitops.remote}/${session.base}` });
    const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
    return { pr: m, deployed: m.state === 'merged' ? await subject.deployments(session, m, git) : undefined };
  });
  if (!merged.deployed) throw inputError('pr.notMerged', `${describePullRequest(merged.pr)} was not merged`, { hint: `Open it (${merged.pr.url}) and see what it waits for` });
  const { results, localNote } = merged.deployed;
  if (localNote) s.log.warn(`after the merge: ${localNote}`);
  const commit = results[0]?.commit ?? merged.pr.mergeCommit;
  s.log.info(`merged ${describePullRequest(merged.pr)} (${merged.pr.url}): ${commit?.slice(0, 7) ?? '?'} on ${subject.project.gitops.remote}/${session.base}`);
  void vscode.window.showInformationMessage(`Merged ${describePullRequest(pr).replace(/ · .*/, '')} into ${session.base}: ${pr.title}${localNote ? ` (${localNote})` : ''}`, 'Open in Browser').then((c) => c && openInBrowser(merged.pr.url));
  await subject.follow(results);
  return merged.pr;
}
