import { rollback as rollbackOp } from '../../core/gitops/operations';
import { inputError } from '../../core/errors';
import { flagHelp, parseFlags } from '../args';
import { runReleaseRollback } from './release';
import type { CliIO } from '../io';
import { CliCluster, kubeconfigFlag } from './cluster';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode, requireEnv, requireProject } from './common';
import { deployMaybeThroughPullRequest } from './pr';
import type { CliCommand } from './types';

const flags = {
  env: { type: 'string', description: 'the environment (or --release)', valueName: 'E' },
  release: { type: 'string', description: 'undo this commit for every app it moved (a release), in one commit', valueName: 'COMMIT' },
  to: { type: 'string', description: 'roll back to the image this commit of the history deployed (default: undo the last deployment)', valueName: 'COMMIT' },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  kubeconfig: kubeconfigFlag,
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const rollback: CliCommand = {
  name: 'rollback',
  summary: "undo an environment's last deployment (git revert), or go back to an earlier one",
  help: () => `Usage: gitops-pilot rollback --env E [--to COMMIT] [--no-push] [--yes]\n       gitops-pilot rollback --release COMMIT [--no-push] [--yes]\n\nEither way the result is a new commit "rollback(E): app NEW -> OLD"; after a push the environment's Argo CD\nApplication is asked to refresh.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'rollback');
    const project = await requireProject(f.dir, io);
    // issue 15: a release is rolled back as a whole
    if (f.release !== undefined) {
      if (f.env !== undefined || f.to !== undefined) throw inputError('cli.badFlag', '--release excludes --env and --to', { hint: 'Run: gitops-pilot rollback --help' });
      return runReleaseRollback(operationContext(project, io, pushMode(f)), io, { commit: f.release, yes: f.yes, json: f.json });
    }
    if (f.env === undefined) throw inputError('cli.missingFlag', '--env (or --release) is required for "rollback"', { hint: 'Run: gitops-pilot rollback --help' });
    const env = requireEnv(project, f.env, '--env');
    const push = pushMode(f, env);
    const cluster = new CliCluster(io, f.kubeconfig);
    try {
      const { result, pr } = await deployMaybeThroughPullRequest(project, io, push, () => rollbackOp(operationContext(project, io, push), { env, toCommit: f.to, confirmed: f.yes }));
      await cluster.afterPush(result, push);
      return printResult(result, f.json, io, pr);
    } finally {
      await cluster.dispose();
    }
  },
};
