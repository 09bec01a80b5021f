/**
 * `onFailure: rollback` in the editor: when the watched rollout of a deployment pushed from here fails,
 * revert that commit and push (the Roll Back rules, through the usual deployment run: progress, log,
 * notification, and a watch of the rollback's own rollout). The decision is the core's; a rollback whose
 * rollout fails too is reported, never rolled back again.
 */
import * as vscode from 'vscode';
import { isCancelled, PilotError, toPilotError } from '../../core/errors';
import { decideAutoRollback } from '../../core/gates/autoRollback';
import { rollback, rollbackTarget, type OperationResult } from '../../core/gitops/operations';
import type { RolloutProgress } from '../../core/kube/watchRollout';
import { reportError } from '../commands/registry';
import type { Services } from '../commands/types';
import { runDeployment } from './run';

export async function rollBackAutomatically(s: Services, result: OperationResult, progress: RolloutProgress | undefined): Promise<void> {
  const { env } = result;
  if (!progress || env.onFailure !== 'rollback' || progress.state !== 'failed') return;
  const entry = s.environments.environments.find((e) => e.env.id === env.id && e.env.file === env.file);
  if (!entry) return;
  let last: string | undefined;
  try {
    last = (await rollbackTarget({ git: { log: s.log, gitPath: s.settings.get('gitPath') || undefined } }, { env })).record.sha;
  } catch {
    last = undefined;
  }
  const decision = decideAutoRollback(result, progress, last);
  if (!decision.act) {
    if (decision.report) reportError(s, 'Automatic rollback', decision.report);
    return;
  }
  const tag = result.after.tag ?? result.after.digest ?? 'the new image';
  s.log.warn(`${env.name}: the rollout of ${tag} failed (${progress.message}); rolling back ${decision.revert.slice(0, 7)} automatically (onFailure: rollback)`);
  try {
    const r = await runDeployment(s, `Rolling back ${env.name} automatically`, entry.project, (ctx) => rollback(ctx, { env, confirmed: true }));
    void vscode.window.showWarningMessage(`${env.name}: the rollout of ${tag} failed (${progress.reason ?? progress.message}); rolled back automatically to ${r.after.tag ?? 'the previous image'} (onFailure: rollback).`);
  } catch (err) {
    if (isCancelled(err)) return;
    const e = err instanceof PilotError ? err : toPilotError(err);
    reportError(s, 'Automatic rollback', new PilotError('rollback.autoStopped', `${env.name}: the rollout of ${tag} failed and the automatic rollback could not be made: ${e.message}`, {
      hint: `Nothing is retried. Roll back by hand (Roll Back… on ${env.name})`,
      cause: err,
    }));
  }
}
