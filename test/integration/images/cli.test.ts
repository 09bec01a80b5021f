/**
 * `gitops-pilot build --push`, `push` and `ship` as a pipeline runs them: the bundled dist/cli.js in its own
 * process, docker and the AWS SDK configured only through the environment, against the real dockerd and the
 * ECR emulator. Exit codes 0 / 1 / 2, --json on stdout, progress on stderr, never a token in either.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { git } from '../../support/gitRepos';
import { run } from '../../support/proc';
import { RegistryClient } from '../../support/registryClient';
import { tempDir } from '../../support/tmp';
import { cliImageEnv, leakedTokens, makeApp } from './helpers';

describe('gitops-pilot build --push / push / ship (the CLI in a pipeline)', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let base: string;
  let env: NodeJS.ProcessEnv;
  let registry: RegistryClient;
  const outputs: string[] = [];
  let n = 0;

  async function cli(cwd: string, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const r = await run(process.execPath, [cliPath, ...args], { cwd, env, timeoutMs: 180_000 });
    outputs.push(r.stdout, r.stderr);
    return { code: r.code, out: r.stdout, err: r.stderr };
  }

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    tmp = tempDir('gitops-pilot-images-cli-');
    base = await ensureBaseImage(daemon);
    const configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    env = cliImageEnv(daemon, configDir, stack.ecr, tmp.dir);
    registry = new RegistryClient({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password });
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  const app = (opts: Partial<Parameters<typeof makeApp>[1]> = {}) => {
    const dir = join(tmp.dir, `app${n++}`);
    return makeApp(dir, { repository: stack.ecr.repositoryUri('demo-app'), base, ...opts }).then(() => dir);
  };

  test('build --push --json: repository:<sha> lands in the registry, the JSON says where and which digest', async () => {
    const dir = await app();
    const sha = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const r = await cli(dir, 'build', '--push', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { build: { tag: string; image: string; gitSha: string }; push: { digest: string; attempts: number; login: string } };
    assert.equal(j.build.tag, sha);
    assert.equal(j.build.image, `${stack.ecr.repositoryUri('demo-app')}:${sha}`);
    assert.equal(j.push.login, 'logged-in');
    assert.equal((await registry.headManifest('demo-app', sha))?.digest, j.push.digest);
    assert.match(r.err, /Step 2\/3: COPY app\.txt/, 'progress on stderr');
    assert.doesNotMatch(r.err, /NodeVersionSupportWarning|\[error\]|\[warn\]/);
  });

  test('build (human output), then push on its own', async () => {
    const dir = await app();
    const sha = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const b = await cli(dir, 'build');
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, new RegExp(`^built ${stack.ecr.registryHost.replace(/\./g, '\\.')}/demo-app:${sha} \\(sha256:`));
    const p = await cli(dir, 'push');
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, new RegExp(`pushed .*demo-app:${sha}\\n  digest sha256:[0-9a-f]{64}`));
  });

  test('bad input exits 2 and builds nothing: a dirty tree, latest, an unknown flag', async () => {
    const dir = await app();
    writeFileSync(join(dir, 'app.txt'), 'changed\n');
    const dirty = await cli(dir, 'build', '--push');
    assert.equal(dirty.code, 2);
    assert.match(dirty.err, /^error: the working tree has uncommitted changes in the build inputs \(app\.txt\)/m);
    assert.match(dirty.err, /^hint: .*--allow-dirty/m);
    assert.doesNotMatch(dirty.err, /Step \d/);
    assert.equal((await cli(dir, 'build', '--tag', 'latest')).code, 2);
    assert.equal((await cli(dir, 'build', '--tag', '-x')).code, 2);
    assert.equal((await cli(dir, 'build', '--frobnicate')).code, 2);
    const ok = await cli(dir, 'build', '--allow-dirty', '--json');
    assert.equal(ok.code, 0, ok.err);
    assert.match((JSON.parse(ok.out) as { build: { tag: string } }).build.tag, /^[0-9a-f]{7}-dirty$/);
  });

  test('a failure exits 1 with what to do: the repository is missing unless --create-repository', async () => {
    const dir = await app({ repository: stack.ecr.repositoryUri('cli-new') });
    const r = await cli(dir, 'build', '--push');
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: the ECR repository cli-new does not exist/m);
    assert.match(r.err, /^hint: .*--create-repository/m);
    const ok = await cli(dir, 'push', '--create-repository', '--json');
    assert.equal(ok.code, 0, ok.err);
    assert.equal((JSON.parse(ok.out) as { push: { createdRepository: boolean } }).push.createdRepository, true);
  });

  test('ship: build, push, and a deploy commit of the tag and digest to the first environment', async () => {
    const dir = await app({ environments: true });
    const bare = join(tmp.dir, `gitops-remote-${n}.git`);
    git(tmp.dir, 'init', '-q', '--bare', '-b', 'main', bare);
    git(dir, 'remote', 'add', 'origin', bare);
    git(dir, 'push', '-q', '-u', 'origin', 'main');
    const sha = git(dir, 'rev-parse', 'HEAD');
    const r = await cli(dir, 'ship', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { environment: string; build: { tag: string }; push: { digest: string }; deploy: { status: string; after: { tag: string; digest: string } } };
    assert.equal(j.environment, 'dev');
    assert.equal(j.build.tag, sha.slice(0, 7));
    assert.equal(j.deploy.status, 'pushed');
    assert.deepEqual([j.deploy.after.tag, j.deploy.after.digest], [sha.slice(0, 7), j.push.digest]);
    const values = readFileSync(join(dir, 'envs/dev/values.yaml'), 'utf8');
    assert.match(values, new RegExp(`tag: "${sha.slice(0, 7)}" # set by CI`));
    assert.match(values, new RegExp(`digest: ${j.push.digest}`));
    assert.equal(git(bare, 'log', '-1', '--format=%s', 'main'), `deploy(dev): demo-app 0.0.1 -> ${sha.slice(0, 7)}`);
    assert.match(git(bare, 'log', '-1', '--format=%b', 'main'), new RegExp(`^Source-Commit: ${sha}$`, 'm'));
    assert.equal(readFileSync(join(dir, 'envs/staging/values.yaml'), 'utf8').includes(sha.slice(0, 7)), false, 'only the first environment');
  });

  test('bump checks ECR like the editor: a tag it lacks exits 2 (nothing written) unless --force; a pushed one pins its digest', async () => {
    const dir = await app({ environments: true });
    const sha = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const pushed = await cli(dir, 'build', '--push', '--json');
    assert.equal(pushed.code, 0, pushed.err);
    const digest = (JSON.parse(pushed.out) as { push: { digest: string } }).push.digest;
    const before = readFileSync(join(dir, 'envs/dev/values.yaml'), 'utf8');
    const head = git(dir, 'rev-parse', 'HEAD');

    const missing = await cli(dir, 'bump', '--env', 'dev', '--tag', 'never-pushed', '--no-push');
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /^error: .*demo-app:never-pushed is not in the registry/m);
    assert.match(missing.err, /^hint: .*--force/m);
    assert.equal(readFileSync(join(dir, 'envs/dev/values.yaml'), 'utf8'), before, 'file untouched');
    assert.equal(git(dir, 'rev-parse', 'HEAD'), head, 'nothing committed');

    const forced = await cli(dir, 'bump', '--env', 'dev', '--tag', 'never-pushed', '--no-push', '--force');
    assert.equal(forced.code, 0, forced.err);
    assert.match(readFileSync(join(dir, 'envs/dev/values.yaml'), 'utf8'), /tag: "never-pushed"/);

    const ok = await cli(dir, 'bump', '--env', 'dev', '--tag', sha, '--no-push', '--json');
    assert.equal(ok.code, 0, ok.err);
    assert.equal((JSON.parse(ok.out) as { after: { digest?: string } }).after.digest, digest, "ECR's digest is pinned with the tag");
  });

  test('ship to a protected environment without --yes exits 2 before anything is built', async () => {
    const dir = await app({ environments: true });
    writeFileSync(join(dir, 'gitops-pilot.yaml'), readFileSync(join(dir, 'gitops-pilot.yaml'), 'utf8').replace('    promoteFrom: dev\n', '    promoteFrom: dev\n    protected: true\n'));
    git(dir, 'commit', '-qam', 'protect staging');
    const r = await cli(dir, 'ship', '--env', 'staging');
    assert.equal(r.code, 2);
    assert.match(r.err, /staging is protected/);
    assert.doesNotMatch(r.err, /Step \d/);
  });

  test('no registry token in any output of the CLI', () => {
    const text = outputs.join('\n');
    assert.ok(text.length > 500);
    assert.deepEqual(leakedTokens(stack.ecr, text), []);
  });
});
