/**
 * `onFailure: rollback`: what to do when the watched rollout of a deployment fails. Pure, so the rule is
 * tested apart from the editor that acts on it:
 *   - only for environments that ask for it, only after a rollout that failed (not a timeout: it may
 *     still finish), only for a deployment GitOps Pilot pushed (it knows the commit);
 *   - the revert must undo exactly that commit: when a newer deployment is the environment's last one,
 *     nothing is rolled back automatically;
 *   - never loops: when the failed deployment was itself a rollback, it stops and reports.
 */
import type { Environment } from '../config/model';
import { PilotError } from '../errors';

export interface FailedDeployment {
  readonly env: Environment;
  readonly status: 'pushed' | 'committed' | 'unchanged';
  readonly commit?: string;
  /** the commit message (its subject says deploy / promote / rollback) */
  readonly message?: string;
}

export type AutoRollbackDecision =
  | { readonly act: true; readonly revert: string }
  /** report: say so to the user (a rollback that could not be made); else nothing to do */
  | { readonly act: false; readonly report?: PilotError };

export function decideAutoRollback(d: FailedDeployment, rollout: { state: string; reason?: string; message: string }, lastDeploy: string | undefined): AutoRollbackDecision {
  if (d.env.onFailure !== 'rollback' || rollout.state !== 'failed' || d.status !== 'pushed' || !d.commit) return { act: false };
  if (/^rollback\(/.test(d.message ?? '')) {
    return {
      act: false,
      report: new PilotError('rollback.autoStopped', `${d.env.name}: the automatic rollback (${d.commit.slice(0, 7)}) failed too (${rollout.reason ?? rollout.message}); not rolling back again`, {
        hint: `Look at ${d.env.name} and roll back by hand (Roll Back…) to a version that worked`,
      }),
    };
  }
  if (lastDeploy !== d.commit) {
    return {
      act: false,
      report: new PilotError('rollback.autoStopped', `${d.env.name}: the rollout of ${d.commit.slice(0, 7)} failed, but a newer deployment (${lastDeploy?.slice(0, 7) ?? 'none'}) is the environment's last one; not rolling back automatically`, {
        hint: `Look at ${d.env.name}'s History and roll back by hand if needed`,
      }),
    };
  }
  return { act: true, revert: d.commit };
}
