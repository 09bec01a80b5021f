// Registry tokens from GetAuthorizationToken expire; docker's basic auth with an expired one is really
// rejected by the emulator's registry endpoint, before a push and in the middle of one.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerBuild, removeImages, ensureBaseImage, parsePushDigest, startDockerd, writeSampleApp, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { awsCliEnv, awsEcr } from '../../support/ecr/awsCli';
import { waitFor } from '../../support/proc';
import { tempDir } from '../../support/tmp';

describe('ECR registry tokens expire', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let env: NodeJS.ProcessEnv;
  let configDir: string;
  let base: string;
  const secrets: string[] = [];

  const image = (tag: string) => `${stack.ecr.registryHost}/demo-app:${tag}`;

  async function login(): Promise<void> {
    const pw = await awsEcr(stack.ecr, env, ['get-login-password']);
    assert.equal(pw.code, 0, pw.stderr);
    const password = pw.stdout.trim();
    secrets.push(password);
    const r = await docker(daemon, ['login', stack.ecr.registryHost, '-u', 'AWS', '--password-stdin'], { configDir, input: password });
    assert.equal(r.code, 0, r.stderr);
  }

  async function build(version: string): Promise<void> {
    const app = writeSampleApp({ base, version });
    try {
      await dockerBuild(daemon, app.dir, [image(version)]);
    } finally {
      app.cleanup();
    }
  }

  function assertNoSecrets(text: string): void {
    for (const s of secrets) assert.ok(!text.includes(s), 'a registry token leaked into output');
  }

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: ['demo-app'] });
    tmp = tempDir('gitops-pilot-ecr-expiry-');
    env = awsCliEnv(stack.ecr, tmp.dir);
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    base = await ensureBaseImage(daemon);
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  test('a push with a valid login works', async () => {
    await login();
    await build('e1');
    const push = await docker(daemon, ['push', image('e1')], { configDir, timeoutMs: 180_000 });
    assert.equal(push.code, 0, push.stderr);
    assertNoSecrets(push.stdout + push.stderr);
  });

  test('after expireTokens() the old login is refused with ECR\'s "token has expired"; a fresh token works', async () => {
    assert.ok(stack.ecr.expireTokens() >= 1);
    await build('e2');
    const push = await docker(daemon, ['push', image('e2')], { configDir, timeoutMs: 180_000 });
    assert.notEqual(push.code, 0, 'push with an expired token must fail');
    assert.match(push.stderr + push.stdout, /denied: Your authorization token has expired\. Reauthenticate and try again\./);
    assertNoSecrets(push.stdout + push.stderr);
    assert.ok(stack.ecr.stats().registry.authFailures.expired >= 1);

    // logging in again with the expired token is refused too
    const stale = await docker(daemon, ['login', stack.ecr.registryHost, '-u', 'AWS', '--password-stdin'], { configDir: join(tmp.dir, 'stale'), input: secrets.at(-1)! });
    assert.notEqual(stale.code, 0);
    assert.match(stale.stderr, /failed with status: 403 Forbidden/);

    await login();
    const retry = await docker(daemon, ['push', image('e2')], { configDir, timeoutMs: 180_000 });
    assert.equal(retry.code, 0, retry.stderr);
  });

  test('a token that expires during a long push fails it; re-login once and retry succeeds', async () => {
    await build('e3');
    // hold the first layer-completing PUT long enough to expire the token while the push is under way
    const slow = stack.ecr.faults.add({ op: 'upload', method: 'PUT', kind: 'delay', delayMs: 1_500 });
    const pushing = docker(daemon, ['push', image('e3')], { configDir, timeoutMs: 180_000 });
    await waitFor('the push to reach a layer upload', () => slow.hits > 0, { timeoutMs: 60_000, intervalMs: 20 });
    stack.ecr.expireTokens();
    const failed = await pushing;
    assert.notEqual(failed.code, 0, failed.stdout);
    // which request meets the expired token first varies: a PUT shows ECR's message, a HEAD (blob check)
    // has no body and docker reports the bare 403
    assert.match(failed.stderr + failed.stdout, /Your authorization token has expired|HTTP 403/);

    await login();
    const retry = await docker(daemon, ['push', image('e3')], { configDir, timeoutMs: 180_000 });
    assert.equal(retry.code, 0, retry.stderr);
    const digest = parsePushDigest(retry.stdout)?.digest;
    const d = await awsEcr<any>(stack.ecr, env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', 'imageTag=e3']);
    assert.equal(d.json.imageDetails[0].imageDigest, digest);
  });

  test('a token with a short lifetime expires by itself', async () => {
    const short = stack.ecr.issueToken(5_000);
    const cfg = join(tmp.dir, 'short');
    mkdirSync(cfg);
    const ok = await docker(daemon, ['login', stack.ecr.registryHost, '-u', 'AWS', '--password-stdin'], { configDir: cfg, input: short.password });
    assert.equal(ok.code, 0, ok.stderr);
    await waitFor('the token to expire', () => stack.ecr.store.checkToken(short.password) === 'expired', { timeoutMs: 20_000, intervalMs: 100 });
    const again = await docker(daemon, ['login', stack.ecr.registryHost, '-u', 'AWS', '--password-stdin'], { configDir: cfg, input: short.password });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /failed with status: 403 Forbidden/);
  });
});
