/**
 * The three-app sandbox (`apps: 3`, what `npm start` brings up): demo-app, api and worker in one GitOps
 * repository, laid out as `<app>/envs/<env>/values.yaml` (a layout GitOps Pilot also discovers), with a
 * gitops-pilot.yaml at the GitOps repository's root that lists them under `apps:` — the platform team's
 * env → apps matrix. demo-app's own repository keeps its single-app gitops-pilot.yaml (the application
 * developer's view), pointing at demo-app's files in that repository.
 *
 * At the start every app runs RELEASE_TAG in dev and staging and INITIAL_TAG in prod: prod is a release
 * behind, so the matrix shows `3 apps · 3 differ from staging` and Promote All to prod has work to do.
 * The one-app sandbox (the default of startSandbox) keeps envs/<env>/values.yaml, as before.
 */

/** How many apps the sandbox has: 1 (demo-app, the layout the older tests were written for) or 3. */
export type AppCount = 1 | 3;

/** The apps of the three-app sandbox, demo-app first. */
export const THREE_APPS = ['demo-app', 'api', 'worker'] as const;

/** The tag dev and staging run at the start of the three-app sandbox (prod runs the initial tag). */
export const RELEASE_TAG = '1.1.0';

/** What the sandbox needs to know about an environment (layout.ts's ENVIRONMENTS). */
export interface SandboxEnvironment {
  readonly name: string;
  readonly namespace: string;
  readonly promoteFrom?: string;
  readonly protected?: boolean;
}

/** The app names for a count; `app` is the one-app sandbox's app. */
export function appNames(count: AppCount | undefined, app: string): string[] {
  return count === 3 ? [...THREE_APPS] : [app];
}

/** Where `app`'s image tag for `env` lives in the GitOps repository. */
export function appFile(count: AppCount | undefined, app: string, env: string): string {
  return count === 3 ? `${app}/envs/${env}/values.yaml` : `envs/${env}/values.yaml`;
}

/** The tag an environment runs when the sandbox starts. */
export function startTag(count: AppCount | undefined, env: SandboxEnvironment, initial: string): string {
  return count === 3 && !env.protected ? RELEASE_TAG : initial;
}

/** Every tag the registry must hold for an app at the start. */
export function startTags(count: AppCount | undefined, initial: string): string[] {
  return count === 3 ? [initial, RELEASE_TAG] : [initial];
}

/** Quoted for YAML (the placeholders' braces would start a flow mapping). */
const q = (s: string): string => JSON.stringify(s);

/**
 * The GitOps repository's gitops-pilot.yaml: every app under `apps:`. With Argo CD one `environments:`
 * template serves all apps ({app} / {env}); Flux names a HelmRelease per app, which the template does not
 * fill in, so each app lists its environments.
 */
export function appsConfig(o: {
  readonly apps: readonly string[];
  readonly repositoryOf: (app: string) => string;
  readonly environments: readonly SandboxEnvironment[];
  readonly engine: 'argocd' | 'flux';
  readonly fluxRelease: (env: string, app: string) => string;
}): string {
  const env = (e: SandboxEnvironment, app: string | undefined, indent: string): string => {
    const v = (template: string) => (app === undefined ? template : template.replace(/\{app\}/g, app).replace(/\{env\}/g, e.name));
    const lines = [
      `- name: ${e.name}`,
      `  file: ${q(v('{app}/envs/{env}/values.yaml'))}`,
      '  path: image.tag',
      `  cluster: { context: sandbox-${e.name}, namespace: ${e.namespace} }`,
      `  workload: ${q(v('deployment/{app}'))}`,
      app === undefined
        ? `  argocd: { application: ${q('{app}-{env}')}, namespace: argocd }`
        : `  flux: { helmRelease: ${o.fluxRelease(e.name, app)}, namespace: flux-system }`,
      ...(e.promoteFrom ? [`  promoteFrom: ${e.promoteFrom}`] : []),
      ...(e.protected ? ['  protected: true'] : []),
    ];
    return lines.map((l) => `${indent}${l}`).join('\n');
  };
  const flux = o.engine === 'flux';
  const apps = o.apps
    .map((app) => {
      const head = `  - name: ${app}\n    image: ${o.repositoryOf(app)}`;
      return flux ? `${head}\n    environments:\n${o.environments.map((e) => env(e, app, '      ')).join('\n')}` : head;
    })
    .join('\n');
  return `# The GitOps Pilot sandbox's GitOps repository: every app it deploys, per environment (the platform
# team's view: environments → apps, Compare Environments…, Promote All…). Each app's own repository may
# have a gitops-pilot.yaml of its own (see ../demo-app) for its developers' single-app view.
gitops:
  repo: .
  branch: main
apps:
${apps}
${flux ? '' : `# one template for every app: {app} and {env} are filled in per app and environment
environments:
${o.environments.map((e) => env(e, undefined, '  ')).join('\n')}
`}`;
}
