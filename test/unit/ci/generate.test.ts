import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { detectTests } from '../../../src/core/ci/detect';
import { generateCi } from '../../../src/core/ci/index';
import { CI_SYSTEMS, parseFailOn, planCi, withoutCredentials, type CiPlan } from '../../../src/core/ci/plan';
import { checkDeclarative, pipelineEnvironment, stagesOf } from '../../support/ci/jenkinsfile';
import { workflowErrors } from '../../support/ci/workflowParser';
import { tempDir } from '../../support/tmp';
import { sampleProject } from './fixture';

const tmp = tempDir('gitops-pilot-ci-unit-');
after(tmp.cleanup);
let n = 0;

async function plan(opts: Parameters<typeof sampleProject>[1] & { pullRequest?: boolean; failOn?: string } = {}): Promise<CiPlan> {
  const root = join(tmp.dir, `p${n++}`);
  const project = await sampleProject(root, opts);
  return planCi(project, {
    tests: await detectTests(project.root),
    gitopsUrl: 'https://user:s3cr3t-t0ken@github.com/acme/demo-app-gitops.git',
    ...(opts.pullRequest ? { pullRequest: true } : {}),
    ...(opts.failOn ? { failOn: parseFailOn(opts.failOn) } : {}),
  });
}

describe('CI pipelines: the plan', () => {
  test('first environment deployed by the build, later ones promoted in order, protected marked', async () => {
    const p = await plan();
    assert.equal(p.app, 'demo-app');
    assert.equal(p.region, 'us-east-2');
    assert.deepEqual(p.gitops, { dir: '../demo-app-gitops', sameRepo: false, url: 'https://github.com/acme/demo-app-gitops.git', branch: 'main' });
    assert.deepEqual([p.first.id, p.first.after, p.first.rollout], ['dev', 'test', true]);
    assert.deepEqual(p.promotions.map((e) => [e.id, e.from, e.after, e.protected]), [
      ['staging', 'dev', 'deploy-dev', false],
      ['prod', 'staging', 'promote-staging', true],
    ]);
    assert.deepEqual(p.failOn, ['CRITICAL', 'HIGH']);
  });

  test('credentials in a clone URL never reach the plan', () => {
    assert.equal(withoutCredentials('https://x-access-token:abc@github.com/a/b.git'), 'https://github.com/a/b.git');
    assert.equal(withoutCredentials('git@github.com:a/b.git'), 'git@github.com:a/b.git');
  });

  test('--fail-on: a list, none, or an input error', () => {
    assert.deepEqual(parseFailOn('critical, HIGH'), ['CRITICAL', 'HIGH']);
    assert.deepEqual(parseFailOn('none'), []);
    assert.throws(() => parseFailOn('SEVERE'), (e: { kind: string; message: string }) => e.kind === 'input' && /SEVERE/.test(e.message));
  });
});

describe('CI pipelines: test tooling', () => {
  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['npm', { 'package.json': '{"scripts":{"test":"node --test"}}', 'package-lock.json': '{}' }, 'node:20-bookworm-slim', /^npm ci\nnpm test$/],
    ['maven', { 'pom.xml': '<project/>' }, 'maven:3-eclipse-temurin-21', /^mvn -B verify$/],
    ['gradle', { 'build.gradle.kts': '', gradlew: '' }, 'gradle:8-jdk21', /^\.\/gradlew test --no-daemon$/],
    ['go', { 'go.mod': 'module x\n' }, 'golang:1.22', /^go test \.\/\.\.\.$/],
    ['python', { 'requirements.txt': 'flask\n' }, 'python:3.12-slim', /pip install -r requirements\.txt pytest\npython -m pytest$/],
  ];
  for (const [kind, files, image, commands] of cases) {
    test(`${kind} is detected and runs in ${image}`, async () => {
      const p = await plan({ files });
      assert.equal(p.tests.kind, kind);
      assert.equal(p.tests.image, image);
      assert.match(p.tests.commands.join('\n'), commands);
    });
  }

  test('npm without a real test script, or nothing at all: a step that says what to fill in', async () => {
    for (const files of [{ 'package.json': '{"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}' }, {}] as Record<string, string>[]) {
      const p = await plan({ files });
      assert.equal(p.tests.kind, 'none');
      assert.match(p.tests.commands.join('\n'), /No tests were detected .* Replace this step/);
    }
  });
});

/** Every value a pipeline file must never contain. */
function assertNoSecrets(text: string): void {
  assert.doesNotMatch(text, /s3cr3t-t0ken|user:/, 'the clone URL\'s credentials');
  assert.doesNotMatch(text, /AKIA[0-9A-Z]{16}/, 'an AWS access key id');
  // a literal value after a password / secret / token key (references like ${{ secrets.X }} or $(params.x) are fine)
  // (an upper-case name is a variable's name, not a value)
  const literal = [...text.matchAll(/(password|secret|token)\w*["']?\s*[:=]\s*["']?([A-Za-z0-9+/_-]{12,})/gi)].filter((m) => !/^[A-Z0-9_]+$/.test(m[2]!));
  assert.deepEqual(literal.map((m) => m[0]), []);
}

describe('CI pipelines: GitHub Actions', () => {
  test('GitHub\'s own parser accepts the workflow; OIDC role, no key; prod behind its environment\'s reviewers', async () => {
    const p = await plan();
    const [file] = generateCi('github', p);
    assert.equal(file!.path, '.github/workflows/gitops-pilot.yml');
    assert.deepEqual(await workflowErrors('gitops-pilot.yml', file!.text), []);
    const wf = parse(file!.text) as { permissions: Record<string, string>; jobs: Record<string, { needs?: string; environment?: string; steps: { uses?: string; with?: Record<string, string>; run?: string }[] }> };
    assert.equal(wf.permissions['id-token'], 'write');
    assert.deepEqual(Object.keys(wf.jobs), ['test', 'deploy-dev', 'promote-staging', 'promote-prod']);
    assert.equal(wf.jobs['promote-prod']!.environment, 'prod');
    assert.equal(wf.jobs['promote-prod']!.needs, 'promote-staging');
    const aws = wf.jobs['deploy-dev']!.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))!;
    assert.deepEqual(aws.with, { 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': 'us-east-2' });
    const runs = wf.jobs['deploy-dev']!.steps.map((s) => s.run ?? '').join('\n');
    assert.match(runs, /gitops-pilot build --push --json/);
    assert.match(runs, /gitops-pilot scan --tag "\$IMAGE_TAG" --fail-on CRITICAL,HIGH/);
    assert.match(runs, /gitops-pilot bump --env dev --tag "\$IMAGE_TAG" --digest "\$IMAGE_DIGEST"/);
    assert.match(runs, /gitops-pilot rollout-status --env dev --watch/);
    assert.match(wf.jobs['promote-prod']!.steps.map((s) => s.run ?? '').join('\n'), /gitops-pilot promote --from staging --to prod --yes/);
    assertNoSecrets(file!.text);
  });

  test('a broken workflow is caught by the same parser (the check can fail)', async () => {
    const [file] = generateCi('github', await plan());
    const errors = await workflowErrors('bad.yml', file!.text.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'));
    assert.ok(errors.some((e) => /runs_on|runs-on/.test(e)), errors.join('\n'));
  });

  test('pull request mode: the bump goes to a branch and nothing waits for a rollout of it', async () => {
    const [file] = generateCi('github', await plan({ pullRequest: true }));
    assert.match(file!.text, /--push-mode branch/);
    assert.doesNotMatch(parse(file!.text).jobs['deploy-dev'].steps.map((s: { run?: string }) => s.run ?? '').join('\n'), /rollout-status/);
  });
});

describe('CI pipelines: GitLab CI', () => {
  test('stages in promotion order, prod manual and blocking, credentials as CI variables', async () => {
    const [file] = generateCi('gitlab', await plan({ failOn: 'CRITICAL' }));
    assert.equal(file!.path, '.gitlab-ci.yml');
    const doc = parse(file!.text) as Record<string, { stage?: string; when?: string; allow_failure?: boolean; script?: string[]; needs?: string[] }> & { stages: string[] };
    assert.deepEqual(doc.stages, ['test', 'deploy-dev', 'promote-staging', 'promote-prod']);
    assert.equal(doc['promote-prod']!.when, 'manual');
    assert.equal(doc['promote-prod']!.allow_failure, false);
    assert.equal(doc['promote-staging']!.when, undefined);
    assert.match(doc['deploy-dev']!.script!.join('\n'), /--fail-on CRITICAL --wait/);
    assertNoSecrets(file!.text);
  });
});

describe('CI pipelines: Jenkins', () => {
  test('a declarative pipeline: stages in order, input before prod, credentials bound by id', async () => {
    const [file] = generateCi('jenkins', await plan());
    assert.equal(file!.path, 'Jenkinsfile');
    assert.deepEqual(checkDeclarative(file!.text), []);
    const stages = stagesOf(file!.text);
    assert.deepEqual(stages.map((s) => [s.name, s.input ?? null]), [
      ['Test', null],
      ['deploy-dev', null],
      ['promote-staging', null],
      ['promote-prod', 'Deploy demo-app to prod?'],
    ]);
    assert.deepEqual(stages[1]!.credentials.map((c) => c.id), ['aws-ecr', 'gitops-git', 'kubeconfig']);
    assert.match(stages[1]!.scripts[0]!, /printf "username=%s\\npassword=%s\\n"/, 'the Groovy string keeps the shell\'s backslashes');
    assert.equal(pipelineEnvironment(file!.text).GITOPS_REPO_URL, 'https://github.com/acme/demo-app-gitops.git');
    assertNoSecrets(file!.text);
  });

  test('the structural check fails what Jenkins would refuse', () => {
    assert.match(checkDeclarative('pipeline {\n  stages {\n    stage(\'a\') {\n      steps { sh \'true\' }\n    }\n  }\n}\n').join('\n'), /no agent/);
    assert.match(checkDeclarative('pipeline {\n  agent any\n  stages {\n    stage(\'a\') {\n      echo \'x\'\n    }\n  }\n}\n').join('\n'), /statements outside steps|no steps/);
    assert.match(checkDeclarative('pipeline {\n  agent any\n  stages {\n').join('\n'), /not closed/);
    assert.match(checkDeclarative("pipeline {\n  agent any\n  stages {\n    stage('a') {\n      steps { sh 'x' }\n    }\n    stage('a') {\n      steps { sh 'y' }\n    }\n  }\n}\n").join('\n'), /appears twice/);
  });
});

describe('CI pipelines: Tekton', () => {
  test('the main pipeline stops before prod; prod has its own pipeline and run (the approval)', async () => {
    const files = generateCi('tekton', await plan());
    assert.deepEqual(files.map((f) => f.path), ['.tekton/pipeline.yaml', '.tekton/pipelinerun.yaml', '.tekton/promote-prod.yaml', '.tekton/promote-prod.pipelinerun.yaml']);
    const main = parse(files[0]!.text) as { kind: string; spec: { tasks: { name: string; runAfter?: string[]; taskSpec: { steps: { env?: { name: string; value?: string; valueFrom?: unknown }[] }[]; sidecars?: unknown[] } }[] } };
    assert.equal(main.kind, 'Pipeline');
    assert.deepEqual(main.spec.tasks.map((t) => [t.name, t.runAfter?.[0] ?? null]), [['test', null], ['deploy-dev', 'test'], ['promote-staging', 'deploy-dev']]);
    const env = main.spec.tasks[1]!.taskSpec.steps[0]!.env!;
    assert.ok(env.find((e) => e.name === 'AWS_SECRET_ACCESS_KEY')!.valueFrom, 'AWS keys from a Kubernetes secret');
    assert.ok(main.spec.tasks[1]!.taskSpec.sidecars, 'a docker:dind sidecar to build with');
    const prod = parse(files[2]!.text) as { spec: { tasks: { name: string }[] } };
    assert.deepEqual(prod.spec.tasks.map((t) => t.name), ['checkout', 'promote-prod']);
    const run = parse(files[3]!.text) as { kind: string; spec: { pipelineRef: { name: string } } };
    assert.deepEqual([run.kind, run.spec.pipelineRef.name], ['PipelineRun', 'demo-app-promote-prod']);
    for (const f of files) {
      assert.equal(parseAllDocuments(f.text).length, 1);
      assertNoSecrets(f.text);
    }
  });
});

describe('CI pipelines: every system', () => {
  for (const system of CI_SYSTEMS) {
    test(`${system}: the same GitOps repository as the app (gitops.repo: .) checks out the branch instead of cloning`, async () => {
      const text = generateCi(system, await plan({ repo: '.' })).map((f) => f.text).join('\n');
      assert.doesNotMatch(text, /git clone/);
      assert.match(text, /checkout -q -B main FETCH_HEAD/);
      if (system === 'github') assert.deepEqual(parse(text.split('\n').filter((l) => !l.startsWith('#')).join('\n')).on.push['paths-ignore'], ['envs/dev/values.yaml', 'envs/staging/values.yaml', 'envs/prod/values.yaml']);
      if (system === 'gitlab') assert.equal(parse(text).workflow.rules[0].when, 'never');
    });
  }
});
