/**
 * No secret in any output: the paths that handle credentials, run through the bundled CLI with --verbose
 * (debug logs on) as a pipeline would — registry login and push (also after the token expired), deploy,
 * ship, IAM denials, the ECR API refusing the credentials, and rollout-status against an API server that
 * requires a bearer token (right token, wrong token, expired exec credential). Every stdout and stderr is
 * scanned for the ECR registry passwords (raw and as docker's base64 auth), the AWS secret access key,
 * the registry's own password and the kube bearer tokens. The outputs are also kept as a test artifact,
 * so the end-of-run scan (test/support/secretScan.ts) reads them again with every secret of the run.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { git } from '../../support/gitRepos';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { repoRoot } from '../../support/paths';
import { run } from '../../support/proc';
import { tempDir } from '../../support/tmp';
import { cliImageEnv, leakedTokens, makeApp } from '../images/helpers';

const KUBE_TOKEN = `kube-bearer-${'x'.repeat(8)}-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;

describe('secrets never reach an output', { timeout: 10 * 60_000 }, () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let sim: KubeSim;
  let tmp: { dir: string; cleanup: () => void };
  let env: NodeJS.ProcessEnv;
  let app: string;
  const outputs: { what: string; text: string }[] = [];
  let builtTag = '';

  async function cli(what: string, cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; text: string }> {
    const r = await run(process.execPath, [cliPath, ...args, '--verbose'], { cwd, env: { ...env, ...extraEnv }, timeoutMs: 180_000 });
    const text = `${r.stdout}\n${r.stderr}`;
    outputs.push({ what, text });
    return { code: r.code, text };
  }

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    sim = await startKubeSim({ tls: true, auth: { tokens: { [KUBE_TOKEN]: 'developer' } } });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'demo-app', replicas: 2, image: `${stack.ecr.repositoryUri('demo-app')}:0.0.1` });
    tmp = tempDir('gitops-pilot-secrets-');
    const base = await ensureBaseImage(daemon);
    const configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    env = { ...cliImageEnv(daemon, configDir, stack.ecr, tmp.dir), GITOPS_PILOT_RETRY_DELAY_MS: '50' };
    app = join(tmp.dir, 'app');
    await makeApp(app, { repository: stack.ecr.repositoryUri('demo-app'), base, environments: true });
    const bare = join(tmp.dir, 'remote.git');
    git(tmp.dir, 'init', '-q', '--bare', '-b', 'main', bare);
    git(app, 'remote', 'add', 'origin', bare);
    git(app, 'push', '-q', '-u', 'origin', 'main');
  });

  after(async () => {
    // an artifact of the run: the end-of-run scan reads it again, with every secret of the whole run
    mkdirSync(join(repoRoot, 'out/results'), { recursive: true });
    writeFileSync(join(repoRoot, 'out/results/secrets-suite-outputs.log'), outputs.map((o) => `── ${o.what}\n${o.text}`).join('\n'));
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await sim?.close();
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  test('registry: build --push, a push after the token expired (login again), ship and bump, all with --verbose', async () => {
    builtTag = git(app, 'rev-parse', '--short=7', 'HEAD');
    const built = await cli('build --push', app, ['build', '--push']);
    assert.equal(built.code, 0, built.text);
    assert.match(built.text, /logged in to/, 'the login happened (and was logged)');
    stack.ecr.expireTokens();
    const pushed = await cli('push after expiry', app, ['push', '--tag', builtTag]);
    assert.equal(pushed.code, 0, pushed.text);
    const shipped = await cli('ship', app, ['ship', '--no-push']);
    assert.equal(shipped.code, 0, shipped.text);
    const bumped = await cli('bump staging', app, ['bump', '--env', 'staging', '--tag', builtTag, '--no-push']);
    assert.equal(bumped.code, 0, bumped.text);
  });

  test('refusals: an IAM denial of the login, and credentials the ECR API does not accept', async () => {
    stack.ecr.denyAction('ecr:GetAuthorizationToken');
    const denied = await cli('push denied', app, ['push', '--tag', builtTag]);
    assert.equal(denied.code, 1, denied.text);
    assert.match(denied.text, /ecr:GetAuthorizationToken/);
    stack.ecr.allowAction('ecr:GetAuthorizationToken');
    const wrong = await cli('wrong secret key', app, ['push', '--tag', builtTag], { AWS_SECRET_ACCESS_KEY: `${env.AWS_SECRET_ACCESS_KEY}x` });
    assert.equal(wrong.code, 1, wrong.text);
  });

  test('Kubernetes: rollout-status with the bearer token, a wrong token, and an exec credential plugin that prints a token', async () => {
    const kubeconfig = join(tmp.dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig, { token: KUBE_TOKEN, context: 'kubesim' });
    const ok = await cli('rollout-status', app, ['rollout-status', '--kubeconfig', kubeconfig, '--namespace', 'dev', '--deployment', 'demo-app', '--json']);
    assert.equal(ok.code, 0, ok.text);
    const wrongConfig = join(tmp.dir, 'kubeconfig-wrong');
    sim.writeKubeconfig(wrongConfig, { token: `${KUBE_TOKEN}-revoked`, context: 'kubesim' });
    const unauthorized = await cli('rollout-status 401', app, ['rollout-status', '--kubeconfig', wrongConfig, '--namespace', 'dev', '--deployment', 'demo-app']);
    assert.notEqual(unauthorized.code, 0);
    assert.match(unauthorized.text, /Unauthorized|401|credentials/i);
    // an exec plugin (as EKS's aws eks get-token) that hands out the token, then is refused
    const plugin = join(tmp.dir, 'get-token');
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${KUBE_TOKEN}"}}'\n`);
    chmodSync(plugin, 0o755);
    const execConfig = join(tmp.dir, 'kubeconfig-exec');
    writeFileSync(
      execConfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: kubesim, cluster: { server: "${sim.url}", certificate-authority-data: ${Buffer.from(sim.ca!).toString('base64')} } }]`,
        `users: [{ name: developer, user: { exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: "${plugin}", interactiveMode: Never } } }]`,
        'contexts: [{ name: kubesim, context: { cluster: kubesim, user: developer } }]',
        'current-context: kubesim',
        '',
      ].join('\n'),
    );
    const viaExec = await cli('rollout-status exec plugin', app, ['rollout-status', '--kubeconfig', execConfig, '--namespace', 'dev', '--deployment', 'demo-app']);
    assert.equal(viaExec.code, 0, viaExec.text);
  });

  test('none of the outputs holds a secret', () => {
    const text = outputs.map((o) => o.text).join('\n');
    const secrets: [string, string][] = [
      ['the AWS secret access key', String(env.AWS_SECRET_ACCESS_KEY)],
      ["the registry's own password", stack.registry.password],
      ["docker's base64 auth of the registry password", Buffer.from(`${stack.registry.username}:${stack.registry.password}`).toString('base64')],
      ['the kube bearer token', KUBE_TOKEN],
    ];
    const hits = secrets.filter(([, s]) => text.includes(s)).map(([what]) => what);
    const tokens = leakedTokens(stack.ecr, text);
    console.log(`  secrets: ${outputs.length} outputs (${(text.length / 1024).toFixed(0)} KiB) scanned for ${secrets.length} fixed secrets and every ECR token issued: ${hits.length + tokens.length} hits`);
    assert.ok(text.length > 2000, 'the outputs are not empty (debug logs on)');
    assert.deepEqual(hits, []);
    assert.deepEqual(tokens.map((t) => `an ECR token of ${t.length} characters`), []);
  });
});
