/**
 * The sandbox's repositories: a sample app (Dockerfile FROM scratch + static busybox, nothing pulled;
 * gitops-pilot.yaml) and a GitOps repository (a bare "remote" and a working clone) with
 * envs/dev|staging|prod/values.yaml. All real git.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appFile, appNames, appsConfig, RELEASE_TAG, startTag, type AppCount } from './apps';

export const APP = 'demo-app';
export const ENVIRONMENTS = [
  { name: 'dev', namespace: 'dev', replicas: 2, autoSync: true },
  { name: 'staging', namespace: 'staging', replicas: 2, autoSync: true, promoteFrom: 'dev' },
  { name: 'prod', namespace: 'prod', replicas: 3, autoSync: false, promoteFrom: 'staging', protected: true },
] as const;
export const INITIAL_TAG = '1.0.0';
/** The sync engine the sandbox runs: an Argo-CD-like agent (Applications), or the simulator's Flux controllers (a GitRepository and a HelmRelease per environment). */
export type SandboxEngine = 'argocd' | 'flux';
/** Flux mode: the GitRepository in flux-system, and each environment's HelmRelease (the chart is charts/APP in the GitOps repository). */
export const FLUX_SOURCE = `${APP}-gitops`;
export const fluxRelease = (env: string, app: string = APP): string => `${app}-${env}`;

export interface SandboxLayout {
  readonly root: string;
  readonly appRepo: string;
  readonly gitopsClone: string;
  readonly gitopsBare: string;
  readonly kubeconfig: string;
  readonly workspaceFile: string;
  /** the apps of the GitOps repository (demo-app first) */
  readonly apps: readonly string[];
  /** where an app's tag for an environment lives, relative to the GitOps repository */
  file(app: string, env: string): string;
}

const IDENTITY = { GIT_AUTHOR_NAME: 'Sandbox', GIT_AUTHOR_EMAIL: 'sandbox@gitops-pilot.invalid', GIT_COMMITTER_NAME: 'Sandbox', GIT_COMMITTER_EMAIL: 'sandbox@gitops-pilot.invalid' };

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...IDENTITY } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function valuesFile(env: (typeof ENVIRONMENTS)[number], repository: string, tag: string, app: string = APP): string {
  return `# ${app} in ${env.name}: the image is moved here by deployments (GitOps Pilot, or a pipeline)
replicaCount: ${env.replicas}
image:
  repository: ${repository}
  tag: "${tag}"
  pullPolicy: IfNotPresent
service:
  port: 8080
resources:
  limits:
    memory: 128Mi
`;
}

/**
 * Writes the repositories under `root` (which must not exist yet, or be empty). `repository` is the image
 * repository as the registry serves it (e.g. 127.0.0.1:PORT/demo-app); `server` the simulator's URL.
 * `apps: 3`: demo-app, api and worker in the GitOps repository (see apps.ts); `repositoryOf` names their images.
 */
export function writeLayout(
  root: string,
  opts: { repository: string; server: string; region: string; account: string; engine?: SandboxEngine; apps?: AppCount; repositoryOf?: (app: string) => string },
): SandboxLayout {
  const flux = opts.engine === 'flux';
  const apps = appNames(opts.apps, APP);
  const file = (app: string, env: string) => appFile(opts.apps, app, env);
  const repositoryOf = (app: string) => (app === APP ? opts.repository : opts.repositoryOf?.(app) ?? opts.repository.replace(/[^/]+$/, app));
  const appRepo = join(root, APP);
  const gitopsClone = join(root, `${APP}-gitops`);
  const gitopsBare = join(root, 'remotes', `${APP}-gitops.git`);
  const kubeconfig = join(root, 'kubeconfig');
  const workspaceFile = join(root, `${APP}.code-workspace`);
  mkdirSync(root, { recursive: true });

  // the app: a static busybox and a script, built FROM scratch so nothing is pulled
  write(join(appRepo, 'Dockerfile'), `# ${APP}: built FROM scratch with a static busybox, so no base image is pulled
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY app.sh /app/app.sh
ARG VERSION=dev
RUN ["/bin/sh", "-c", "echo \\"$VERSION\\" > /app/VERSION"]
CMD ["/bin/sh", "/app/app.sh"]
`);
  if (existsSync('/bin/busybox')) copyFileSync('/bin/busybox', join(appRepo, 'busybox'));
  write(join(appRepo, 'app.sh'), `#!/bin/sh\necho "${APP} $(cat /app/VERSION) says hello"\nwhile true; do sleep 3600; done\n`);
  write(join(appRepo, '.gitignore'), 'node_modules/\n');
  write(join(appRepo, 'README.md'), `# ${APP}\n\nThe GitOps Pilot sandbox's sample app. Try **GitOps Pilot: Ship** from the command palette.\n`);
  write(
    join(appRepo, 'gitops-pilot.yaml'),
    `# The GitOps Pilot sandbox: every server here is local (see the sandbox's README)
image:
  repository: ${opts.repository}
  context: .
  dockerfile: Dockerfile
  tag: sha
  region: ${opts.region}
  account: "${opts.account}"
gitops:
  repo: ../${APP}-gitops
  branch: main
environments:
${ENVIRONMENTS.map(
  (e) => `  - name: ${e.name}
    file: ${file(APP, e.name)}
    path: image.tag
    cluster: { context: sandbox-${e.name}, namespace: ${e.namespace} }
    workload: deployment/${APP}
    ${flux ? `flux: { helmRelease: ${fluxRelease(e.name)}, namespace: flux-system }` : `argocd: { application: ${APP}-${e.name}, namespace: argocd }`}${'promoteFrom' in e ? `\n    promoteFrom: ${e.promoteFrom}` : ''}${'protected' in e ? '\n    protected: true' : ''}`,
).join('\n')}
`,
  );
  git(appRepo, 'init', '-q', '-b', 'main');
  git(appRepo, 'add', '-A');
  git(appRepo, 'commit', '-q', '-m', `${APP}: first version`);

  // the GitOps repository: a bare remote and a clone, like a team's repo and a developer's checkout
  mkdirSync(dirname(gitopsBare), { recursive: true });
  git(root, 'init', '-q', '--bare', '-b', 'main', gitopsBare);
  git(root, 'clone', '-q', gitopsBare, gitopsClone);
  git(gitopsClone, 'checkout', '-q', '-B', 'main');
  for (const app of apps) for (const e of ENVIRONMENTS) write(join(gitopsClone, file(app, e.name)), valuesFile(e, repositoryOf(app), INITIAL_TAG, app));
  if (flux) for (const app of apps) for (const [name, text] of Object.entries(chartFiles(app))) write(join(gitopsClone, 'charts', app, name), text);
  const values = file(apps.length > 1 ? '<app>' : APP, '<env>');
  const engineLine = flux
    ? `Flux (here: the simulator's Flux controllers) reconciles each environment's HelmRelease (${fluxRelease('ENV', apps.length > 1 ? 'APP' : APP)} in flux-system) from charts/${apps.length > 1 ? '<app>' : APP} with ${values}.`
    : `Argo CD (here: the sandbox's agent) syncs each environment from ${values}.`;
  write(join(gitopsClone, 'README.md'), `# ${APP}-gitops\n\nWhat runs where${apps.length > 1 ? ` (${apps.join(', ')})` : ''}. ${engineLine}\n`);
  if (apps.length > 1) {
    write(join(gitopsClone, 'gitops-pilot.yaml'), appsConfig({ apps, repositoryOf, environments: ENVIRONMENTS, engine: flux ? 'flux' : 'argocd', fluxRelease }));
  }
  git(gitopsClone, 'add', '-A');
  git(gitopsClone, 'commit', '-q', '-m', `deploy: ${apps.join(', ')} ${INITIAL_TAG} everywhere`);
  // three apps: a release moved through dev and staging, prod still behind
  const ahead = ENVIRONMENTS.filter((e) => startTag(opts.apps, e, INITIAL_TAG) !== INITIAL_TAG);
  if (ahead.length) {
    for (const app of apps) for (const e of ahead) write(join(gitopsClone, file(app, e.name)), valuesFile(e, repositoryOf(app), RELEASE_TAG, app));
    git(gitopsClone, 'add', '-A');
    git(gitopsClone, 'commit', '-q', '-m', `deploy: ${apps.join(', ')} ${RELEASE_TAG} to ${ahead.map((e) => e.name).join(' and ')}`);
  }
  git(gitopsClone, 'push', '-q', '-u', 'origin', 'main');
  for (const dir of [appRepo, gitopsClone]) {
    git(dir, 'config', 'user.name', 'Sandbox Developer');
    git(dir, 'config', 'user.email', 'developer@gitops-pilot.invalid');
  }

  // one kubeconfig, a context per environment, all on the simulator (http: client-node wants the skip flag)
  write(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: sandbox
    cluster: { server: ${opts.server}, insecure-skip-tls-verify: true }
users:
  - name: sandbox-developer
    user: {}
contexts:
${ENVIRONMENTS.map((e) => `  - name: sandbox-${e.name}\n    context: { cluster: sandbox, user: sandbox-developer, namespace: ${e.namespace} }`).join('\n')}
current-context: sandbox-dev
`,
  );
  write(workspaceFile, `${JSON.stringify({ folders: [{ path: APP }, { path: `${APP}-gitops` }], settings: {} }, null, 2)}\n`);
  return { root, appRepo, gitopsClone, gitopsBare, kubeconfig, workspaceFile, apps, file };
}

/** The Helm chart the Flux sandbox's HelmReleases install (the simulator reads Chart.yaml; the template is what Helm would render). */
function chartFiles(app: string): Record<string, string> {
  return {
    'Chart.yaml': `apiVersion: v2\nname: ${app}\ndescription: The GitOps Pilot sandbox's sample app\ntype: application\nversion: 0.1.0\nappVersion: "${INITIAL_TAG}"\n`,
    'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
    spec:
      containers:
        - name: ${app}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - containerPort: {{ .Values.service.port }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`,
  };
}
