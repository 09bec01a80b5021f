/** `promote --all | --app A --app B` and `rollback --release COMMIT`: many apps in one commit (issue 15). */
import type { Environment, Project } from '../../core/config/model';
import { inputError } from '../../core/errors';
import { imageString } from '../../core/gitops/message';
import type { OperationContext } from '../../core/gitops/operations';
import type { AppliedEdit, ImagesCommitResult } from '../../core/release/commitImages';
import { promoteRelease, rollbackRelease } from '../../core/release/promote';
import type { PromotionOutcome } from '../../core/pullRequests/flow';
import type { CliIO } from '../io';
import { outcomeJson, printOutcome } from './common';
import { releaseMaybeThroughPullRequest } from './pr';

/** Takes every `--name V` / `--name=V` out of argv (a flag that may repeat). */
export function takeRepeated(argv: readonly string[], name: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === `--${name}`) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw inputError('cli.missingValue', `--${name} needs a value`, { hint: 'Run: gitops-pilot promote --help' });
      values.push(v);
    } else if (a.startsWith(`--${name}=`)) values.push(a.slice(name.length + 3));
    else rest.push(a);
  }
  return { values, rest };
}

/** A multi-app project: promote without --all / --app would pick one app by accident. */
export function needsAppChoice(ctx: OperationContext, from: string, to: string): boolean {
  const envs = ctx.project.environments;
  const ambiguous = (n: string) => !envs.some((e) => e.id === n) && envs.filter((e) => e.name === n).length > 1;
  return ambiguous(from) || ambiguous(to);
}

function print(r: ImagesCommitResult, json: boolean, io: CliIO, extra: Record<string, unknown>, pr?: PromotionOutcome): number {
  const apps = (list: readonly AppliedEdit[]) => list.map((a) => ({ app: a.env.app ?? a.env.name, environment: a.env.id, file: a.env.relFile, before: a.before, after: a.after }));
  if (json) {
    io.out(JSON.stringify({ status: r.status, commit: r.commit ?? null, remote: r.remote ?? null, pushedTo: r.pushedTo ?? null, attempts: r.attempts, apps: apps(r.edits), ...extra, ...(pr ? { pullRequest: outcomeJson(pr) } : {}) }, null, 2));
    return 0;
  }
  if (r.status === 'unchanged') {
    io.out('nothing to do: every app already runs that image');
    return 0;
  }
  io.out(r.message?.split('\n')[0] ?? '');
  for (const a of r.edits) io.out(`  ${(a.env.app ?? a.env.name).padEnd(20)} ${a.before.tag ?? '(unset)'} -> ${a.after.tag ?? '(unset)'}  ${imageString(a.after)}`);
  if (pr) printOutcome(r, pr, io);
  else io.out(`  ${r.status === 'pushed' ? `pushed ${r.commit?.slice(0, 7)} to ${r.remote}/${r.pushedTo}` : `committed ${r.commit?.slice(0, 7)} locally (not pushed)`}`);
  return 0;
}

/** Whose pushMode a release to `to` takes: one of its environments in pull-request mode makes the whole release go through one. */
export function releaseTarget(project: Project, to: string): Environment | undefined {
  const targets = project.environments.filter((e) => e.name === to || e.id === to);
  return targets.find((e) => e.pushMode === 'pull-request') ?? targets[0];
}

export async function runReleasePromote(ctx: OperationContext, io: CliIO, f: { from: string; to: string; all: boolean; apps: string[]; yes: boolean; json: boolean; overrideGate?: string }): Promise<number> {
  if (f.all && f.apps.length) throw inputError('cli.badFlag', '--all and --app exclude each other', { hint: '--all promotes every app that differs; --app A --app B only those' });
  // in the pull-request push mode: the host and token first (nothing is written without them), the pull request after the push;
  // --override-gate: every app whose gate says no is promoted anyway, one Gate-Override trailer per app and gate
  const { result: r, pr } = await releaseMaybeThroughPullRequest(ctx.project, io, ctx.push, f.to, () =>
    promoteRelease(ctx, { from: f.from, to: f.to, apps: f.all ? undefined : f.apps, confirmed: f.yes, ...(f.overrideGate !== undefined ? { overrideGate: f.overrideGate } : {}) }),
  );
  return print(r, f.json, io, { from: f.from, to: f.to, unchanged: r.plan.unchanged }, pr);
}

export async function runReleaseRollback(ctx: OperationContext, io: CliIO, f: { commit: string; yes: boolean; json: boolean }): Promise<number> {
  const { result: r, pr } = await releaseMaybeThroughPullRequest(ctx.project, io, ctx.push, undefined, () => rollbackRelease(ctx, { commit: f.commit, confirmed: f.yes }));
  return print(r, f.json, io, { reverts: f.commit }, pr);
}
