/**
 * The editor's deployment flows: decide the change, show it as a diff, confirm (typing the name for a
 * protected environment), then commit and push with progress. Shared by the commands so Set Image Tag,
 * Promote and Roll Back behave the same way.
 */
import * as vscode from 'vscode';
import type { Environment } from '../../core/config/model';
import { inputError, PilotError } from '../../core/errors';
import { needsApproval } from '../../core/gates/decide';
import { imageString, type ImageRef } from '../../core/gitops/message';
import { commitSetImage, planRollback, planSetImage, previewChange, promote, promotionChange, rollback, type SetImagePlan } from '../../core/gitops/operations';
import type { Services } from '../commands/types';
import type { EnvironmentEntry } from '../../core/workspace/environments';
import { promotionBranchName } from '../../core/pullRequests/content';
import { usesPullRequest } from '../pullRequests/deploy';
import { checkGates } from './gatePrompt';
import { confirmDeployment, confirmProtected } from './prompts';
import { operationContext, requireTrust, runDeployment } from './run';

function requireReadable(entry: EnvironmentEntry): void {
  if (!entry.file.ok) throw entry.file.error;
}

/** Shows the diff and asks; returns the file text the user approved (the write refuses if it changes). */
async function reviewAndConfirm(s: Services, env: Environment, preview: { before: string; after: string; changed: boolean }, title: string, action: string, detail: string): Promise<string> {
  if (!preview.changed) return preview.before;
  await s.previews.showDiff(env.file, preview.after, `${env.relFile} (${env.name}): ${title}`);
  if (needsApproval(env)) await confirmProtected(env, title);
  else if (s.settings.get('confirmDeployments')) await confirmDeployment(`${title}?`, detail, action);
  return preview.before;
}

export function describePush(s: Services, env?: Pick<Environment, 'id' | 'name' | 'app' | 'pushMode'>): string {
  // the branch the transaction pushes: per app with several apps (gitops-pilot/prod/api), not one made of the id
  if (env && usesPullRequest(env)) return `The commit goes to the pull request of ${env.id} (branch ${promotionBranchName(env.name, { app: env.app })}); merging it deploys it.`;
  const mode = s.settings.get('pushMode');
  return mode === 'branch' ? 'The commit goes to a new branch for a pull request.' : 'The commit is pushed to the deployment branch.';
}

export async function setImageFlow(s: Services, entry: EnvironmentEntry, tag: string): Promise<void> {
  requireTrust('Set Image Tag');
  requireReadable(entry);
  const { env, project } = entry;
  const planCtx = operationContext(s, project, new AbortController().signal, () => undefined);
  // the plan checks the tag (protected environments included: the review asks for the confirmation)
  const plan = (force: boolean) => vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Checking ${tag}…` }, () => planSetImage(planCtx, { env, tag, confirmed: true, force }));
  let planned: SetImagePlan;
  try {
    planned = await plan(false);
  } catch (err) {
    // the registry does not have the tag: say what will happen, and let the user deploy it anyway
    if (!(err instanceof PilotError) || err.code !== 'image.notFound') throw err;
    await confirmDeployment(
      `${err.message}. Deploy it to ${env.name} anyway?`,
      'The cluster will not be able to pull it (ImagePullBackOff) until it is pushed. Push it first with GitOps Pilot: Push Image, or check the tag.',
      'Deploy Anyway',
    );
    planned = await plan(true);
  }
  const expectText = await reviewSetImage(s, entry, planned);
  await runDeployment(s, `Deploying ${tag} to ${env.name}`, project, (ctx) => commitSetImage(ctx, planned, { expectText }), env);
}

/** The planned diff of setting an image and the confirmation (typing the name of a protected environment); returns the approved text. */
export function reviewSetImage(s: Services, entry: EnvironmentEntry, plan: SetImagePlan): Promise<string> {
  const tag = plan.change.tag ?? '(digest)';
  const title = `${plan.edit.before.tag ?? '(unset)'} → ${tag}`;
  const preview = { before: plan.text, after: plan.edit.text, changed: plan.edit.changed };
  return reviewAndConfirm(s, entry.env, preview, `Deploy ${tag} to ${entry.env.name}`, 'Deploy', `${entry.env.relFile}: ${title}. ${describePush(s, entry.env)}`);
}

export async function promoteFlow(s: Services, source: EnvironmentEntry, target: EnvironmentEntry): Promise<void> {
  requireTrust('Promote');
  requireReadable(source);
  requireReadable(target);
  const hooksCtx = operationContext(s, target.project, new AbortController().signal, () => undefined);
  const overrideGate = await checkGates(s, source, target);
  const override = overrideGate !== undefined ? { overrideGate } : {};
  const { change, source: img } = await promotionChange(hooksCtx, { from: source.env, to: target.env, confirmed: true, ...override });
  const before = target.file.ok ? target.file.declared : undefined;
  const title = `Promote ${img.tag} from ${source.env.name} to ${target.env.name}`;
  const expectText = await reviewAndConfirm(s, target.env, await previewChange(target.env, change), title, 'Promote', `${target.env.relFile}: ${before?.tag ?? '(unset)'} → ${img.tag}${img.digest ? ` (${img.digest.slice(0, 19)}…)` : ''}. ${describePush(s, target.env)}`);
  await runDeployment(s, `Promoting ${img.tag} to ${target.env.name}`, target.project, (ctx) => promote(ctx, { from: source.env, to: target.env, confirmed: true, expectText, ...override }), target.env);
}

export async function rollbackFlow(s: Services, entry: EnvironmentEntry, toCommit?: string): Promise<void> {
  requireTrust('Roll Back');
  requireReadable(entry);
  const { env, project } = entry;
  const gitCtx = { git: { log: s.log, gitPath: s.settings.get('gitPath') || undefined } };
  const { change, record, revert } = await planRollback(gitCtx, { env, toCommit, confirmed: true });
  const current: ImageRef = entry.file.ok ? entry.file.declared : {};
  const title = `Roll back ${env.name} to ${change.tag}`;
  const how = revert ? `Reverts ${record.sha.slice(0, 7)} (${record.subject}).` : `Sets the image deployed by ${record.sha.slice(0, 7)}.`;
  const expectText = await reviewAndConfirm(s, env, await previewChange(env, change), title, 'Roll Back', `${imageString(current)} → ${change.tag}. ${how} ${describePush(s, env)}`);
  await runDeployment(s, `Rolling back ${env.name} to ${change.tag}`, project, (ctx) => rollback(ctx, { env, toCommit, confirmed: true, expectText }), env);
}

/** The environments `source` promotes to whose name is one of `names` (e.g. staging, or prod/production). */
export function promotionTargets(s: Services, source: EnvironmentEntry, names?: readonly string[]): EnvironmentEntry[] {
  return source.env.promotesTo
    .map((id) => s.environments.find(id, source.project.root))
    .filter((e): e is EnvironmentEntry => e !== undefined && (names === undefined || names.includes(e.env.name.toLowerCase())));
}

export function noTarget(source: EnvironmentEntry, what: string): never {
  throw inputError('promote.noTarget', `${source.env.name} does not promote to ${what}`, {
    hint: source.env.promotesTo.length ? `It promotes to ${source.env.promotesTo.join(', ')}` : 'Set promoteFrom on the target environment in gitops-pilot.yaml',
  });
}
