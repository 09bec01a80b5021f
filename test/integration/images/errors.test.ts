/**
 * Every error of the "Clear errors" list, each caused for real (a missing docker, a stopped daemon, an
 * AWS identity without credentials or with an expired SSO session, IAM denials from the emulator, a closed
 * registry port, an immutable repository, a token that expires mid-push) and checked for its own code,
 * a message that says what happened and a hint that says what to do. None of them prints a token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeError, nullLogger } from '../../../src/core/log';
import { PilotError } from '../../../src/core/errors';
import { EcrClients } from '../../../src/core/images/context';
import { buildImage } from '../../../src/core/images/build';
import { pushImage } from '../../../src/core/images/push';
import { TokenCache } from '../../../src/core/images/login';
import { ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { waitFor } from '../../support/proc';
import { tempDir } from '../../support/tmp';
import { capture, imageContext, leakedTokens, makeApp, useEmulatorCredentials } from './helpers';

describe('clear errors for build and push', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let base: string;
  let configDir: string;
  const everything = capture();
  const errorsSeen: string[] = [];
  let n = 0;

  const ctx = (extra: Partial<Parameters<typeof imageContext>[0]> = {}) => imageContext({ daemon, ecr: stack.ecr, configDir, captured: everything, ...extra });
  const app = (opts: Partial<Parameters<typeof makeApp>[1]> = {}) => makeApp(join(tmp.dir, `app${n++}`), { repository: stack.ecr.repositoryUri('demo-app'), base, ...opts });

  /** Awaits a rejection with this code; keeps the whole error (message, hint, detail) for the token scan. */
  async function expectError(p: Promise<unknown>, code: string, message: RegExp, hint: RegExp): Promise<PilotError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof PilotError, `expected a PilotError, got ${describeError(e)}`);
      errorsSeen.push(e.toUserString(), e.detail ?? '', describeError(e));
      assert.equal(e.code, code, `${e.code}: ${e.toUserString()}`);
      assert.match(e.message, message);
      assert.match(e.hint ?? '', hint);
      return e;
    }
    assert.fail(`expected ${code}`);
  }

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app' }, { name: 'locked', imageTagMutability: 'IMMUTABLE' }] });
    tmp = tempDir('gitops-pilot-images-errors-');
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    useEmulatorCredentials(stack.ecr, tmp.dir);
    base = await ensureBaseImage(daemon);
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  test('Docker not installed: names the setting to fix', async () => {
    const project = await app();
    await expectError(buildImage(ctx({ cli: join(tmp.dir, 'no-such-docker') }), { project }), 'docker.notInstalled', /The Docker CLI was not found/, /gitopsPilot\.docker\.path/);
  });

  test('Docker daemon not running', async () => {
    const project = await app();
    await expectError(buildImage(ctx({ dockerEnvExtra: { DOCKER_HOST: `unix://${join(tmp.dir, 'nobody.sock')}` } }), { project }), 'docker.daemonDown', /Docker daemon is not running/, /Start Docker/);
  });

  test('build failed: the failing BuildKit step and its error', async () => {
    const project = await app({ dockerfile: `FROM ${base}\nCOPY app.txt /app/\nCOPY missing.txt /app/\n` });
    await expectError(buildImage(ctx({ cli: '/usr/bin/docker', dockerEnvExtra: { DOCKER_BUILDKIT: '1' } }), { project }), 'build.failed', /at \[3\/3\] COPY missing\.txt \/app\/: .*"\/missing\.txt" not found/, /.+/);
  });

  test('no AWS credentials', async () => {
    const project = await app();
    const c = ctx();
    const b = await buildImage(c, { project });
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      await expectError(pushImage(ctx({ clients: new EcrClients(nullLogger) }), { project, tag: b.tag }), 'aws.noCredentials', /no AWS credentials/, /aws configure|aws sso login/);
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret });
    }
  });

  test('expired AWS SSO session: says to run aws sso login for the profile', async () => {
    const home = join(tmp.dir, 'sso-home');
    mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
    const config = join(home, '.aws', 'config');
    writeFileSync(config, '[profile sso-dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Developer\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n');
    const cacheFile = join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`);
    writeFileSync(cacheFile, JSON.stringify({ startUrl: 'https://corp.awsapps.com/start', region: 'us-east-1', accessToken: 'expired-sso-access-token', expiresAt: '2020-01-01T00:00:00Z' }));
    const project = await app();
    const saved = { ...process.env };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    Object.assign(process.env, { HOME: home, AWS_CONFIG_FILE: config });
    try {
      await expectError(pushImage(ctx({ clients: new EcrClients(nullLogger), profile: 'sso-dev' }), { project, tag: 'abc1234' }), 'aws.ssoExpired', /SSO session has expired/, /aws sso login --profile sso-dev/);
    } finally {
      for (const k of ['HOME', 'AWS_CONFIG_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) process.env[k] = saved[k];
    }
  });

  test('expired AWS credentials (session token)', async () => {
    const project = await app();
    stack.ecr.expireCredentials(true);
    try {
      await expectError(pushImage(ctx({ clients: new EcrClients(nullLogger) }), { project, tag: 'abc1234' }), 'aws.credentialsExpired', /AWS credentials have expired/, /Refresh them/);
    } finally {
      stack.ecr.expireCredentials(false);
    }
  });

  test('access denied: names the permission (ecr:GetAuthorizationToken on the API, ecr:PutImage on the registry)', async () => {
    const project = await app();
    const c = ctx({ tokens: new TokenCache() });
    const b = await buildImage(c, { project });
    stack.ecr.denyAction('ecr:GetAuthorizationToken');
    try {
      await expectError(pushImage(c, { project, tag: b.tag }), 'aws.accessDenied', /may not ecr:GetAuthorizationToken/, /ecr:GetAuthorizationToken permission/);
    } finally {
      stack.ecr.allowAction('ecr:GetAuthorizationToken');
    }
    stack.ecr.denyAction('ecr:PutImage');
    try {
      await expectError(pushImage(c, { project, tag: b.tag }), 'registry.accessDenied', /may not ecr:PutImage on arn:aws:ecr:us-east-1:123456789012:repository\/demo-app/, /ecr:PutImage permission/);
    } finally {
      stack.ecr.allowAction('ecr:PutImage');
    }
  });

  test('repository missing: refused when not confirmed (nothing uploaded); created with scan-on-push when confirmed', async () => {
    const project = await app({ repository: stack.ecr.repositoryUri('new-app') });
    const c = ctx();
    const b = await buildImage(c, { project });
    stack.ecr.resetStats();
    const asked: string[] = [];
    await expectError(pushImage(c, { project, tag: b.tag, createRepository: (name) => (asked.push(name), false) }), 'registry.repositoryMissing', /new-app does not exist/, /Create it/);
    assert.deepEqual(asked, ['new-app']);
    assert.equal(stack.ecr.stats().registry.requests, 0, 'nothing was sent to the registry');
    const p = await pushImage(c, { project, tag: b.tag, createRepository: () => true });
    assert.equal(p.createdRepository, true);
    const repo = await (await c.clients.get(c.ecr)).repository('new-app');
    assert.equal(repo?.scanOnPush, true);
    assert.equal((await (await c.clients.get(c.ecr)).image('new-app', b.tag))?.digest, p.digest);
  });

  test('a tag that was never built here: refused before asking to create the repository, nothing uploaded', async () => {
    const project = await app({ repository: stack.ecr.repositoryUri('never-built') });
    stack.ecr.resetStats();
    const asked: string[] = [];
    await expectError(pushImage(ctx(), { project, tag: 'not-built-1', createRepository: (name) => (asked.push(name), true) }), 'image.notBuilt', /never-built:not-built-1 is not a local image/, /Build it first/);
    assert.deepEqual(asked, [], 'no question about a repository for an image that does not exist');
    assert.equal(stack.ecr.stats().registry.requests, 0, 'nothing was sent to the registry');
    assert.equal(stack.ecr.stats().api.byAction.CreateRepository?.count ?? 0, 0);
  });

  test('registry unreachable', async () => {
    // a port nothing listens on, with the repository the ECR API knows
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const project = await app({ repository: `127.0.0.1:${port}/demo-app` });
    const c = ctx({ tokens: new TokenCache() });
    const b = await buildImage(c, { project });
    await expectError(pushImage(c, { project, tag: b.tag }), 'registry.unreachable', new RegExp(`registry 127\\.0\\.0\\.1:${port} cannot be reached`), /Check the network/);
  });

  test('immutable tag exists: refused before any upload, with its own message', async () => {
    const project = await app({ repository: stack.ecr.repositoryUri('locked') });
    const c = ctx();
    const b = await buildImage(c, { project });
    await pushImage(c, { project, tag: b.tag });
    stack.ecr.resetStats();
    const e = await expectError(pushImage(c, { project, tag: b.tag }), 'registry.tagImmutable', /already exists and the repository is immutable/, /new commit/);
    assert.equal(e.kind, 'input');
    assert.equal(stack.ecr.stats().registry.byOp['PUT manifest'] ?? 0, 0, 'nothing was pushed');
    assert.ok((stack.ecr.stats().api.byAction.DescribeImages?.count ?? 0) >= 1, 'checked with DescribeImages');
  });

  test('token expired during a long push: logs in again once and the push succeeds', async () => {
    const project = await app();
    const c = ctx({ tokens: new TokenCache() });
    const b = await buildImage(c, { project });
    stack.ecr.resetStats();
    // hold the manifest upload until the token has expired: the registry then refuses it, as ECR does
    const held = stack.ecr.faults.add({ op: 'manifest', method: 'PUT', kind: 'delay', delayMs: 500 });
    const pushing = pushImage(c, { project, tag: b.tag });
    await waitFor('the push to reach the manifest upload', () => held.hits > 0, { timeoutMs: 60_000, intervalMs: 10 });
    stack.ecr.expireTokens();
    const p = await pushing;
    assert.equal(p.attempts, 2);
    assert.equal(stack.ecr.stats().api.byAction.GetAuthorizationToken?.count, 2, 'one fresh token');
    assert.ok(everything.lines.some((l) => /logging in again and retrying once/.test(l)));
  });

  test('none of these errors, logs or outputs contains a registry token', () => {
    const text = [everything.text(), ...errorsSeen].join('\n');
    assert.ok(errorsSeen.length >= 20);
    assert.deepEqual(leakedTokens(stack.ecr, text), []);
  });
});
