/**
 * Generated files checked by their systems' own tools, offline: the GitLab pipeline by gitlab-ci-local (GitLab's
 * CI schema, then the test job run with its shell executor), and the scan gate (`gitops-pilot scan`) against
 * the ECR emulator in front of the real registry.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { git, gitEnv } from '../../support/gitRepos';
import { repoRoot } from '../../support/paths';
import { run, which } from '../../support/proc';
import { pushSyntheticImage, RegistryClient } from '../../support/registryClient';
import { tempDir } from '../../support/tmp';
import { sampleProject } from '../../unit/ci/fixture';

const gitlabCiLocal = join(repoRoot, 'node_modules', '.bin', 'gitlab-ci-local');

describe('the GitLab pipeline through gitlab-ci-local (offline, shell executor)', () => {
  const tmp = tempDir('gitops-pilot-gcl-');
  after(tmp.cleanup);
  let app: string;

  before(async () => {
    if (!which('rsync')) throw new Error('gitlab-ci-local needs rsync (apt-get install -y rsync; .ci/run installs it)');
    await sampleProject(tmp.dir);
    app = join(tmp.dir, 'demo-app');
    const r = await run(process.execPath, [cliPath, 'init-ci', '--system', 'gitlab', '--gitops-url', 'https://gitlab.example.invalid/acme/demo-app-gitops.git'], { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    git(app, 'init', '-q', '-b', 'main');
    git(app, 'add', '-A');
    git(app, 'commit', '-q', '-m', 'app with its pipeline');
  });

  const gcl = (...args: string[]) => run(gitlabCiLocal, args, { cwd: app, env: { ...process.env, ...gitEnv }, timeoutMs: 120_000 });

  test('GitLab\'s CI schema accepts it; jobs, stages and the manual prod job as GitLab reads them', async () => {
    const r = await gcl('--list');
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(`${r.stdout}${r.stderr}`, /json schema validated/);
    const rows = r.stdout.split('\n').filter((l) => /^(test|deploy-dev|promote-staging|promote-prod)\s/.test(l)).map((l) => l.split(/\s{2,}/).slice(0, 3));
    assert.deepEqual(rows, [
      ['test', 'test', 'on_success'],
      ['deploy-dev', 'deploy-dev', 'on_success'],
      ['promote-staging', 'promote-staging', 'on_success'],
      ['promote-prod', 'promote-prod', 'manual'],
    ]);
  });

  test('the test job runs with the shell executor', async () => {
    const r = await gcl('--force-shell-executor', 'test');
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /No tests were detected/);
    assert.match(r.stdout, /PASS\s+test/);
  });

  test('a file GitLab would refuse fails the same check', async () => {
    const file = join(app, '.gitlab-ci.yml');
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, good.replace('when: manual', 'when: sometimes'));
      const r = await gcl('--list');
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(`${r.stdout}${r.stderr}`, /when|schema/i, 'refused for the bad value, not for something else');
    } finally {
      writeFileSync(file, good);
    }
  });
});

describe('gitops-pilot scan: the pipeline\'s gate on ECR\'s findings', () => {
  const tmp = tempDir('gitops-pilot-scan-');
  let stack: EcrStack;
  let app: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    const registry = new RegistryClient({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password });
    await pushSyntheticImage(registry, 'demo-app', ['clean1', 'high1'], { seed: 'a' });
    await pushSyntheticImage(registry, 'demo-app', ['high1'], { seed: 'b' });
    await stack.ecr.setScanFindings('demo-app', 'clean1', { counts: { MEDIUM: 2, LOW: 1 } });
    await stack.ecr.setScanFindings('demo-app', 'high1', { counts: { HIGH: 1, LOW: 4 } });
    await sampleProject(tmp.dir);
    app = join(tmp.dir, 'demo-app');
    writeFileSync(join(app, 'gitops-pilot.yaml'), readFileSync(join(app, 'gitops-pilot.yaml'), 'utf8').replace(/repository: .*\n/, `repository: ${stack.ecr.repositoryUri('demo-app')}\n  region: ${stack.ecr.region}\n`));
    const awsConfig = join(tmp.dir, 'aws-config');
    writeFileSync(awsConfig, '');
    env = { ...process.env, ...stack.ecr.env(), AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: awsConfig, AWS_ENDPOINT_URL_ECR: '', GITOPS_PILOT_ECR_ENDPOINT: stack.ecr.endpoint };
  });

  after(async () => {
    await stack?.close();
    tmp.cleanup();
  });

  const scan = (...args: string[]) => run(process.execPath, [cliPath, 'scan', ...args], { cwd: app, env, timeoutMs: 60_000 });

  test('medium and low findings pass CRITICAL,HIGH (exit 0) and are counted', async () => {
    const r = await scan('--tag', 'clean1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /demo-app:clean1 \(sha256:[0-9a-f]{12}\): 2 MEDIUM, 1 LOW/);
  });

  test('a HIGH finding stops the pipeline (exit 1), names the finding and what to do', async () => {
    const r = await scan('--tag', 'high1', '--fail-on', 'CRITICAL,HIGH');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /1 HIGH, 4 LOW\n  HIGH\s+CVE-/);
    assert.match(r.stderr, /error: the image has 1 HIGH finding\(s\), and --fail-on CRITICAL,HIGH stops it here/);
    assert.match(r.stderr, /hint: /);
    const none = await scan('--tag', 'high1', '--fail-on', 'none', '--json');
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(JSON.parse(none.stdout).counts, { HIGH: 1, LOW: 4 });
  });

  test('a tag ECR does not have is bad input (exit 2)', async () => {
    const r = await scan('--tag', 'never-pushed');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ECR has no image demo-app:never-pushed/);
  });
});
