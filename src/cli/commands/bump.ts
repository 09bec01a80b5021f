import { ecrSettingsFor } from '../../core/images/context';
import { checkImageInEcr } from '../../core/images/registryCheck';
import { setImage as setImageOp, type OperationContext } from '../../core/gitops/operations';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { CliCluster, kubeconfigFlag } from './cluster';
import { imageContext } from './imageCommon';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode, requireEnv, requireProject } from './common';
import { deployMaybeThroughPullRequest } from './pr';
import { locatorFlags } from './setImage';
import type { CliCommand } from './types';
import type { Environment } from '../../core/config/model';
import { inputError } from '../../core/errors';

const flags = {
  env: { type: 'string', description: 'the environment', valueName: 'E', required: true },
  tag: { type: 'string', description: 'the image tag to deploy', valueName: 'T', required: true },
  digest: { type: 'string', description: 'pin this digest too (sha256:…)', valueName: 'D' },
  ...locatorFlags,
  'source-commit': { type: 'string', description: 'the app commit the image was built from (recorded as a trailer)', valueName: 'SHA' },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  force: { type: 'boolean', description: 'deploy even if the registry does not have the tag (ECR repositories are checked when AWS credentials are available)' },
  kubeconfig: kubeconfigFlag,
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const bump: CliCommand = {
  name: 'bump',
  summary: "set an environment's image tag, commit and push",
  help: () => `Usage: gitops-pilot bump --env E --tag T [--container C] [--workload KIND/NAME] [--no-push] [--yes]\n\nEdits the environment's file (only the tag's bytes), commits it as "deploy(E): app OLD -> T" and pushes\n(rebasing and retrying if someone pushed first; never forcing), then asks the environment's Argo CD Application (argocd:\nin gitops-pilot.yaml) to refresh, or its Flux Kustomization/HelmRelease (flux:) to reconcile, so the sync starts at once. Protected environments need --yes (else exit 2).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'bump');
    const project = await requireProject(f.dir, io);
    const env = withContainer(requireEnv(project, f.env!, '--env'), f.container, f.workload);
    const images = imageContext(io, {});
    const push = pushMode(f, env);
    const cluster = new CliCluster(io, f.kubeconfig);
    const ctx: OperationContext = {
      ...operationContext(project, io, push),
      checkImage: (image) => checkImageInEcr(image, [project], (target) => images.clients.get(ecrSettingsFor(images.ecr, target)), io.log, io.signal),
    };
    try {
      const { result, pr } = await deployMaybeThroughPullRequest(project, io, push, () =>
        setImageOp(ctx, { env, tag: f.tag!, digest: f.digest, sourceCommit: f['source-commit'], confirmed: f.yes, force: f.force }),
      );
      await cluster.afterPush(result, push);
      return printResult(result, f.json, io, pr);
    } finally {
      images.clients.dispose();
      await cluster.dispose();
    }
  },
};


/** --container / --workload: the environment's file is a manifest, and this container's image is set. */
function withContainer(env: Environment, container: string | undefined, workload: string | undefined): Environment {
  if (container === undefined && workload === undefined) return env;
  if (env.locator.kind === 'kustomize') {
    throw inputError('cli.badFlag', `${env.name}'s file ${env.relFile} is a kustomization: --container and --workload are for manifests`, { hint: 'Name the image with kustomizeImage in gitops-pilot.yaml instead' });
  }
  const current: { container?: string; workload?: string } = env.locator.kind === 'manifest' ? env.locator : {};
  const c = container ?? current.container;
  const w = workload ?? current.workload;
  return { ...env, locator: { kind: 'manifest', ...(c !== undefined ? { container: c } : {}), ...(w !== undefined ? { workload: w } : {}) } };
}
