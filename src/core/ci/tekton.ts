/**
 * Tekton: a Pipeline (test, build and deploy the first environment, unprotected promotions), and for each
 * protected environment a Pipeline of its own with a PipelineRun that someone allowed to deploy there creates:
 * Tekton has no approval step, so the separate run is the approval. Credentials are Kubernetes secrets.
 */
import { stringify } from 'yaml';
import { jobName, type CiEnvironment, type CiPlan } from './plan';
import { deploySteps, GIT_SAFE_DIRECTORY_ENV, joinSteps, promotionSteps, testStep } from './scripts';

export interface CiFile {
  /** relative to the app repository root, forward slashes */
  readonly path: string;
  readonly text: string;
}

const SRC = '$(workspaces.source.path)';
const PARAMS = [
  { name: 'git-url', type: 'string', description: 'the app repository to build' },
  { name: 'git-revision', type: 'string', description: 'the commit (or branch) to build', default: 'main' },
  { name: 'branch', type: 'string', description: 'its branch (for the branch-sha tag policy on a detached checkout)', default: 'main' },
  { name: 'build-number', type: 'string', description: 'the build number (for the build tag policy)', default: '' },
];

function secretEnv(name: string, secret: string, key: string): Record<string, unknown> {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function stepEnv(plan: CiPlan, opts: { aws: boolean; kube: boolean }): Record<string, unknown>[] {
  const plain: Record<string, string> = {
    ...(plan.region ? { AWS_REGION: plan.region } : {}),
    ...(plan.gitops.sameRepo ? {} : { GITOPS_REPO_URL: '$(params.gitops-repo-url)' }),
    GITOPS_PILOT_BRANCH: '$(params.branch)',
    GITOPS_PILOT_BUILD_NUMBER: '$(params.build-number)',
    GIT_AUTHOR_NAME: 'Tekton',
    GIT_AUTHOR_EMAIL: 'tekton@noreply.invalid',
    GIT_COMMITTER_NAME: 'Tekton',
    GIT_COMMITTER_EMAIL: 'tekton@noreply.invalid',
    ...GIT_SAFE_DIRECTORY_ENV,
    ...(opts.aws ? { DOCKER_HOST: 'tcp://localhost:2375' } : {}),
    ...(opts.kube ? { KUBECONFIG: '$(workspaces.kubeconfig.path)/config' } : {}),
  };
  return [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    ...(opts.aws ? [secretEnv('AWS_ACCESS_KEY_ID', 'aws-credentials', 'AWS_ACCESS_KEY_ID'), secretEnv('AWS_SECRET_ACCESS_KEY', 'aws-credentials', 'AWS_SECRET_ACCESS_KEY')] : []),
    secretEnv('GITOPS_GIT_USERNAME', 'gitops-git', 'username'),
    secretEnv('GITOPS_GIT_PASSWORD', 'gitops-git', 'password'),
  ];
}

const CHECKOUT_SCRIPT = [
  'set -eu',
  `cd "${SRC}"`,
  'if [ ! -d .git ]; then git init -q . && git remote add origin "$(params.git-url)"; fi',
  'git fetch -q --tags origin "$(params.git-revision)"',
  'git checkout -q --force FETCH_HEAD',
].join('\n');

function task(plan: CiPlan, name: string, runAfter: string | undefined, steps: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const pipelineParams = [...PARAMS.map((p) => p.name), ...(plan.gitops.sameRepo ? [] : ['gitops-repo-url'])];
  return {
    name,
    ...(runAfter ? { runAfter: [runAfter] } : {}),
    params: pipelineParams.map((p) => ({ name: p, value: `$(params.${p})` })),
    workspaces: [{ name: 'source', workspace: 'source' }, { name: 'kubeconfig', workspace: 'kubeconfig' }],
    taskSpec: {
      params: pipelineParams.map((p) => ({ name: p, type: 'string' })),
      workspaces: [{ name: 'source' }, { name: 'kubeconfig', readOnly: true, optional: true }],
      steps,
      ...extra,
    },
  };
}

function scriptStep(plan: CiPlan, name: string, script: string, env: Record<string, unknown>[], image = plan.cliImage): Record<string, unknown> {
  return { name, image, workingDir: SRC, env, script };
}

const DIND = {
  sidecars: [{ name: 'docker', image: 'docker:27-dind', securityContext: { privileged: true }, env: [{ name: 'DOCKER_TLS_CERTDIR', value: '' }] }],
};

const WAIT_FOR_DOCKER = ['# the docker:dind sidecar', 'until docker version >/dev/null 2>&1; do sleep 1; done'].join('\n');

function pipeline(plan: CiPlan, name: string, tasks: Record<string, unknown>[]): Record<string, unknown> {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'Pipeline',
    metadata: { name },
    spec: {
      params: [...PARAMS, ...(plan.gitops.sameRepo ? [] : [{ name: 'gitops-repo-url', type: 'string', description: 'the GitOps repository to clone', ...(plan.gitops.url ? { default: plan.gitops.url } : {}) }])],
      workspaces: [{ name: 'source', description: 'the app checkout (and the GitOps clone beside it)' }, { name: 'kubeconfig', description: 'the kubeconfig secret (key: config)', optional: true }],
      tasks,
    },
  };
}

function pipelineRun(plan: CiPlan, pipelineName: string): Record<string, unknown> {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: { generateName: `${pipelineName}-` },
    spec: {
      pipelineRef: { name: pipelineName },
      params: [{ name: 'git-url', value: 'REPLACE-with-the-app-repository-URL' }, { name: 'git-revision', value: plan.branch }, { name: 'branch', value: plan.branch }],
      workspaces: [
        { name: 'source', volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } },
        { name: 'kubeconfig', secret: { secretName: 'kubeconfig' } },
      ],
    },
  };
}

function promotionTask(plan: CiPlan, e: CiEnvironment, runAfter: string): Record<string, unknown> {
  const env = stepEnv(plan, { aws: false, kube: true });
  return task(plan, jobName(plan, e), runAfter, [scriptStep(plan, 'promote', joinSteps(promotionSteps(plan, e)), env)]);
}

export function renderTekton(plan: CiPlan, dir = '.tekton'): CiFile[] {
  const first = plan.first;
  const deployEnv = stepEnv(plan, { aws: true, kube: first.rollout && !plan.pullRequest });
  const mainTasks: Record<string, unknown>[] = [
    task(plan, 'test', undefined, [
      scriptStep(plan, 'checkout', CHECKOUT_SCRIPT, stepEnv(plan, { aws: false, kube: false }).filter((v) => !('valueFrom' in v))),
      scriptStep(plan, 'test', testStep(plan).run, [], plan.tests.image ?? plan.cliImage),
    ]),
    task(plan, jobName(plan, first), 'test', [scriptStep(plan, 'build-deploy', `${WAIT_FOR_DOCKER}\n${joinSteps(deploySteps(plan, () => undefined))}`, deployEnv)], DIND),
  ];
  // environments reached without a protected one on the way run in the main pipeline; each protected one starts its own
  const separate: { env: CiEnvironment; tasks: Record<string, unknown>[] }[] = [];
  const home = new Map<string, Record<string, unknown>[]>([[first.id, mainTasks]]);
  for (const e of plan.promotions) {
    const sourceTasks = home.get(e.from!) ?? mainTasks;
    if (e.protected) {
      const tasks = [task(plan, 'checkout', undefined, [scriptStep(plan, 'checkout', CHECKOUT_SCRIPT, [])]), promotionTask(plan, e, 'checkout')];
      separate.push({ env: e, tasks });
      home.set(e.id, tasks);
    } else {
      const source = [first, ...plan.promotions].find((x) => x.id === e.from) ?? first;
      sourceTasks.push(promotionTask(plan, e, jobName(plan, source)));
      home.set(e.id, sourceTasks);
    }
  }
  const files: CiFile[] = [
    { path: `${dir}/pipeline.yaml`, text: `${header(plan, 'The pipeline: kubectl apply -f this file; start it with pipelinerun.yaml (or a Trigger).')}${stringify(pipeline(plan, plan.app, mainTasks), { lineWidth: 0, aliasDuplicateObjects: false })}` },
    { path: `${dir}/pipelinerun.yaml`, text: `${header(plan, 'A run of the pipeline: kubectl create -f this file (or let a Trigger create it).')}${stringify(pipelineRun(plan, plan.app), { lineWidth: 0, aliasDuplicateObjects: false })}` },
  ];
  for (const s of separate) {
    const name = `${plan.app}-${jobName(plan, s.env)}`;
    files.push({
      path: `${dir}/${jobName(plan, s.env)}.yaml`,
      text: `${header(plan, `${s.env.id} is protected: this pipeline promotes ${s.env.from} to it. kubectl apply -f this file once.`)}${stringify(pipeline(plan, name, s.tasks), { lineWidth: 0, aliasDuplicateObjects: false })}`,
    });
    files.push({
      path: `${dir}/${jobName(plan, s.env)}.pipelinerun.yaml`,
      text: `${header(plan, `The approval: someone allowed to deploy to ${s.env.id} runs kubectl create -f this file.`)}${stringify(pipelineRun(plan, name), { lineWidth: 0, aliasDuplicateObjects: false })}`,
    });
  }
  return files;
}

function header(plan: CiPlan, what: string): string {
  return [
    `# ${plan.app}: generated by GitOps Pilot (gitops-pilot init-ci --system tekton). Edit freely.`,
    `# ${what}`,
    '# Secrets in the namespace (nothing secret is in these files): aws-credentials (AWS_ACCESS_KEY_ID,',
    '# AWS_SECRET_ACCESS_KEY; or drop them and use IRSA on the run\'s service account), gitops-git (username, password:',
    '# may push to the GitOps repository), kubeconfig (config: the contexts gitops-pilot.yaml names).',
    `# Steps run in ${plan.cliImage} (docker/cli.Dockerfile); the build uses a docker:dind sidecar (privileged).`,
    '',
  ].join('\n');
}
