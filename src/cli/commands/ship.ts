import { ship as shipOp } from '../../core/images/ship';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { CliCluster, kubeconfigFlag } from './cluster';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode } from './common';
import { buildFlags, buildJson, createRepositoryFlag, imageContext, imageFlags, printBuilt, printPushed, pushJson, requireImageProject } from './imageCommon';
import { inputError } from '../../core/errors';
import type { CliCommand } from './types';

const flags = {
  env: { type: 'string', description: 'deploy to this environment (default: the first one)', valueName: 'E' },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  kubeconfig: kubeconfigFlag,
  ...buildFlags,
  ...createRepositoryFlag,
  ...pushFlags,
  ...imageFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const ship: CliCommand = {
  name: 'ship',
  summary: 'build, push, and deploy the new tag to the first environment',
  help: () =>
    `Usage: gitops-pilot ship [--env E] [--yes] [--allow-dirty] [--no-push] [--json]\n\nbuild --push, then bump the first environment (or --env E) to the pushed tag, pinned to its digest, with\nthe commit it was built from as Source-Commit; committed and pushed to the GitOps repository like bump (then\nthe environment's Argo CD Application is asked to refresh).\nEverything that could refuse the deployment is checked before anything is built.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'ship');
    const project = await requireImageProject(f.dir, io);
    if (!project.environments.length && project.problems.length) throw project.problems[0];
    const push = pushMode(f);
    if (push === 'pull-request') throw inputError('cli.badFlag', 'ship does not open pull requests', { hint: 'Ship with --no-push or --push-mode direct, then: gitops-pilot bump --env E --tag T --push-mode pull-request' });
    const ctx = imageContext(io, f);
    const cluster = new CliCluster(io, f.kubeconfig);
    try {
      const r = await shipOp(
        ctx,
        { project, env: f.env, confirmed: f.yes, tag: f.tag, allowDirty: f['allow-dirty'], noCache: f['no-cache'], createRepository: () => f['create-repository'] },
        { operation: operationContext(project, io, push) },
      );
      await cluster.afterPush(r.deploy, push);
      if (f.json) {
        io.out(JSON.stringify({ environment: r.env.id, build: buildJson(r.build), push: pushJson(r.push), deploy: { status: r.deploy.status, commit: r.deploy.commit ?? null, remote: r.deploy.remote ?? null, pushedTo: r.deploy.pushedTo ?? null, before: r.deploy.before, after: r.deploy.after } }, null, 2));
        return 0;
      }
      printBuilt(r.build, io);
      printPushed(r.push, io);
      return printResult(r.deploy, false, io);
    } finally {
      ctx.clients.dispose();
      await cluster.dispose();
    }
  },
};
