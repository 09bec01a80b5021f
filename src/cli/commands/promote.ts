import { promote as promoteOp, type OperationContext } from '../../core/gitops/operations';
import { inputError } from '../../core/errors';
import { checkOverrideReason } from '../../core/gates/evaluate';
import { flagHelp, parseFlags } from '../args';
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
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const promote: CliCommand = {
  name: 'promote',
  summary: "copy one environment's exact image (tag and digest) into the next",
  help: () =>
    `Usage: gitops-pilot promote --from A --to B [--no-push] [--yes] [--override-gate REASON] [--force]\n\nRefuses a promotion that skips the configured order. The target's gates (gitops-pilot.yaml gates:, see\n\`gitops-pilot gates --to B\`) must pass: no freeze window, the source healthy for the soak time, its health URL\nand analysis verified; --override-gate REASON promotes anyway and records why. Protected targets need --yes and\nan immutable tag, and (when gitops-pilot.yaml says where the source runs) a healthy source; --force skips that\ncheck for targets without gates:. After the push, the target's Argo CD Application is asked to refresh.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'promote');
    const project = await requireProject(f.dir, io);
    const from = requireEnv(project, f.from!, '--from');
    const to = requireEnv(project, f.to!, '--to');
    if (f.force && to.gates) {
      throw inputError('cli.badFlag', `--force does not skip the gates of ${to.name}`, { hint: 'Override them with --override-gate REASON: the reason is recorded in the commit' });
    }
    if (f['override-gate'] !== undefined) checkOverrideReason(f['override-gate']);
    const cluster = new CliCluster(io, f.kubeconfig);
    const push = pushMode(f, to);
    // the same gates as the editor's: one decision in the core
    const ctx: OperationContext = { ...operationContext(project, io, push), ...(f.force ? {} : { gates: (a, b) => cluster.gates(project, b, a) }) };
    try {
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
