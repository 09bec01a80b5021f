/**
 * What a user (or a pipeline) does to an environment: set its image, promote another environment's
 * image into it, roll it back. Each is one edit of one file, committed and pushed by the transaction,
 * behind the guardrails: valid tags only, the configured promotion order, and for protected
 * environments explicit confirmation, immutable tags and a healthy source.
 */
import { readFile } from 'node:fs/promises';
import type { Environment, Project } from '../config/model';
import { inputError } from '../errors';
import { needsApproval, type GateDecision } from '../gates/decide';
import { applyOverride, type GateOverride } from '../gates/evaluate';
import { isMutableTag, validateDigest, validateTag } from '../images/reference';
import { environmentHistory, type DeployRecord } from './history';
import { editImage, editImageFile, type EditResult, type ImageChange } from './imageEdit';
import { commitMessage, type DeployKind, type ImageRef } from './message';
import { readEnvironmentText } from './environmentFile';
import { GitRepo, type GitOptions } from './git';
import { checkCommitId } from './refs';
import { readDeclaredImage } from './readImage';
import { atomicWriteFile } from '../util/atomicWrite';
import { runTransaction, type TransactionResult } from './transaction';

export type RegistryCheck = { exists: true; digest?: string } | { exists: false } | { unreachable: string };

export interface OperationContext {
  readonly project: Project;
  readonly git: GitOptions;
  readonly push: false | 'direct' | 'branch' | 'pull-request';
  readonly retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  readonly onProgress?: (message: string) => void;
  /** looks the image up in its registry (when one is configured); omitted: no check */
  readonly checkImage?: (image: { repository: string; tag: string }) => Promise<RegistryCheck>;
  /** the source environment's rollout health, for promotions into protected environments */
  readonly sourceHealth?: (env: Environment) => Promise<{ healthy: boolean; reason: string } | undefined>;
  /** the gates of a promotion (core/gates: evaluateGates); when given, it replaces sourceHealth */
  readonly gates?: (from: Environment, to: Environment) => Promise<GateDecision>;
}

export interface OperationResult extends TransactionResult {
  readonly env: Environment;
  readonly before: ImageRef;
  readonly after: ImageRef;
}

export interface SetImageRequest {
  readonly env: Environment;
  readonly tag: string;
  /** undefined: keep the file's digest only if the tag is unchanged, else drop it; null: drop it */
  readonly digest?: string | null;
  readonly sourceCommit?: string;
  /** the file as the user saw it in the diff: refuse if it changed meanwhile */
  readonly expectText?: string;
  /** the user confirmed a protected environment (typed its name, or --yes) */
  readonly confirmed?: boolean;
  /** deploy even if the registry says the tag does not exist */
  readonly force?: boolean;
}

/** The change a request makes: the tag, and a digest that never points at an older image. */
function changeFor(tag: string, digest: string | null | undefined): ImageChange {
  validateTag(tag);
  if (digest) validateDigest(digest);
  return { tag, digest: digest === undefined ? null : digest };
}

/** Protected environments refuse mutable tags always, and anything without explicit confirmation. */
export function guardProtected(env: Environment, tag: string, confirmed: boolean | undefined, what: string): void {
  if (env.protected && isMutableTag(tag)) {
    throw inputError('env.mutableTag', `${env.name} is protected and "${tag}" is a mutable tag`, {
      hint: 'Deploy an immutable tag (a git SHA or a version) to a protected environment',
    });
  }
  if (!confirmed && needsApproval(env)) {
    throw inputError('env.needsConfirmation', `${env.name} ${env.protected ? 'is protected' : 'asks for approval'}: ${what} needs explicit confirmation`, {
      hint: 'Confirm by typing the environment name in the editor, or pass --yes on the command line',
    });
  }
}

async function guardRegistry(ctx: OperationContext, repository: string | undefined, tag: string, force: boolean | undefined): Promise<string | undefined> {
  if (!ctx.checkImage || !repository || force) return undefined;
  const r = await ctx.checkImage({ repository, tag });
  if ('unreachable' in r) {
    ctx.onProgress?.(`could not check the registry (${r.unreachable}); deploying without the check`);
    return undefined;
  }
  if (!r.exists) {
    throw inputError('image.notFound', `${repository}:${tag} is not in the registry`, {
      hint: 'Push the image first (GitOps Pilot: Push Image), check the tag, or deploy anyway with --force',
    });
  }
  return r.digest;
}

/**
 * Before anything reads an environment's file: the clone must not be in the middle of a git operation
 * (a rebase this tool left behind when it was killed is aborted here, so the file has no conflict markers).
 */
async function prepareRepo(git: GitOptions, env: Environment): Promise<void> {
  await (await GitRepo.open(env.gitopsRoot, git)).ensureIdle();
}

/** The file's text before and after a change, for a diff the user confirms. Nothing is written. */
export async function previewChange(env: Environment, change: ImageChange): Promise<{ before: string; after: string; changed: boolean }> {
  const before = await readEnvironmentText(env);
  const r = editImage(before, env.file, env.locator, change);
  return { before, after: r.text, changed: r.changed };
}

async function commitChange(
  ctx: OperationContext,
  env: Environment,
  kind: DeployKind,
  /** the change, or a plan to make while git reads the status (the bump path: its file work overlaps git's) */
  source: ImageChange | { readonly tag: string; plan(): Promise<SetImagePlan> },
  extra: { sourceCommit?: string; promotedFrom?: string; reverts?: string; expectText?: string; revertFirst?: string; planned?: { text: string; edit: EditResult }; gateOverrides?: readonly GateOverride[] },
): Promise<OperationResult> {
  guardPushMode(ctx, env);
  let before: ImageRef = {};
  let after: ImageRef = {};
  let change: ImageChange | undefined = 'plan' in source ? undefined : source;
  let planned = extra.planned;
  const theChange = (): ImageChange => {
    if (!change) throw new Error('the change is planned before it is applied');
    return change;
  };
  const result = await runTransaction(
    {
      file: env.file,
      // the clone prepareRepo opened: git is asked where it is once
      repoDir: env.gitopsRoot,
      branchHint: { env: env.name, tag: source.tag ?? 'digest', ...(env.app ? { app: env.app } : {}) },
      ...('plan' in source
        ? {
            prepare: async () => {
              const p = await source.plan();
              change = p.change;
              planned = p;
            },
          }
        : {}),
      isOwnChange: (working, head) => {
        try {
          return editImage(head, env.file, env.locator, theChange()).text === working;
        } catch {
          return false;
        }
      },
      apply: async (attempt) => {
        if (extra.revertFirst && attempt === 1) {
          const reverted = await tryRevert(ctx, env, extra.revertFirst, theChange());
          if (reverted) {
            before = withRepository(reverted.before, ctx.project);
            after = withRepository(reverted.after, ctx.project);
            return { changed: true, message: commitMessage({ kind, env: env.name, before, after, reverts: extra.reverts }) };
          }
        }
        const r = (attempt === 1 && planned ? await writePlanned(env.file, planned) : undefined) ?? (await editImageFile(env.file, env.locator, theChange(), { expectText: attempt === 1 ? extra.expectText : undefined }));
        before = withRepository(pick(r.before), ctx.project);
        after = withRepository(pick(r.after), ctx.project);
        return { changed: r.changed, message: commitMessage({ kind, env: env.name, before, after, ...extra }) };
      },
    },
    { git: ctx.git, branch: ctx.project.gitops.branch, remote: ctx.project.gitops.remote, push: ctx.push, retry: ctx.retry, onProgress: ctx.onProgress },
  );
  return { ...result, env, before, after };
}

/** An environment configured with `pushMode: pull-request` changes only through its pull request (or a local commit). */
export function guardPushMode(ctx: OperationContext, env: Environment, hint?: string): void {
  if (env.pushMode !== 'pull-request' || ctx.push === false || ctx.push === 'pull-request') return;
  throw inputError('env.needsPullRequest', `${env.id} changes only through a pull request (pushMode: pull-request in gitops-pilot.yaml), so it is not pushed to ${ctx.push === 'direct' ? 'the deployment branch' : 'a deployment branch'}`, {
    hint: hint ?? `Deploy it with the command line: gitops-pilot ${env.promoteFrom ? `promote --from ${env.promoteFrom} --to ${env.id}` : `bump --env ${env.id} --tag TAG`}${env.protected ? ' --yes' : ''} (it opens or updates the pull request), or commit locally with --no-push`,
  });
}

/** Writes a planned edit when the file is still exactly the text it was planned from; undefined otherwise. */
async function writePlanned(file: string, planned: { text: string; edit: EditResult }): Promise<EditResult | undefined> {
  const raw = await readFile(file);
  if (!raw.equals(Buffer.from(planned.text, 'utf8'))) return undefined;
  if (planned.edit.changed) await atomicWriteFile(file, planned.edit.text, { expectContent: raw });
  return planned.edit;
}

function pick(d: { repository?: string; tag?: string; digest?: string }): ImageRef {
  return { repository: d.repository, tag: d.tag, digest: d.digest };
}

/** A file that holds only the tag (`image_tag: v280`, the repository fixed in the chart): the configured repository names the image. */
function withRepository(i: ImageRef, project: Project): ImageRef {
  const configured = project.config?.image?.repository;
  return i.repository === undefined && configured && (i.tag !== undefined || i.digest !== undefined) ? { ...i, repository: configured } : i;
}

/**
 * `git revert --no-commit` of the environment's last deploy commit, when that commit changed only this
 * file and the result declares the expected image; otherwise undone and undefined (the caller edits).
 */
async function tryRevert(ctx: OperationContext, env: Environment, sha: string, expected: ImageChange): Promise<{ before: ImageRef; after: ImageRef } | undefined> {
  const repo = await GitRepo.open(env.gitopsRoot, ctx.git);
  const rel = repo.rel(env.file);
  const paths = await repo.changedPaths(sha);
  if (paths.length !== 1 || paths[0] !== rel) return undefined;
  const beforeText = await readEnvironmentText(env);
  if (!(await repo.revertNoCommit(sha))) return undefined;
  try {
    const afterText = await readEnvironmentText(env);
    const b = readDeclaredImage(beforeText, env.file, env.locator);
    const a = readDeclaredImage(afterText, env.file, env.locator);
    if (a.tag === expected.tag && (a.digest ?? null) === (expected.digest ?? null)) return { before: pick(b), after: pick(a) };
  } catch {
    // fall through: undo and edit instead
  }
  await repo.restoreFromHead([env.file]);
  return undefined;
}

/**
 * Setting an image, decided: the request (checked once, here), the change, and the environment's file as it
 * was read with its edit — the diff to review, and what is written when the file is still that text. The
 * tag goes down once (checked, edited) and comes back once (this plan); nothing is parsed again to commit.
 */
export interface SetImagePlan {
  readonly request: SetImageRequest;
  readonly change: ImageChange;
  /** the file's text the plan was made from */
  readonly text: string;
  readonly edit: EditResult;
}

/**
 * Plans setting an image: guards checked, the registry asked (when configured), and the digest decided —
 * keep the file's digest when the tag stays, else the registry's, else none. Nothing is written.
 */
export async function planSetImage(ctx: OperationContext, req: SetImageRequest): Promise<SetImagePlan> {
  checkSetImage(req);
  await prepareRepo(ctx.git, req.env);
  return decideSetImage(ctx, req);
}

/** Every input of a set-image request, checked before any process runs. */
function checkSetImage(req: SetImageRequest): void {
  validateTag(req.tag);
  if (req.digest) validateDigest(req.digest);
  if (req.sourceCommit !== undefined) checkCommitId(req.sourceCommit);
  guardProtected(req.env, req.tag, req.confirmed, `deploying ${req.tag}`);
}

/** Reads the file once, asks the registry, decides the digest, edits in memory. */
async function decideSetImage(ctx: OperationContext, req: SetImageRequest): Promise<SetImagePlan> {
  const { env } = req;
  const text = await readEnvironmentText(env);
  // the registry check needs the declared repository first; without it the edit reads what is declared on its way
  const declared = ctx.checkImage && !req.force ? readDeclaredImage(text, env.file, env.locator) : undefined;
  const registryDigest = declared ? await guardRegistry(ctx, declared.repository, req.tag, req.force) : undefined;
  const digestFor = (current: ImageRef): string | null =>
    req.digest !== undefined ? req.digest : current.tag === req.tag && current.digest ? current.digest : (registryDigest ?? null);
  let change = changeFor(req.tag, declared ? digestFor(declared) : (req.digest ?? null));
  let edit = editImage(text, env.file, env.locator, change);
  if (!declared && digestFor(edit.before) !== change.digest) {
    // the same tag again keeps its digest: known only once the file was read
    change = changeFor(req.tag, digestFor(edit.before));
    edit = editImage(text, env.file, env.locator, change);
  }
  return { request: req, change, text, edit };
}

/**
 * Commits a plan. `expectText`: the file as the user saw it in the diff (usually plan.text); the commit
 * refuses if the file changed since. Without it, a file that moved on (the branch fast-forwarded) is edited afresh.
 */
export async function commitSetImage(ctx: OperationContext, plan: SetImagePlan, opts: { expectText?: string } = {}): Promise<OperationResult> {
  return commitChange(ctx, plan.request.env, 'deploy', plan.change, { sourceCommit: plan.request.sourceCommit, expectText: opts.expectText, planned: plan });
}

/**
 * Plans and commits in one go (the CLI's bump, a pipeline): the same plan and commit as planSetImage +
 * commitSetImage, with the file read and edited while git reads the status.
 */
export async function setImage(ctx: OperationContext, req: SetImageRequest): Promise<OperationResult> {
  checkSetImage(req);
  return commitChange(ctx, req.env, 'deploy', { tag: req.tag, plan: () => decideSetImage(ctx, req) }, { sourceCommit: req.sourceCommit, expectText: req.expectText });
}

export interface PromoteRequest {
  readonly from: Environment;
  readonly to: Environment;
  readonly expectText?: string;
  readonly confirmed?: boolean;
  /** promote although gates say no, for this reason (recorded as Gate-Override trailers) */
  readonly overrideGate?: string;
}

/** What a promotion would set: the source's exact tag and digest (checked for order and protection). */
export async function promotionChange(ctx: Pick<OperationContext, 'sourceHealth' | 'gates' | 'git'>, req: PromoteRequest): Promise<{ change: ImageChange; source: ImageRef; overrides: GateOverride[] }> {
  const { from, to } = req;
  if (from.id === to.id) throw inputError('promote.same', `cannot promote ${to.name} into itself`);
  if (to.promoteFrom !== undefined && to.promoteFrom !== from.id) {
    throw inputError('promote.outOfOrder', `${to.name} receives images from ${to.promoteFrom}, not from ${from.name}`, {
      hint: `Promote ${to.promoteFrom} → ${to.name}, or change promoteFrom in gitops-pilot.yaml`,
    });
  }
  await prepareRepo(ctx.git, to);
  if (from.gitopsRoot !== to.gitopsRoot) await prepareRepo(ctx.git, from);
  const source = await currentImage(from);
  if (!source.tag) {
    throw inputError('promote.noTag', `${from.name} declares no image tag to promote`, { hint: `Deploy an image to ${from.name} first` });
  }
  guardProtected(to, source.tag, req.confirmed, `promoting ${source.tag} from ${from.name}`);
  if (ctx.gates) {
    const overrides = applyOverride(await ctx.gates(from, to), to, req.overrideGate);
    return { change: changeFor(source.tag, source.digest ?? null), source, overrides };
  }
  if (to.protected && ctx.sourceHealth) {
    const health = await ctx.sourceHealth(from);
    if (health && !health.healthy) {
      throw inputError('promote.sourceUnhealthy', `${from.name} is not healthy (${health.reason}), so it cannot be promoted to protected ${to.name}`, {
        hint: `Wait for ${from.name}'s rollout to complete, or fix it first (on the command line, --force promotes without this check)`,
      });
    }
  }
  return { change: changeFor(source.tag, source.digest ?? null), source, overrides: [] };
}

export async function promote(ctx: OperationContext, req: PromoteRequest): Promise<OperationResult> {
  const { change, overrides } = await promotionChange(ctx, req);
  return commitChange(ctx, req.to, 'promote', change, { promotedFrom: req.from.name, expectText: req.expectText, ...(overrides.length ? { gateOverrides: overrides } : {}) });
}

export interface RollbackRequest {
  readonly env: Environment;
  /** roll back to the image this history commit deployed; omitted: undo the last deployment */
  readonly toCommit?: string;
  readonly confirmed?: boolean;
}

/** The target of a rollback, from the environment's history. */
export async function rollbackTarget(ctx: Pick<OperationContext, 'git'>, req: RollbackRequest): Promise<{ image: ImageRef; record: DeployRecord; revert: boolean }> {
  if (req.toCommit !== undefined) checkCommitId(req.toCommit);
  await prepareRepo(ctx.git, req.env);
  const history = await environmentHistory(req.env, ctx.git, 50);
  if (!history.length) throw inputError('rollback.noHistory', `${req.env.relFile} has no earlier image in its git history`, { hint: 'Set an image tag instead' });
  if (req.toCommit === undefined) {
    const last = history[0]!;
    if (!last.before?.tag) throw inputError('rollback.noPrevious', `the last change to ${req.env.relFile} (${last.sha.slice(0, 7)}) has no earlier tag to go back to`);
    return { image: last.before, record: last, revert: true };
  }
  const record = history.find((r) => r.sha.startsWith(req.toCommit!));
  if (!record) throw inputError('rollback.unknownCommit', `${req.toCommit} is not in the deploy history of ${req.env.name}`, { hint: 'Pick a commit from the History of the environment' });
  if (!record.after?.tag) throw inputError('rollback.noTag', `commit ${record.sha.slice(0, 7)} left ${req.env.name} without a tag`);
  return { image: record.after, record, revert: false };
}

export async function planRollback(ctx: Pick<OperationContext, 'git'>, req: RollbackRequest): Promise<{ change: ImageChange; record: DeployRecord; revert: boolean }> {
  const { image, record, revert } = await rollbackTarget(ctx, req);
  guardProtected(req.env, image.tag!, req.confirmed, `rolling back to ${image.tag}`);
  return { change: changeFor(image.tag!, image.digest ?? null), record, revert };
}

export async function rollback(ctx: OperationContext, req: RollbackRequest & { expectText?: string }): Promise<OperationResult> {
  const { change, record, revert } = await planRollback(ctx, req);
  return commitChange(ctx, req.env, 'rollback', change, { reverts: record.sha, revertFirst: revert ? record.sha : undefined, expectText: req.expectText });
}

async function currentImage(env: Environment): Promise<ImageRef> {
  const d = readDeclaredImage(await readEnvironmentText(env), env.file, env.locator);
  return pick(d);
}

