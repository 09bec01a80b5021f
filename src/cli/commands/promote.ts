import { promote as promoteOp, type OperationContext } from '../../core/gitops/operations';
import { inputError } from '../../core/errors';
import { checkOverrideReason } from '../../core/gates/evaluate';
import { flagHelp, parseFlags } from '../args';
import { needsAppChoice, releaseTarget, runReleasePromote, takeRepeated } from './release';
import type { CliIO } from '../io';
import { CliCluster, kubeconfigFlag } from './cluster';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode, requireEnv, requireProject } from './common';
import { deployMaybeThroughPullRequest } from './pr';
import type { CliCommand } from './types';

const flags = {
  from: { type: 'string', description: 'the environment whose image to promote', valueName: 'A', required: true },
  to: { type: 'string', description: 'the environment that receives it', valueName: 'B', required: true },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  'override-gate': { type: 'string', description: 'promote although a gate says no (freeze, soak, verification); the reason is recorded as a Gate-Override trailer', valueName: 'REASON' },
  force: { type: 'boolean', description: 'promote into a protected environment without gates: configured, without checking that the source is healthy in its cluster' },
  kubeconfig: kubeconfigFlag,
  all: { type: 'boolean', description: 'promote every app of --from that differs from --to, in one commit (a release)' },
  app: { type: 'string', description: 'promote this app (repeat: --app A --app B), in one commit', valueName: 'A' },
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const promote: CliCommand = {
  name: 'promote',
  summary: "copy one environment's exact image (tag and digest) into the next",
  help: () =>
    `Usage: gitops-pilot promote --from A --to B [--all | --app APP ...] [--no-push] [--yes] [--override-gate REASON] [--force]\n\nRefuses a promotion that skips the configured order. The target's gates (gitops-pilot.yaml gates:, see\n\`gitops-pilot gates --to B\`) must pass: no freeze window, the source healthy for the soak time, its health URL\nand analysis verified; --override-gate REASON promotes anyway and records why. Protected targets need --yes and\nan immutable tag, and (when gitops-pilot.yaml says where the source runs) a healthy source; --force skips that\ncheck for targets without gates:. With --all or --app, every chosen app that differs moves in ONE commit
"promote(B): N apps from A" (all files or none). After the push, the target's Argo CD Application is asked to refresh.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values: apps, rest } = takeRepeated(argv, 'app');
    const { flags: f } = parseFlags(rest, flags, 'promote');
    const project = await requireProject(f.dir, io);
    if (f['override-gate'] !== undefined) checkOverrideReason(f['override-gate']);
    const cluster = new CliCluster(io, f.kubeconfig);
    // the same gates as the editor's: one decision in the core
    const gated: Pick<OperationContext, 'gates'> = f.force ? {} : { gates: (a, b) => cluster.gates(project, b, a) };
    try {
      // --force skips the source-health check, never a gate: of the one target, or of any app a release moves
      const gatedTarget = f.force ? project.environments.find((e) => (e.name === f.to || e.id === f.to) && e.gates) : undefined;
      if (gatedTarget) {
        throw inputError('cli.badFlag', `--force does not skip the gates of ${gatedTarget.name}`, { hint: 'Override them with --override-gate REASON: the reason is recorded in the commit' });
      }
      // issue 15: a release of several apps in one commit
      if (f.all || apps.length) return await runReleasePromote({ ...operationContext(project, io, pushMode(f, releaseTarget(project, f.to!))), ...gated }, io, { from: f.from!, to: f.to!, all: f.all, apps, yes: f.yes, json: f.json, ...(f['override-gate'] !== undefined ? { overrideGate: f['override-gate'] } : {}) });
      if (needsAppChoice(operationContext(project, io, false), f.from!, f.to!)) {
        throw inputError('release.whichApps', `${f.from} and ${f.to} hold several apps`, { hint: `Add --all, or --app A (or name one: --from <app>/${f.from} --to <app>/${f.to})` });
      }
      const from = requireEnv(project, f.from!, '--from');
      const to = requireEnv(project, f.to!, '--to');
      const push = pushMode(f, to);
      const ctx: OperationContext = { ...operationContext(project, io, push), ...gated };
      const { result, pr } = await deployMaybeThroughPullRequest(project, io, push, () =>
        promoteOp(ctx, { from, to, confirmed: f.yes, ...(f['override-gate'] !== undefined ? { overrideGate: f['override-gate'] } : {}) }),
      );
      await cluster.afterPush(result, push);
      return printResult(result, f.json, io, pr);
    } finally {
      await cluster.dispose();
    }
  },
};
