import { homedir } from 'node:os';
import type { Environment } from '../../core/config/model';
import { readEnvironmentFile } from '../../core/gitops/environmentFile';
import { promote as promoteOp, type OperationContext } from '../../core/gitops/operations';
import { configuredTarget } from '../../core/kube/environmentWatch';
import { kubeconfigSource } from '../../core/kube/kubeconfig';
import { KubeSession } from '../../core/kube/session';
import { rolloutHealth } from '../../core/kube/watchRollout';
import { inputError } from '../../core/errors';
import { flagHelp, parseFlags } from '../args';
import { needsAppChoice, runReleasePromote, takeRepeated } from './release';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode, requireEnv, requireProject } from './common';
import type { CliCommand } from './types';

const flags = {
  from: { type: 'string', description: 'the environment whose image to promote', valueName: 'A', required: true },
  to: { type: 'string', description: 'the environment that receives it', valueName: 'B', required: true },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  force: { type: 'boolean', description: 'promote into a protected environment without checking that the source is healthy in its cluster' },
  all: { type: 'boolean', description: 'promote every app of --from that differs from --to, in one commit (a release)' },
  app: { type: 'string', description: 'promote this app (repeat: --app A --app B), in one commit', valueName: 'A' },
  kubeconfig: { type: 'string', description: 'kubeconfig for the health check (default: KUBECONFIG, else ~/.kube/config)', valueName: 'FILE' },
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const promote: CliCommand = {
  name: 'promote',
  summary: "copy one environment's exact image (tag and digest) into the next",
  help: () =>
    `Usage: gitops-pilot promote --from A --to B [--all | --app APP ...] [--no-push] [--yes] [--force]\n\nWith --all or --app, every chosen app that differs moves in ONE commit "promote(B): N apps from A" (all files\nor none). Refuses a promotion that skips the configured order. Protected targets need --yes and an immutable tag, and\n(when gitops-pilot.yaml says where the source runs) a source whose rollout is healthy: it runs the image its\nfile declares, rolled out; --force skips that check.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { values: apps, rest } = takeRepeated(argv, 'app');
    const { flags: f } = parseFlags(rest, flags, 'promote');
    const project = await requireProject(f.dir, io);
    let session: KubeSession | undefined;
    const ctx: OperationContext = {
      ...operationContext(project, io, pushMode(f)),
      // the same check as the editor's: a protected environment only receives an image that is healthy where it runs now
      ...(f.force
        ? {}
        : {
            sourceHealth: async (env: Environment) => {
              const target = configuredTarget(env);
              if (!target) return undefined;
              const source = f.kubeconfig ? { files: [f.kubeconfig], origin: 'flag' as const } : kubeconfigSource([], io.env, io.env.HOME || homedir());
              session = new KubeSession({ kubeconfig: () => source, log: io.log });
              const file = await readEnvironmentFile(env);
              const health = await rolloutHealth(session, target, file.ok ? file.declared : undefined, { signal: io.signal });
              io.log.info(`health of ${env.name}: ${health.healthy ? 'healthy' : `not healthy (${health.reason})`}`);
              return health;
            },
          }),
    };
    try {
      // issue 15: a release of several apps in one commit
      if (f.all || apps.length) return await runReleasePromote(ctx, io, { from: f.from!, to: f.to!, all: f.all, apps, yes: f.yes, json: f.json });
      if (needsAppChoice(ctx, f.from!, f.to!)) {
        throw inputError('release.whichApps', `${f.from} and ${f.to} hold several apps`, { hint: `Add --all, or --app A (or name one: --from <app>/${f.from} --to <app>/${f.to})` });
      }
      const from = requireEnv(project, f.from!, '--from');
      const to = requireEnv(project, f.to!, '--to');
      const r = await promoteOp(ctx, { from, to, confirmed: f.yes });
      return printResult(r, f.json, io);
    } finally {
      await session?.dispose();
    }
  },
};
