/**
 * Registry and Docker faults during build and push, injected into the real stack (dockerd, a real registry
 * behind the ECR emulator's auth proxy, the ECR API): 5xx answers, 429s, resets and hangs on every kind of
 * registry request, slow answers, failing and hanging ECR API calls, registry tokens expiring before and in
 * the middle of a push, and a Docker daemon stopped in the middle of a build.
 *
 * Each scenario must end either recovered — the push is reported only with a digest that the registry really
 * has under the tag — or with a clear error (its own code, a message, a next step, no token in it). It counts
 * what it tried and prints "registry faults: N tried, N survived, 0 failures". Bounded: hangs meet short
 * inactivity limits (push) and request timeouts (API), retries wait 100 ms.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../../../src/core/config/model';
import { isCancelled, PilotError } from '../../../src/core/errors';
import { buildImage } from '../../../src/core/images/build';
import { pushImage } from '../../../src/core/images/push';
import { TokenCache } from '../../../src/core/images/login';
import { describeError } from '../../../src/core/log';
import { docker, ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import type { FaultRule } from '../../support/ecr/faults';
import { waitFor } from '../../support/proc';
import { RegistryClient } from '../../support/registryClient';
import { tempDir } from '../../support/tmp';
import { capture, imageContext, leakedTokens, makeApp, useEmulatorCredentials } from '../images/helpers';

/** Errors that say what happened and what to do, for the faults below. */
const CLEAR = new Set([
  'registry.serverError',
  'registry.throttled',
  'registry.timeout',
  'registry.retrying',
  'registry.unreachable',
  'registry.tokenExpired',
  'push.notConfirmed',
  'ecr.unavailable',
  'ecr.unreachable',
  'aws.accessDenied',
  'docker.daemonStopped',
  'docker.daemonDown',
]);

interface Tally {
  tried: number;
  recovered: number;
  clearErrors: number;
  failures: string[];
}

describe('registry faults: recovered or a clear error, never a push reported that the registry does not have', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let base: string;
  let configDir: string;
  let project: Project;
  let appDir: string;
  let imageId: string;
  let registry: RegistryClient;
  const everything = capture();
  const tally: Tally = { tried: 0, recovered: 0, clearErrors: 0, failures: [] };
  let n = 0;

  const ctx = (extra: Partial<Parameters<typeof imageContext>[0]> = {}) =>
    imageContext({ daemon, ecr: stack.ecr, configDir, captured: everything, limits: { pushIdleMs: 1_500, pushAttempts: 3, retryDelayMs: 100 }, ecrExtra: { requestTimeoutMs: 1_000, connectTimeoutMs: 1_000 }, ...extra });

  /** A new tag of the built image (its layers are in the registry after the first push: only HEADs and the manifest PUT run). */
  async function freshTag(): Promise<string> {
    const tag = `fault-${++n}`;
    const r = await docker(daemon, ['tag', imageId, `${stack.ecr.repositoryUri('demo-app')}:${tag}`], { configDir });
    assert.equal(r.code, 0, r.stderr);
    return tag;
  }

  /** A new image with a layer the registry has never seen (so the push uploads). */
  async function freshLayerTag(): Promise<string> {
    writeFileSync(join(appDir, 'app.txt'), `fault layer ${++n} ${Date.now()}\n`);
    const b = await buildImage(ctx(), { project, allowDirty: true });
    const tag = `fault-${n}`;
    await docker(daemon, ['tag', b.imageId, `${stack.ecr.repositoryUri('demo-app')}:${tag}`], { configDir });
    return tag;
  }

  /**
   * Runs one push under a fault and judges it. `expect`: 'recover' when the fault is passing, else the
   * error codes that are right for it (recovering anyway is also fine).
   */
  async function scenario(
    name: string,
    opts: { tag: () => Promise<string>; faults?: FaultRule[]; expect: 'recover' | readonly string[]; during?: (tag: string) => Promise<void>; tokens?: TokenCache; push?: (tag: string) => Promise<{ digest: string }>; attempts?: number },
  ): Promise<void> {
    tally.tried++;
    const tag = await opts.tag();
    for (const f of opts.faults ?? []) stack.ecr.faults.add(f);
    const c = ctx({ tokens: opts.tokens ?? sharedTokens, limits: { pushIdleMs: 1_500, pushAttempts: opts.attempts ?? 3, retryDelayMs: 100 } });
    try {
      const pushing = opts.push ? opts.push(tag) : pushImage(c, { project, tag });
      const during = opts.during?.(tag);
      const [r] = await Promise.all([pushing, during]);
      const inRegistry = await registry.headManifest('demo-app', tag);
      if (!inRegistry || inRegistry.digest !== r.digest) {
        tally.failures.push(`${name}: reported pushed as ${r.digest}, the registry has ${inRegistry?.digest ?? 'nothing'}`);
        assert.fail(tally.failures.at(-1));
      }
      tally.recovered++;
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      const text = describeError(e);
      const problem = !(e instanceof PilotError) || isCancelled(e)
        ? `not a PilotError: ${text}`
        : !CLEAR.has(e.code)
          ? `unclear error ${e.code}: ${e.message}`
          : !e.hint
            ? `${e.code} without a next step`
            : opts.expect === 'recover'
              ? `did not recover: ${e.code}: ${e.message}`
              : !opts.expect.includes(e.code)
                ? `expected ${opts.expect.join(' or ')}, got ${e.code}: ${e.message}`
                : leakedTokens(stack.ecr, `${e.toUserString()}\n${e.detail ?? ''}`).length
                  ? `${e.code} shows a registry token`
                  : undefined;
      if (problem) {
        tally.failures.push(`${name}: ${problem}`);
        assert.fail(`${name}: ${problem}`);
      }
      tally.clearErrors++;
    } finally {
      stack.ecr.faults.clear();
      stack.ecr.allowAction('GetAuthorizationToken');
    }
  }

  let sharedTokens: TokenCache;

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app' }] });
    tmp = tempDir('gitops-pilot-registry-faults-');
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    useEmulatorCredentials(stack.ecr, tmp.dir);
    base = await ensureBaseImage(daemon);
    registry = new RegistryClient({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password });
    appDir = join(tmp.dir, 'app');
    project = await makeApp(appDir, { repository: stack.ecr.repositoryUri('demo-app'), base });
    sharedTokens = new TokenCache();
    const b = await buildImage(ctx(), { project });
    imageId = b.imageId;
    await pushImage(ctx({ tokens: sharedTokens }), { project, tag: b.tag });
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  // ── registry answers 5xx / 429 / resets: passing faults are retried, lasting ones are reported ──
  const passing: [string, FaultRule][] = [
    ['manifest PUT 503 once', { op: 'manifest', method: 'PUT', kind: 'status', status: 503 }],
    ['manifest PUT 500 once', { op: 'manifest', method: 'PUT', kind: 'status', status: 500 }],
    ['manifest PUT 502 twice', { op: 'manifest', method: 'PUT', kind: 'status', status: 502, times: 2 }],
    ['manifest PUT 429 once', { op: 'manifest', method: 'PUT', kind: 'status', status: 429 }],
    ['manifest PUT connection reset once', { op: 'manifest', method: 'PUT', kind: 'reset' }],
    ['registry ping (GET /v2/) 503 once', { op: 'ping', kind: 'status', status: 503 }],
    ['registry ping reset once', { op: 'ping', kind: 'reset' }],
    ['blob HEAD 503 once', { op: 'blob', method: 'HEAD', kind: 'status', status: 503 }],
    ['manifest PUT slow (1 s) once', { op: 'manifest', method: 'PUT', kind: 'delay', delayMs: 1_000 }],
  ];
  for (const [name, rule] of passing) {
    test(`recovers: ${name}`, () => scenario(name, { tag: freshTag, faults: [rule], expect: 'recover' }));
  }

  const lasting: [string, FaultRule, string[]][] = [
    ['manifest PUT 503 every time', { op: 'manifest', method: 'PUT', kind: 'status', status: 503, times: Infinity }, ['registry.serverError']],
    // docker pings first: a failing ping breaks the session's auth, and docker retries its layers by itself
    ['registry ping 500 every time', { op: 'ping', kind: 'status', status: 500, times: Infinity }, ['registry.serverError', 'registry.retrying']],
    ['manifest PUT 429 every time', { op: 'manifest', method: 'PUT', kind: 'status', status: 429, times: Infinity }, ['registry.throttled']],
    ['every registry connection reset', { kind: 'reset', times: Infinity }, ['registry.unreachable']],
  ];
  for (const [name, rule, codes] of lasting) {
    // two attempts are enough to see a lasting fault last (one for the ping: docker's own retries take 5 s)
    test(`clear error: ${name}`, () => scenario(name, { tag: freshTag, faults: [rule], expect: codes, attempts: name.startsWith('registry ping') ? 1 : 2 }));
  }
  test('clear error: every layer upload fails (docker retries the layer, then GitOps Pilot stops it)', () =>
    scenario('every layer upload 500', { tag: freshLayerTag, faults: [{ op: 'upload', method: 'POST', kind: 'status', status: 500, times: Infinity }], expect: ['registry.retrying'], attempts: 1 }));

  // ── timeouts: a registry that stops answering ──
  test('recovers: manifest PUT hangs once (docker push stopped for silence, pushed again)', () =>
    scenario('manifest PUT hangs once', { tag: freshTag, faults: [{ op: 'manifest', method: 'PUT', kind: 'hang' }], expect: 'recover' }));
  test('clear error: manifest PUT hangs every time', () =>
    scenario('manifest PUT hangs every time', { tag: freshTag, faults: [{ op: 'manifest', method: 'PUT', kind: 'hang', times: Infinity }], expect: ['registry.timeout'], attempts: 2 }));
  // the daemon itself keeps waiting on a hung upload (stopping docker push does not stop it), so a fresh push
  // waits behind it: a timeout, clearly reported, is the right end
  test('clear error or recovered: a layer upload hangs', () =>
    scenario('layer upload PATCH hangs', { tag: freshLayerTag, faults: [{ op: 'upload', method: 'PATCH', kind: 'hang' }], expect: ['registry.timeout'], attempts: 2 }));

  // ── the ECR API ──
  test('recovers: DescribeRepositories throttled once (the SDK retries)', () =>
    scenario('DescribeRepositories ThrottlingException once', { tag: freshTag, faults: [{ target: 'api', action: 'DescribeRepositories', kind: 'status', status: 400, errorType: 'ThrottlingException' }], expect: 'recover' }));
  test('recovers: DescribeImages (the confirmation) fails twice', () =>
    scenario('DescribeImages ServerException twice', { tag: freshTag, faults: [{ target: 'api', action: 'DescribeImages', kind: 'status', status: 500, times: 2 }], expect: 'recover' }));
  test('clear error: the confirmation never answers; the push is not reported', () =>
    scenario('DescribeImages fails every time', { tag: freshTag, faults: [{ target: 'api', action: 'DescribeImages', kind: 'status', status: 500, times: Infinity }], expect: ['push.notConfirmed', 'ecr.unavailable'] }));
  test('clear error: GetAuthorizationToken hangs (request timeout)', () =>
    scenario('GetAuthorizationToken hangs', { tag: freshTag, tokens: new TokenCache(), faults: [{ target: 'api', action: 'GetAuthorizationToken', kind: 'hang', times: Infinity }], expect: ['ecr.unreachable'] }));

  // ── registry tokens expiring ──
  test('recovers: the cached login expired before the push (re-login once)', () =>
    scenario('token expired before the push', { tag: freshTag, faults: [], expect: 'recover', during: async () => void stack.ecr.expireTokens(), push: async (tag) => {
      stack.ecr.expireTokens();
      return pushImage(ctx({ tokens: sharedTokens }), { project, tag });
    } }));
  test('recovers: the token expires in the middle of a push (re-login once, push again)', () => {
    // the manifest PUT is held until the token has expired: the registry then refuses it
    const held = stack.ecr.faults.add({ op: 'manifest', method: 'PUT', kind: 'delay', delayMs: 500 });
    return scenario('token expires mid-push', {
      tag: freshTag,
      expect: 'recover',
      during: async () => {
        await waitFor('the manifest upload', () => held.hits > 0, { timeoutMs: 60_000, intervalMs: 10 });
        stack.ecr.expireTokens();
      },
    });
  });
  test('clear error: the token expired and a new one may not be had', () =>
    scenario('token expired, GetAuthorizationToken denied', { tag: freshTag, faults: [], expect: ['aws.accessDenied', 'registry.tokenExpired'], push: async (tag) => {
      stack.ecr.expireTokens();
      stack.ecr.denyAction('GetAuthorizationToken');
      return pushImage(ctx({ tokens: sharedTokens }), { project, tag });
    } }));

  // ── the Docker daemon going away (its own daemon: the shared one stays up for everyone else) ──
  test('clear error: the Docker daemon is stopped in the middle of a build, and is down for the push', async () => {
    const own = await startDockerd({ dir: join(tmp.dir, 'dk') });
    try {
      const ownBase = await ensureBaseImage(own);
      const dir = join(tmp.dir, 'app-daemon');
      // the RUN step exits promptly on SIGTERM, so the daemon's shutdown does not wait out its 10 s grace
      const p = await makeApp(dir, { repository: stack.ecr.repositoryUri('demo-app'), base: ownBase, dockerfile: `FROM ${ownBase}\nRUN trap 'exit 143' TERM; echo started; sleep 60 & wait\n` });
      const cap = capture();
      const c = imageContext({ daemon: own, ecr: stack.ecr, configDir, captured: cap });
      const stopped = (async () => {
        await waitFor('the RUN step to start', () => cap.output.includes('started'), { timeoutMs: 60_000, intervalMs: 20 });
        await own.stop();
      })();
      await scenario('daemon stopped mid-build', { tag: async () => 'unused', expect: ['docker.daemonStopped'], push: async () => {
        const r = await buildImage(c, { project: p });
        return { digest: r.imageId };
      } });
      await stopped;
      await scenario('daemon down at push time', { tag: async () => 'fault-daemon-down', expect: ['docker.daemonDown'], push: (tag) => pushImage(c, { project: p, tag }) });
    } finally {
      await own.stop();
    }
  });

  test('summary: every fault survived, nothing pushed that the registry does not have, no token in any output', () => {
    console.log(`  registry faults: ${tally.tried} tried, ${tally.tried - tally.failures.length} survived (${tally.recovered} recovered, ${tally.clearErrors} clear errors), ${tally.failures.length} failures`);
    assert.deepEqual(tally.failures, []);
    assert.equal(tally.tried, 26);
    assert.equal(tally.recovered + tally.clearErrors, tally.tried);
    assert.deepEqual(leakedTokens(stack.ecr, everything.text()), []);
  });
});
