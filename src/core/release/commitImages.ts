/**
 * Several environments' images changed in ONE commit (a release): every edit is computed in memory
 * first (any error: nothing written), then the files are replaced one by one; a write that fails puts
 * back the files already written. The commit, push, rebase and retry are the single-file transaction's
 * (src/core/gitops/transaction.ts), given the further files.
 */
import { readFile } from 'node:fs/promises';
import type { Environment } from '../config/model';
import { cancelled, isCancelled, PilotError } from '../errors';
import { editImage, type ImageChange } from '../gitops/imageEdit';
import type { ImageRef } from '../gitops/message';
import { guardPushMode, type OperationContext } from '../gitops/operations';
import { promotionBranchName, type PromotionScope } from '../pullRequests/content';
import { readEnvironmentText } from '../gitops/environmentFile';
import { runTransaction, type TransactionResult } from '../gitops/transaction';
import { atomicWriteFile } from '../util/atomicWrite';

export interface ImageEdit {
  readonly env: Environment;
  readonly change: ImageChange;
}

export interface AppliedEdit extends ImageEdit {
  readonly before: ImageRef;
  readonly after: ImageRef;
  readonly changed: boolean;
}

export type WriteFile = (file: string, text: string, expect: string) => Promise<void>;

const atomicWrite: WriteFile = (file, text, expect) => atomicWriteFile(file, text, { expectContent: expect });

function pick(d: { repository?: string; tag?: string; digest?: string }): ImageRef {
  return { repository: d.repository, tag: d.tag, digest: d.digest };
}

/**
 * Computes every edit (several environments may share one file: their edits are applied in turn to
 * its text), then writes the changed files. All or nothing: the files are as before when it throws.
 */
export async function applyImageEdits(edits: readonly ImageEdit[], write: WriteFile = atomicWrite): Promise<AppliedEdit[]> {
  const { original, text, applied } = await computeImageEdits(edits);
  const written: string[] = [];
  let failing = '';
  try {
    for (const [file, t] of text) {
      if (t === original.get(file)) continue;
      failing = file;
      await write(file, t, original.get(file)!);
      written.push(file);
    }
  } catch (err) {
    // put back what was written; the error that stopped the release is the one reported
    const notRestored: string[] = [];
    for (const file of written.reverse()) {
      const now = await readFile(file, 'utf8').catch(() => undefined);
      await atomicWriteFile(file, original.get(file)!, now === undefined ? {} : { expectContent: now }).catch(() => notRestored.push(file));
    }
    throw writeFailed(err, edits, failing, written.length, notRestored);
  }
  return applied;
}

/**
 * The error of a write that stopped a release: which file, why (the system's words, without temp file
 * names) and what to do. A file that could not be put back is named: then it is not all or nothing.
 */
function writeFailed(err: unknown, edits: readonly ImageEdit[], file: string, putBack: number, notRestored: readonly string[]): PilotError {
  const rel = edits.find((e) => e.env.file === file)?.env.relFile ?? file;
  const lost = notRestored.map((f) => edits.find((e) => e.env.file === f)?.env.relFile ?? f);
  if (isCancelled(err) && !lost.length) return cancelled();
  if (err instanceof PilotError && !lost.length) return err;
  const e = err as NodeJS.ErrnoException;
  const why = e?.code ? `${e.code}: ${WHY[e.code] ?? e.message.split(',')[0]!.replace(/^[A-Z]+: /, '')}` : err instanceof Error ? err.message : String(err);
  const message = err instanceof PilotError ? err.message : `could not write ${rel} (${why})`;
  const hint = lost.length
    ? `These files could not be put back and hold the release's change: ${lost.join(', ')}. Restore them with git checkout -- <file>, then fix the cause and run the release again`
    : `Nothing was changed (${putBack ? `the ${putBack} file${putBack === 1 ? '' : 's'} written before it ${putBack === 1 ? 'was' : 'were'} put back` : 'no file was written'}). ${CAUSE[e?.code ?? ''] ?? 'Fix the cause'}, then run the release again`;
  return new PilotError(err instanceof PilotError ? err.code : 'release.writeFailed', message, { kind: err instanceof PilotError ? err.kind : 'failed', hint, cause: err, location: err instanceof PilotError ? err.location : undefined });
}

const WHY: Record<string, string> = {
  EFBIG: 'file too large for the size limit of this process',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
};
const CAUSE: Record<string, string> = {
  EFBIG: 'Raise the file size limit (ulimit -f)',
  ENOSPC: 'Free some disk space',
  EDQUOT: 'Free some of your disk quota',
  EPERM: 'Check the file is not immutable (lsattr) or locked',
  EACCES: "Check the file's and its folder's permissions",
  EROFS: 'Use a clone on a writable file system',
};

/** Every edit in memory, nothing written: each file's text before (`original`) and after (`text`), for a preview or the write. */
export async function computeImageEdits(edits: readonly ImageEdit[]): Promise<{ original: Map<string, string>; text: Map<string, string>; applied: AppliedEdit[] }> {
  const original = new Map<string, string>();
  const text = new Map<string, string>();
  for (const e of edits) {
    if (!original.has(e.env.file)) {
      const t = await readEnvironmentText(e.env);
      original.set(e.env.file, t);
      text.set(e.env.file, t);
    }
  }
  const applied: AppliedEdit[] = [];
  for (const e of edits) {
    const r = editImage(text.get(e.env.file)!, e.env.file, e.env.locator, e.change);
    text.set(e.env.file, r.text);
    applied.push({ ...e, before: pick(r.before), after: pick(r.after), changed: r.changed });
  }
  return { original, text, applied };
}

export interface ImagesCommitResult extends TransactionResult {
  /** the edits of the attempt that was committed (empty when unchanged) */
  readonly edits: readonly AppliedEdit[];
}

/** Applies the edits and commits them as one commit (message from the applied edits), pushed as configured. */
export async function commitImageEdits(
  ctx: OperationContext,
  edits: readonly ImageEdit[],
  message: (applied: readonly AppliedEdit[]) => string,
  branchHint: { env: string; tag: string } & PromotionScope,
  write?: WriteFile,
): Promise<ImagesCommitResult> {
  // a release into an environment that changes only through review goes through its pull request too
  for (const e of edits) guardPushMode(ctx, e.env, `Release it with --push-mode pull-request (the command line opens or updates one pull request from ${promotionBranchName(branchHint.env, { release: true })}), or commit locally with --no-push`);
  const files = [...new Set(edits.map((e) => e.env.file))];
  let last: AppliedEdit[] = [];
  const result = await runTransaction(
    {
      file: files[0]!,
      files: files.slice(1),
      repoDir: edits[0]!.env.gitopsRoot,
      branchHint,
      // each app's Image:/Previous-Image: trailer must stay true when someone pushed first
      reapplyWhenMoved: true,
      apply: async () => {
        last = await applyImageEdits(edits, write);
        const moved = last.filter((a) => a.changed);
        return { changed: moved.length > 0, message: moved.length ? message(moved) : '' };
      },
    },
    { git: ctx.git, branch: ctx.project.gitops.branch, remote: ctx.project.gitops.remote, push: ctx.push, retry: ctx.retry, onProgress: ctx.onProgress },
  );
  return { ...result, edits: result.status === 'unchanged' ? [] : last.filter((a) => a.changed) };
}
