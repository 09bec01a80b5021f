/**
 * Build → login → push → describe through the core, on the real Docker engine (vfs, no network), a real
 * registry behind the ECR emulator, and the real AWS SDK: the image lands as repository:<sha>, its digest is
 * the one ECR (and the registry itself) reports, logins are cached, both docker CLIs and BuildKit parse.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { isCancelled, PilotError } from '../../../src/core/errors';
import { buildImage, planBuild } from '../../../src/core/images/build';
import { pushImage } from '../../../src/core/images/push';
import { docker, dockerClis, ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { awsCliEnv, awsEcr } from '../../support/ecr/awsCli';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { git } from '../../support/gitRepos';
import { RegistryClient } from '../../support/registryClient';
import { tempDir } from '../../support/tmp';
import { capture, imageContext, leakedTokens, makeApp, useEmulatorCredentials } from './helpers';

describe('images through the core: build → login → push → describe', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let base: string;
  let configDir: string;
  let registry: RegistryClient;
  const everything = capture();
  let n = 0;
  const appDir = () => join(tmp.dir, `app${n++}`);
  const ctx = (extra: Partial<Parameters<typeof imageContext>[0]> = {}) =>
    imageContext({ daemon, ecr: stack.ecr, configDir, captured: everything, ...extra });

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    tmp = tempDir('gitops-pilot-images-core-');
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    useEmulatorCredentials(stack.ecr, tmp.dir);
    base = await ensureBaseImage(daemon);
    registry = new RegistryClient({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password });
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  const repository = () => stack.ecr.repositoryUri('demo-app');

  test('Build Image: tagged with the short SHA only after the build, steps reported as they run', async () => {
    const dir = appDir();
    const dockerfile = [`FROM ${base}`, 'ARG VERSION=dev', 'ARG NONCE=none', 'RUN echo "building $VERSION $NONCE" && mkdir -p /app', 'COPY app.txt /app/app.txt', 'CMD ["/bin/sh", "-c", "cat /app/app.txt"]', ''].join('\n');
    const project = await makeApp(dir, { repository: repository(), base, dockerfile });
    const sha = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const cap = capture();
    const b = await buildImage(ctx({ captured: cap }), { project });
    assert.equal(b.tag, sha);
    assert.equal(b.image, `${repository()}:${sha}`);
    assert.equal(b.builder, 'classic');
    assert.equal(b.gitSha, git(dir, 'rev-parse', 'HEAD'));
    // the Dockerfile's 6 steps and the classic builder's LABEL step for --label org.opencontainers.image.revision
    assert.equal(b.steps, 7);
    assert.deepEqual(cap.progress.filter((p) => p.startsWith('Step ')).map((p) => p.replace(/:.*/, '')), ['Step 1/7', 'Step 2/7', 'Step 3/7', 'Step 4/7', 'Step 5/7', 'Step 6/7', 'Step 7/7']);
    assert.ok(cap.output.some((l) => /^building 1\.0 [0-9a-f]{12}$/.test(l)), 'RUN output reaches the log');
    const inspect = await docker(daemon, ['image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "org.opencontainers.image.revision"}}', b.image], { configDir });
    assert.equal(inspect.stdout.trim(), `${b.imageId} ${b.gitSha}`);
  });

  test('Push Image: logged in with GetAuthorizationToken, pushed, digest confirmed by DescribeImages and the registry', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base });
    const c = ctx();
    const b = await buildImage(c, { project });
    stack.ecr.resetStats();
    const p = await pushImage(c, { project, tag: b.tag });
    assert.equal(p.login, 'logged-in');
    assert.equal(p.attempts, 1);
    assert.match(p.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(p.pinned, `${repository()}@${p.digest}`);
    assert.equal((await registry.headManifest('demo-app', b.tag))?.digest, p.digest, 'the registry has it under the tag');
    const env = awsCliEnv(stack.ecr, tmp.dir);
    const d = await awsEcr<{ imageDetails: { imageDigest: string; imageTags: string[] }[] }>(stack.ecr, env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', `imageTag=${b.tag}`]);
    assert.equal(d.json?.imageDetails[0]?.imageDigest, p.digest, 'the AWS CLI sees the same digest');
    const stats = stack.ecr.stats();
    assert.equal(stats.api.byAction.GetAuthorizationToken?.count, 1);
    assert.ok((stats.api.byAction.DescribeImages?.count ?? 0) >= 1, 'confirmed with DescribeImages');
    assert.ok((stats.registry.byOp['PUT manifest'] ?? 0) === 1);
    assert.ok(p.layers.total >= 2 && p.layers.pushed + p.layers.existing === p.layers.total);

    // a second image: the login is reused (no new token), layers already there are not sent again
    writeFileSync(join(dir, 'app.txt'), 'demo-app v2\n');
    git(dir, 'commit', '-qam', 'v2');
    const b2 = await buildImage(c, { project: (await loadProject(dir))! });
    stack.ecr.resetStats();
    const p2 = await pushImage(c, { project, tag: b2.tag });
    assert.equal(p2.login, 'cached');
    assert.equal(stack.ecr.stats().api.byAction.GetAuthorizationToken, undefined, 'no new token');
    assert.ok(p2.layers.existing >= 1, 'the base layer is already in the registry');
    assert.notEqual(p2.digest, p.digest);
  });

  test('a working tree with changes: refused before docker runs, or tagged -dirty when accepted', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base });
    writeFileSync(join(dir, 'app.txt'), 'uncommitted\n');
    const sha = git(dir, 'rev-parse', '--short=7', 'HEAD');
    const cap = capture();
    await assert.rejects(buildImage(ctx({ captured: cap }), { project }), (e: unknown) => e instanceof PilotError && e.code === 'tag.dirtyTree' && e.kind === 'input' && /app\.txt/.test(e.message));
    assert.equal(cap.output.length, 0, 'docker did not run');
    const b = await buildImage(ctx(), { project, allowDirty: true });
    assert.equal(b.tag, `${sha}-dirty`);
    assert.equal(b.dirty, true);
    // a change outside the build inputs does not make the build dirty
    git(dir, 'checkout', '--', 'app.txt');
    writeFileSync(join(dir, 'gitops-pilot.yaml'), readFileSync(join(dir, 'gitops-pilot.yaml'), 'utf8').replace('context: .', 'context: src'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.txt'), 'x\n');
    writeFileSync(join(dir, 'src', 'Dockerfile'), `FROM ${base}\nCOPY app.txt /app.txt\n`);
    git(dir, 'add', 'src');
    git(dir, 'commit', '-qm', 'src');
    writeFileSync(join(dir, 'README.md'), 'notes, not built\n');
    const plan = await planBuild(ctx(), { project: (await loadProject(dir))!, dockerfile: join(dir, 'src', 'Dockerfile') });
    assert.equal(plan.tag.dirty, false);
  });

  test('Cancel during a RUN step stops docker build; no tag, nothing reported built', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base, dockerfile: `FROM ${base}\nARG NONCE=none\nRUN echo "started $NONCE"; sleep 60; echo never\nCMD ["/bin/sh"]\n` });
    const ac = new AbortController();
    const cap = capture();
    const c = ctx({ captured: cap, signal: ac.signal });
    const plan = await planBuild(c, { project });
    const watching = setInterval(() => {
      if (cap.output.some((l) => l.startsWith('started '))) ac.abort();
    }, 50);
    try {
      await assert.rejects(buildImage(c, { project }), (e: unknown) => isCancelled(e));
    } finally {
      clearInterval(watching);
    }
    const tagged = await docker(daemon, ['image', 'inspect', plan.image], { configDir });
    assert.notEqual(tagged.code, 0, `${plan.image} must not exist`);
    const running = await docker(daemon, ['ps', '--filter', 'status=running', '--format', '{{.Command}}'], { configDir });
    assert.ok(!running.stdout.includes('sleep 60'), 'the RUN container was stopped');
  });

  test('a failing step: its name, docker\'s error and its last lines', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base, dockerfile: `FROM ${base}\nARG NONCE=none\nRUN echo "compiling $NONCE" && echo "error: missing semicolon at main.c:3" && exit 2\n` });
    await assert.rejects(buildImage(ctx(), { project }), (e: unknown) => {
      assert.ok(e instanceof PilotError);
      assert.equal(e.code, 'build.failed');
      assert.match(e.message, /^docker build failed at Step 3\/4: RUN echo "compiling \$NONCE".*returned a non-zero code: 2$/);
      assert.match(e.hint ?? '', /missing semicolon at main\.c:3/);
      return true;
    });
  });

  for (const cli of dockerClis()) {
    test(`docker CLI ${cli}: the classic builder's steps and the push output parse`, async () => {
      const dir = appDir();
      const project = await makeApp(dir, { repository: repository(), base });
      const cap = capture();
      const c = ctx({ cli, captured: cap });
      const b = await buildImage(c, { project });
      assert.equal(b.builder, 'classic');
      assert.equal(b.steps, 3);
      const p = await pushImage(c, { project, tag: b.tag });
      assert.equal((await registry.headManifest('demo-app', b.tag))?.digest, p.digest);
      assert.ok(cap.progress.some((m) => /^pushing .*: \d+\/\d+ layers/.test(m)), cap.progress.join('\n'));
    });
  }

  test('BuildKit (docker 20.10 with DOCKER_BUILDKIT=1): "[i/n]" steps, the image id, the push', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base, dockerfile: `FROM ${base} AS build\nARG NONCE=none\nCOPY app.txt /out/app.txt\nFROM ${base}\nCOPY --from=build /out/app.txt /app/app.txt\nCOPY gitops-pilot.yaml /app/config.yaml\n` });
    const cap = capture();
    const c = ctx({ cli: '/usr/bin/docker', dockerEnvExtra: { DOCKER_BUILDKIT: '1' }, captured: cap });
    const b = await buildImage(c, { project });
    assert.equal(b.builder, 'buildkit');
    assert.ok(cap.progress.includes('[build 2/2] COPY app.txt /out/app.txt'), cap.progress.join('\n'));
    assert.ok(cap.progress.includes('[stage-1 3/3] COPY gitops-pilot.yaml /app/config.yaml'));
    assert.match(b.imageId, /^sha256:[0-9a-f]{64}$/);
    const p = await pushImage(c, { project, tag: b.tag });
    assert.equal((await registry.headManifest('demo-app', b.tag))?.digest, p.digest);
  });

  test('tag policies end to end: semver from a version tag, build numbers from the registry', async () => {
    const dir = appDir();
    const project = await makeApp(dir, { repository: repository(), base, tag: 'semver' });
    git(dir, 'tag', 'v2.3.0');
    const b = await buildImage(ctx(), { project });
    assert.equal(b.tag, '2.3.0');
    writeFileSync(join(dir, 'app.txt'), 'next\n');
    git(dir, 'commit', '-qam', 'next');
    const after = await planBuild(ctx(), { project });
    assert.equal(after.tag.tag, `2.3.0-1-g${git(dir, 'rev-parse', '--short=7', 'HEAD')}`);

    const dir2 = appDir();
    const numbered = await makeApp(dir2, { repository: repository(), base, tag: 'build' });
    const c = ctx();
    const first = await buildImage(c, { project: numbered });
    await pushImage(c, { project: numbered, tag: first.tag });
    // a clone elsewhere (no local counter) continues from what the registry has
    const clone = appDir();
    git(tmp.dir, 'clone', '-q', dir2, clone);
    const other = await planBuild(ctx(), { project: (await loadProject(clone))! });
    const m = /^build-(\d+)$/.exec(first.tag);
    assert.ok(m, first.tag);
    assert.equal(other.tag.tag, `build-${Number(m[1]) + 1}`);
    // and the repository's own counter remembers the number it used even before it is pushed
    const local = await buildImage(ctx(), { project: numbered });
    assert.equal(local.tag, `build-${Number(m[1]) + 1}`);
    assert.equal((await planBuild(ctx(), { project: numbered })).tag.tag, `build-${Number(m[1]) + 2}`);
  });

  test("tag policies in CI: the CI's build number, the CI's branch on a detached checkout, git's own errors", async () => {
    const dir = appDir();
    const numbered = await makeApp(dir, { repository: repository(), base, tag: 'build' });
    const ci = await planBuild(ctx({ env: { GITHUB_RUN_NUMBER: '77' } }), { project: numbered });
    assert.deepEqual([ci.tag.tag, ci.tag.source], ['build-77', 'build number 77 from GITHUB_RUN_NUMBER (GitHub Actions)']);
    await assert.rejects(planBuild(ctx({ env: { BUILD_NUMBER: 'abc' } }), { project: numbered }), (e: unknown) => e instanceof PilotError && e.code === 'tag.badBuildNumber' && e.kind === 'input');

    const dir2 = appDir();
    const branchy = await makeApp(dir2, { repository: repository(), base, tag: 'branch-sha' });
    const sha = git(dir2, 'rev-parse', '--short=7', 'HEAD');
    git(dir2, 'checkout', '-q', '--detach');
    await assert.rejects(planBuild(ctx(), { project: branchy }), (e: unknown) => e instanceof PilotError && e.code === 'tag.detachedHead');
    assert.equal((await planBuild(ctx({ env: { CI_COMMIT_REF_NAME: 'release/2.x' } }), { project: branchy })).tag.tag, `release-2.x-${sha}`);
    // untracked files in the build inputs are changes too (listed one by one), through the same git backend
    mkdirSync(join(dir2, 'assets', 'new'), { recursive: true });
    writeFileSync(join(dir2, 'assets', 'new', 'a b.txt'), 'x\n');
    await assert.rejects(planBuild(ctx({ env: { BRANCH_NAME: 'main' } }), { project: branchy }), (e: unknown) => e instanceof PilotError && e.code === 'tag.dirtyTree' && /assets\/new\/a b\.txt/.test(e.message));

    const plain = appDir();
    mkdirSync(plain, { recursive: true });
    writeFileSync(join(plain, 'Dockerfile'), `FROM ${base}\n`);
    writeFileSync(join(plain, 'gitops-pilot.yaml'), `image:\n  repository: ${repository()}\n  tag: sha\n`);
    const notRepo = (await loadProject(plain))!;
    await assert.rejects(planBuild(ctx(), { project: notRepo }), (e: unknown) => e instanceof PilotError && e.kind === 'input' && /not in a git repository|outside the repository/.test(e.message));
  });

  test('no registry token appears in any log line, progress message or docker output', () => {
    const text = everything.text();
    assert.ok(text.length > 1000, 'there is output to scan');
    assert.deepEqual(leakedTokens(stack.ecr, text), []);
  });
});
