/**
 * Build + push overhead: GitOps Pilot's build → push (tag policy from git, ECR repository check, login from
 * the cache, docker build, docker tag, docker push, DescribeImages confirmation) against the plain pipeline
 * `docker build -t … && docker push …` of the same image (same Dockerfile, build args and revision label), on
 * the real Docker engine and the ECR emulator, in the same run with a warm cache. Every measurement builds a
 * new commit (a changed app file: one new layer to build and upload, the base layer cached and already in
 * the registry); the two ways alternate so neither always runs first. Also the same through the CLI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../src/core/config/project';
import { buildImage } from '../../src/core/images/build';
import { pushImage } from '../../src/core/images/push';
import { TokenCache } from '../../src/core/images/login';
import { cliPath } from '../support/cliProcess';
import { dockerOk, ensureBaseImage, removeImages, startDockerd } from '../support/dockerd';
import { awsCliEnv, awsEcr } from '../support/ecr/awsCli';
import { startEcrStack } from '../support/ecr/emulator';
import { git } from '../support/gitRepos';
import { run } from '../support/proc';
import { tempDir } from '../support/tmp';
import { cliImageEnv, imageContext, makeApp, useEmulatorCredentials } from '../integration/images/helpers';
import { median, timed, type Results } from './results';

const ROUNDS = 5;

export async function benchImages(results: Results): Promise<void> {
  const daemon = await startDockerd();
  const stack = await startEcrStack({ repositories: [{ name: 'demo-app' }] });
  const tmp = tempDir('gitops-pilot-bench-images-');
  try {
    const configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    useEmulatorCredentials(stack.ecr, tmp.dir);
    const base = await ensureBaseImage(daemon);
    const repository = stack.ecr.repositoryUri('demo-app');
    const dir = join(tmp.dir, 'app');
    // a typical small service image: the base, a RUN step, the app files
    const dockerfile = `FROM ${base}\nARG VERSION=dev\nRUN mkdir -p /app && echo "$VERSION" > /app/version\nCOPY app.txt /app/app.txt\nCMD ["/bin/sh", "-c", "cat /app/app.txt"]\n`;
    await makeApp(dir, { repository, base, dockerfile });
    const tokens = new TokenCache();
    const ctx = () => imageContext({ daemon, ecr: stack.ecr, configDir, tokens, limits: {} });
    let n = 0;
    const change = () => {
      writeFileSync(join(dir, 'app.txt'), `demo-app change ${++n} ${Date.now()}\n`);
      git(dir, 'commit', '-qam', `change ${n}`);
      return git(dir, 'rev-parse', 'HEAD');
    };
    const ours = async () => {
      change();
      const project = (await loadProject(dir))!;
      const b = await buildImage(ctx(), { project });
      await pushImage(ctx(), { project, tag: b.tag, repository: b.repository, built: true });
    };
    const plain = async () => {
      const sha = change();
      const ref = `${repository}:plain-${sha.slice(0, 7)}`;
      // what a pipeline runs, with the same build arguments and revision label as GitOps Pilot's build
      await dockerOk(daemon, ['build', '--file', join(dir, 'Dockerfile'), '--force-rm', '--build-arg', 'VERSION=1.0', '--build-arg', `NONCE=bench`, '--label', `org.opencontainers.image.revision=${sha}`, '-t', ref, dir], { configDir, timeoutMs: 300_000 });
      await dockerOk(daemon, ['push', ref], { configDir, timeoutMs: 300_000 });
    };
    // a pipeline step as CI runs it: a fresh login each run (`aws ecr get-login-password | docker login`)
    const awsEnv = awsCliEnv(stack.ecr, tmp.dir);
    const plainWithLogin = async () => {
      const pw = await awsEcr(stack.ecr, awsEnv, ['get-login-password']);
      if (pw.code !== 0) throw new Error(`aws ecr get-login-password: ${pw.stderr}`);
      await dockerOk(daemon, ['login', '--username', 'AWS', '--password-stdin', stack.ecr.registryHost], { configDir, input: pw.stdout.trim(), secrets: [pw.stdout.trim()] });
      await plain();
    };
    const cliEnv = cliImageEnv(daemon, configDir, stack.ecr, tmp.dir);
    const cli = async () => {
      change();
      const r = await run(process.execPath, [cliPath, 'build', '--push'], {
        cwd: dir,
        env: cliEnv,
        timeoutMs: 300_000,
      });
      if (r.code !== 0) throw new Error(`gitops-pilot build --push: ${r.stderr}`);
    };

    // warm up: the base layer in the registry, the login cached, docker's build cache primed
    await ours();
    await plain();
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const order = i % 2 === 0 ? [ours, plain] : [plain, ours];
      for (const fn of order) (fn === ours ? a : b).push((await timed(fn))[1]);
      const pipelines = i % 2 === 0 ? [cli, plainWithLogin] : [plainWithLogin, cli];
      for (const fn of pipelines) (fn === cli ? c : d).push((await timed(fn))[1]);
    }
    results.add({
      name: 'images: build + push through the core (warm cache, new commit each time)',
      value: median(a),
      unit: 'ms',
      peer: 'docker build -t && docker push',
      peerValue: median(b),
      note: `median of ${ROUNDS}; ours adds git (tag policy, dirty check), ECR DescribeRepositories + DescribeImages (the confirmation) and a docker tag once the build succeeded; login cached`,
    });
    results.add({
      name: 'images: gitops-pilot build --push (new process, logs in each run)',
      value: median(c),
      unit: 'ms',
      peer: 'aws ecr get-login-password | docker login; docker build -t; docker push',
      peerValue: median(d),
      note: `median of ${ROUNDS}; AWS CLI v2 for the peer's token`,
    });
  } finally {
    await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack.close();
    await daemon.stop();
    tmp.cleanup();
  }
}
