/**
 * Promoting a release (issue 15): the apps of one environment that differ from another's, moved in ONE
 * commit `promote(prod): 11 apps from staging` with an `Image:` trailer per app, and rolling such a
 * commit back as a whole. Every app passes the single promotion's guards (order, protected
 * environments: confirmation, immutable tags, a healthy source).
 */
import type { Environment } from '../config/model';
import { inputError, PilotError, toPilotError } from '../errors';
import type { GateOverride } from '../gates/evaluate';
import { GitRepo } from '../gitops/git';
import type { ImageChange } from '../gitops/imageEdit';
import { imageString, type ImageRef } from '../gitops/message';
import { guardProtected, promotionChange, type OperationContext } from '../gitops/operations';
import { readDeclaredImage } from '../gitops/readImage';
import { checkCommitId } from '../gitops/refs';
import { commitImageEdits, type AppliedEdit, type ImageEdit, type ImagesCommitResult, type WriteFile } from './commitImages';
import { diffEnvironments, tagText } from './diff';

export interface ReleaseRequest {
  readonly from: string;
  readonly to: string;
  /** the apps to promote; undefined: every app that differs */
  readonly apps?: readonly string[];
  readonly confirmed?: boolean;
  /** promote although a gate of some app says no, for this reason (a Gate-Override trailer per app and gate) */
  readonly overrideGate?: string;
}

export interface ReleasePlan {
  readonly from: string;
  readonly to: string;
  readonly edits: readonly (ImageEdit & { readonly app: string; readonly source: ImageRef; readonly overrides?: readonly GateOverride[] })[];
  /** apps asked for that already run the source's image */
  readonly unchanged: readonly string[];
}

/** What a release would move: checked for every app before anything is written. */
export async function planRelease(ctx: OperationContext, req: ReleaseRequest): Promise<ReleasePlan> {
  const d = await diffEnvironments(ctx.project, req.from, req.to, { git: ctx.git });
  if (req.apps) {
    const known = new Set(d.apps.map((a) => a.app));
    const unknown = req.apps.filter((a) => !known.has(a));
    if (unknown.length) {
      throw inputError('release.unknownApp', `no app ${unknown.map((a) => JSON.stringify(a)).join(', ')} in ${req.from} or ${req.to}`, {
        hint: `Apps: ${[...known].join(', ')}`,
      });
    }
  }
  const wanted = req.apps ? d.apps.filter((a) => req.apps!.includes(a.app)) : d.apps.filter((a) => a.status !== 'same');
  const edits: ReleasePlan['edits'][number][] = [];
  const unchanged: string[] = [];
  // every app passes the single promotion's rules (mutable tags, a healthy source, gates); all refusals are said at once
  const refused: { app: string; error: PilotError }[] = [];
  for (const a of wanted) {
    if (a.status === 'error') throw a.error!;
    if (!a.from || !a.to) {
      if (req.apps) throw inputError('release.missingSide', `${a.app} is not in ${a.from ? req.to : req.from}`, { hint: 'Leave it out of --app, or add its environment' });
      continue; // --all: an app on one side only has nothing to promote
    }
    if (a.status === 'same') {
      unchanged.push(a.app);
      continue;
    }
    try {
      const { change, source, overrides } = await promotionChange(ctx, { from: a.from, to: a.to, confirmed: req.confirmed, ...(req.overrideGate !== undefined ? { overrideGate: req.overrideGate } : {}) });
      edits.push({ app: a.app, env: a.to, change, source, ...(overrides.length ? { overrides } : {}) });
    } catch (err) {
      const e = toPilotError(err);
      if (e.kind !== 'input') throw e;
      refused.push({ app: a.app, error: e });
    }
  }
  if (refused.length) throw refusal(req.to, refused);
  return { from: req.from, to: req.to, edits, unchanged };
}

/** One error for the apps a release refuses: the first one's code and hint, every app's reason in the message. */
function refusal(to: string, refused: readonly { app: string; error: PilotError }[]): PilotError {
  const first = refused[0]!.error;
  const reasons = refused.map((r) => `${r.app}: ${r.error.message}`);
  const message = refused.length === 1 ? reasons[0]! : `${refused.length} apps cannot be promoted to ${to}: ${reasons.join('; ')}`;
  return new PilotError(first.code, message, { kind: first.kind, ...(first.hint ? { hint: first.hint } : {}), cause: first });
}

export function releaseMessage(kind: 'promote' | 'rollback', to: string, applied: readonly AppliedEdit[], extra: { from?: string; reverts?: string; overrides?: readonly { app: string; gate: string; reason: string }[] }): string {
  const n = applied.length;
  const subject = kind === 'promote' ? `promote(${to}): ${n} app${n === 1 ? '' : 's'} from ${extra.from}` : `rollback(${to}): ${n} app${n === 1 ? '' : 's'} of ${extra.reverts?.slice(0, 7)}`;
  const lines = [`Environment: ${to}`, ...applied.map((a) => `Image: ${imageString(a.after)}`), ...applied.map((a) => `Previous-Image: ${imageString(a.before)}`)];
  if (extra.from) lines.push(`Promoted-From: ${extra.from}`);
  if (extra.reverts) lines.push(`Reverts: ${extra.reverts}`);
  // the single promotion's trailer, with the app it was overridden for
  for (const o of extra.overrides ?? []) lines.push(`Gate-Override: ${o.app}: ${o.gate}: ${o.reason}`);
  lines.push('Deployed-By: GitOps Pilot');
  return `${subject}\n\n${lines.filter((l) => !/[\r\n]/.test(l)).join('\n')}\n`;
}

/** What a release will change, for a preview when it touches more than one file. */
export function releasePlanText(plan: ReleasePlan, applied: readonly AppliedEdit[]): string {
  const moved = applied.filter((a) => a.changed);
  const rows = moved.map((a) => `  ${(a.env.app ?? a.env.name).padEnd(24)} ${tagText(a.before)} → ${tagText(a.after)}    ${a.env.relFile}`);
  const same = plan.unchanged.length ? ['', `Already the same: ${plan.unchanged.join(', ')}`] : [];
  return [`Promote ${moved.length} app${moved.length === 1 ? '' : 's'} from ${plan.from} to ${plan.to} in one commit`, '', ...rows, ...same, ''].join('\n');
}

export interface ReleaseResult extends ImagesCommitResult {
  readonly plan: ReleasePlan;
}

/** Plans and commits a release; `planned` (the plan the user confirmed) skips planning again. */
export async function promoteRelease(ctx: OperationContext, req: ReleaseRequest, planned?: ReleasePlan, write?: WriteFile): Promise<ReleaseResult> {
  const plan = planned ?? (await planRelease(ctx, req));
  for (const e of plan.edits) guardProtected(e.env, e.change.tag!, req.confirmed, `promoting ${e.change.tag} from ${req.from}`);
  if (!plan.edits.length) return { status: 'unchanged', attempts: 0, repoRoot: ctx.project.gitopsRoot, edits: [], plan };
  const overridden = (applied: readonly AppliedEdit[]) =>
    plan.edits.filter((e) => applied.some((a) => a.env.id === e.env.id && a.env.file === e.env.file)).flatMap((e) => (e.overrides ?? []).map((o) => ({ app: e.app, gate: o.gate, reason: o.reason })));
  const r = await commitImageEdits(ctx, plan.edits, (applied) => releaseMessage('promote', req.to, applied, { from: req.from, overrides: overridden(applied) }), { env: req.to, tag: 'release', release: true }, write);
  return { ...r, plan };
}

/** A release commit's subject (`promote(prod): 11 apps from staging`, `rollback(prod): 2 apps of 1a2b3c4`): History offers to roll it back as a whole. */
export function isReleaseSubject(subject: string): boolean {
  return /^(promote|rollback)\([^)]+\): \d+ apps? (from|of) \S/.test(subject);
}

export interface ReleaseRollbackPlan {
  /** the commit rolled back, resolved */
  readonly sha: string;
  /** every environment it moved, back to the image it had before */
  readonly edits: readonly ImageEdit[];
}

/**
 * What rolling back a commit as a whole would do: every environment whose image that commit moved goes back
 * to the image it had before (by editing, so later commits to other lines stay). Guards checked; nothing written.
 */
export async function planReleaseRollback(ctx: OperationContext, req: { commit: string; confirmed?: boolean }): Promise<ReleaseRollbackPlan> {
  checkCommitId(req.commit);
  const repo = await GitRepo.open(ctx.project.gitopsRoot, ctx.git);
  await repo.ensureIdle();
  const sha = await repo.resolve(req.commit);
  if (!sha) throw inputError('rollback.unknownCommit', `${req.commit} is not a commit of ${repo.root}`, { hint: 'Pick the release commit from git log or the History view' });
  const paths = new Set(await repo.changedPaths(sha));
  const edits: ImageEdit[] = [];
  for (const env of ctx.project.environments.filter((e) => paths.has(repo.rel(e.file)))) {
    const read = async (rev: string) => {
      const t = await repo.showFile(rev, env.file);
      if (t === undefined) return undefined;
      try {
        return readDeclaredImage(t, env.file, env.locator);
      } catch {
        return undefined;
      }
    };
    const [before, after] = await Promise.all([read(`${sha}^`), read(sha)]);
    if (!before?.tag || !after || (before.tag === after.tag && before.digest === after.digest)) continue;
    guardProtected(env, before.tag, req.confirmed, `rolling back to ${before.tag}`);
    const change: ImageChange = { tag: before.tag, digest: before.digest ?? null };
    edits.push({ env, change });
  }
  if (!edits.length) {
    throw inputError('rollback.noImages', `commit ${sha.slice(0, 7)} moved no image of this project's environments`, { hint: 'Roll back one environment with --env, or pick another commit' });
  }
  return { sha, edits };
}

/** The environment names a rollback commit's subject says (`prod`, or `staging,prod` when it spans several). */
export function rollbackSubjectEnv(plan: ReleaseRollbackPlan): string {
  const names = [...new Set(plan.edits.map((e) => e.env.name))];
  return names.length === 1 ? names[0]! : names.join(',');
}

/**
 * Rolling back a commit as a whole: one commit `rollback(prod): 11 apps of 1a2b3c4`, the same guards.
 * `planned` (the plan the user confirmed) skips planning again.
 */
export async function rollbackRelease(ctx: OperationContext, req: { commit: string; confirmed?: boolean }, planned?: ReleaseRollbackPlan): Promise<ImagesCommitResult & { envs: readonly Environment[] }> {
  const plan = planned ?? (await planReleaseRollback(ctx, req));
  for (const e of plan.edits) guardProtected(e.env, e.change.tag!, req.confirmed, `rolling back to ${e.change.tag}`);
  const subjectEnv = rollbackSubjectEnv(plan);
  const r = await commitImageEdits(ctx, plan.edits, (applied) => releaseMessage('rollback', subjectEnv, applied, { reverts: plan.sha }), { env: subjectEnv, tag: 'rollback', release: true });
  return { ...r, envs: plan.edits.map((e) => e.env) };
}
