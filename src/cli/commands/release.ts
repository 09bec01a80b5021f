/** `promote --all | --app A --app B` and `rollback --release COMMIT`: many apps in one commit (issue 15). */
import { inputError } from '../../core/errors';
import { imageString } from '../../core/gitops/message';
import type { OperationContext } from '../../core/gitops/operations';
import type { AppliedEdit, ImagesCommitResult } from '../../core/release/commitImages';
import { promoteRelease, rollbackRelease } from '../../core/release/promote';
import type { CliIO } from '../io';

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

function print(r: ImagesCommitResult, json: boolean, io: CliIO, extra: Record<string, unknown>): number {
  const apps = (list: readonly AppliedEdit[]) => list.map((a) => ({ app: a.env.app ?? a.env.name, environment: a.env.id, file: a.env.relFile, before: a.before, after: a.after }));
  if (json) {
    io.out(JSON.stringify({ status: r.status, commit: r.commit ?? null, remote: r.remote ?? null, pushedTo: r.pushedTo ?? null, attempts: r.attempts, apps: apps(r.edits), ...extra }, null, 2));
    return 0;
  }
  if (r.status === 'unchanged') {
    io.out('nothing to do: every app already runs that image');
    return 0;
  }
  io.out(r.message?.split('\n')[0] ?? '');
  for (const a of r.edits) io.out(`  ${(a.env.app ?? a.env.name).padEnd(20)} ${a.before.tag ?? '(unset)'} -> ${a.after.tag ?? '(unset)'}  ${imageString(a.after)}`);
  io.out(`  ${r.status === 'pushed' ? `pushed ${r.commit?.slice(0, 7)} to ${r.remote}/${r.pushedTo}` : `committed ${r.commit?.slice(0, 7)} locally (not pushed)`}`);
  return 0;
}

export async function runReleasePromote(ctx: OperationContext, io: CliIO, f: { from: string; to: string; all: boolean; apps: string[]; yes: boolean; json: boolean; overrideGate?: string }): Promise<number> {
  if (f.all && f.apps.length) throw inputError('cli.badFlag', '--all and --app exclude each other', { hint: '--all promotes every app that differs; --app A --app B only those' });
  // --override-gate: every app whose gate says no is promoted anyway, one Gate-Override trailer per app and gate
  const r = await promoteRelease(ctx, { from: f.from, to: f.to, apps: f.all ? undefined : f.apps, confirmed: f.yes, ...(f.overrideGate !== undefined ? { overrideGate: f.overrideGate } : {}) });
  return print(r, f.json, io, { from: f.from, to: f.to, unchanged: r.plan.unchanged });
}

export async function runReleaseRollback(ctx: OperationContext, io: CliIO, f: { commit: string; yes: boolean; json: boolean }): Promise<number> {
  const r = await rollbackRelease(ctx, { commit: f.commit, confirmed: f.yes });
  return print(r, f.json, io, { reverts: f.commit });
}
