/**
 * The shell steps every generated pipeline runs, in POSIX sh inside the CLI image (node, git, the docker CLI and
 * `gitops-pilot`). The same text for every CI system, so what the integration tests run is what users get.
 * No secret appears here: credentials arrive as environment variables from the CI system's own store.
 */
import type { CiEnvironment, CiPlan } from './plan';

export interface Step {
  readonly name: string;
  readonly run: string;
}

/** Set in each job's environment: every checkout (and the GitOps clone) is trusted by git whoever owns it. */
export const GIT_SAFE_DIRECTORY_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'safe.directory',
  GIT_CONFIG_VALUE_0: '*',
};

/** A credential helper that answers git from GITOPS_GIT_USERNAME / GITOPS_GIT_PASSWORD (never written to disk). */
const HELPER = `credential.helper=!f() { test "$1" = get || return 0; printf "username=%s\\npassword=%s\\n" "\${GITOPS_GIT_USERNAME:-x-access-token}" "\${GITOPS_GIT_PASSWORD:-}"; }; f`;

const lines = (...l: (string | false | undefined)[]) => l.filter((x): x is string => typeof x === 'string').join('\n');

export function testStep(plan: CiPlan): Step {
  return { name: 'Test', run: lines('set -eu', ...plan.tests.commands) };
}

/** Builds with the tag policy, pushes to ECR and exports IMAGE_TAG / IMAGE_DIGEST (how: `exportVar`). */
export function buildStep(exportVar: (name: string, value: string) => string | undefined): Step {
  const read = (path: string) => `node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(j.${path})' "$out"`;
  return {
    name: 'Build and push the image',
    run: lines(
      'set -eu',
      '# docker logins go to a throw-away config, never to a shared home',
      'export DOCKER_CONFIG="${DOCKER_CONFIG:-$(mktemp -d)}"',
      'out=$(mktemp)',
      'gitops-pilot build --push --json > "$out"',
      `IMAGE_TAG=$(${read('build.tag')})`,
      `IMAGE_DIGEST=$(${read('push.digest')})`,
      'echo "built and pushed $IMAGE_TAG ($IMAGE_DIGEST)"',
      exportVar('IMAGE_TAG', '$IMAGE_TAG'),
      exportVar('IMAGE_DIGEST', '$IMAGE_DIGEST'),
    ),
  };
}

export function scanStep(plan: CiPlan): Step {
  const failOn = plan.failOn.length ? plan.failOn.join(',') : 'none';
  return {
    name: `Check the ECR scan findings (fail on ${failOn})`,
    run: lines('set -eu', `gitops-pilot scan --tag "$IMAGE_TAG" --fail-on ${failOn} --wait 10m`),
  };
}

/** Clones the GitOps repository where gitops.repo says (nothing to do when it is the app repository). */
export function cloneStep(plan: CiPlan): Step | undefined {
  const g = plan.gitops;
  if (g.sameRepo) {
    return {
      name: 'Check out the GitOps branch',
      run: lines('set -eu', `git -C "${g.dir}" fetch -q origin ${g.branch}`, `git -C "${g.dir}" checkout -q -B ${g.branch} FETCH_HEAD`),
    };
  }
  return {
    name: 'Clone the GitOps repository',
    run: lines(
      'set -eu',
      `if [ -d "${g.dir}/.git" ]; then`,
      `  git -C "${g.dir}" fetch -q origin ${g.branch} && git -C "${g.dir}" checkout -q -B ${g.branch} FETCH_HEAD`,
      'else',
      `  git clone -q -c '${HELPER}' --branch ${g.branch} "$GITOPS_REPO_URL" "${g.dir}"`,
      'fi',
    ),
  };
}

export function deployStep(plan: CiPlan): Step {
  const e = plan.first;
  return {
    name: plan.pullRequest ? `Push the ${e.id} bump to a branch for a pull request` : `Deploy to ${e.id}`,
    run: lines(
      'set -eu',
      `gitops-pilot bump --env ${e.id} --tag "$IMAGE_TAG" --digest "$IMAGE_DIGEST" --source-commit "$(git rev-parse HEAD)"${plan.pullRequest ? ' --push-mode branch' : ''}${e.protected ? ' --yes' : ''}`,
    ),
  };
}

export function promoteStep(e: CiEnvironment): Step {
  return {
    name: `Promote ${e.from} to ${e.id}`,
    run: lines('set -eu', `gitops-pilot promote --from ${e.from} --to ${e.id}${e.protected ? ' --yes' : ''}`),
  };
}

/** Waits for the environment's rollout (KUBECONFIG comes from the CI system's secret store). */
export function rolloutStep(e: CiEnvironment): Step {
  return {
    name: `Wait for the ${e.id} rollout`,
    run: lines('set -eu', `gitops-pilot rollout-status --env ${e.id} --watch --timeout 15m`),
  };
}

/** Every step of the job that builds and deploys the first environment, in order. */
export function deploySteps(plan: CiPlan, exportVar: (name: string, value: string) => string | undefined): Step[] {
  const clone = cloneStep(plan);
  return [
    buildStep(exportVar),
    scanStep(plan),
    ...(clone ? [clone] : []),
    deployStep(plan),
    ...(plan.first.rollout && !plan.pullRequest ? [rolloutStep(plan.first)] : []),
  ];
}

export function promotionSteps(plan: CiPlan, e: CiEnvironment): Step[] {
  const clone = cloneStep(plan);
  return [...(clone ? [clone] : []), promoteStep(e), ...(e.rollout ? [rolloutStep(e)] : [])];
}

/** One script of several steps (for systems that run a stage as one shell). */
export function joinSteps(steps: readonly Step[]): string {
  const body = steps.map((s) => `# ${s.name}\n${s.run.replace(/^set -eu\n/, '')}`).join('\n\n');
  return `set -eu\n${body}`;
}
