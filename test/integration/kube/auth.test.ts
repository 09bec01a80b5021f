/**
 * Exec-plugin credentials (what `aws eks get-token` is to EKS) through client-node against a simulator
 * that requires bearer tokens: the plugin runs once while its token is valid, a token the server
 * rejects is dropped and the plugin asked again (401 then recovery), a failing or missing plugin is an
 * error that says so, and the plugin's `env` does not leak into this process.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PilotError } from '../../../src/core/errors';
import { resourcePath } from '../../../src/core/kube/resources';
import { KubeSession } from '../../../src/core/kube/session';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { tempDir } from '../../support/tmp';
import { eventually } from './harness';

describe('exec credential plugins', () => {
  const tmp = tempDir('gitops-pilot-exec-');
  const tokens: Record<string, string> = { 'token-aaaa-1111': 'dev-user' };
  let sim: KubeSim;
  const plugin = join(tmp.dir, 'plugin.cjs');
  const tokenFile = join(tmp.dir, 'token');
  const calls = join(tmp.dir, 'calls');

  before(async () => {
    sim = await startKubeSim({ auth: { tokens } });
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 1 });
    writeFileSync(tokenFile, 'token-aaaa-1111');
    writeFileSync(calls, '');
    // prints an ExecCredential like `aws eks get-token`, with the token from a file; exit 1 when the file says so
    writeFileSync(
      plugin,
      `const fs = require('fs');
fs.appendFileSync(${JSON.stringify(calls)}, (process.env.PLUGIN_MARK || '?') + '\\n');
const token = fs.readFileSync(${JSON.stringify(tokenFile)}, 'utf8').trim();
if (token === 'fail') { process.stderr.write('An error occurred (ExpiredToken): The SSO session has expired. Run aws sso login.\\n'); process.exit(255); }
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(Date.now() + 600000).toISOString() } }));
`,
    );
  });
  after(async () => {
    await sim.close();
    tmp.cleanup();
  });

  function session(user: string, command = process.execPath): { s: KubeSession; file: string } {
    const file = join(tmp.dir, `${user}.kubeconfig`);
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster: { server: '${sim.url}', insecure-skip-tls-verify: true }
contexts:
- name: eks-dev
  context: { cluster: sim, user: ${user}, namespace: dev }
users:
- name: ${user}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ${JSON.stringify(command)}
      args: [${JSON.stringify(plugin)}]
      env: [{ name: PLUGIN_MARK, value: ${user} }]
current-context: eks-dev
`,
    );
    return { s: new KubeSession({ kubeconfig: () => ({ files: [file], origin: 'setting' }) }), file };
  }

  const callsBy = (user: string) => readFileSync(calls, 'utf8').split('\n').filter((l) => l === user).length;
  const get = (s: KubeSession) => s.request(undefined, 'GET', resourcePath('deployments', 'dev', 'web'), { verb: 'get', resource: 'deployments', namespace: 'dev', name: 'web' });

  test('the plugin runs once while its token is valid; its env stays out of this process', async () => {
    const { s } = session('user-one');
    try {
      assert.equal((await get(s)).metadata.name, 'web');
      await get(s);
      const sub = s.pool.subscribe({ context: 'eks-dev', namespace: 'dev', resource: 'pods' });
      await eventually(() => sub.informer.synced, 'the informer synced with the exec token');
      sub.dispose();
      assert.equal(callsBy('user-one'), 1);
      assert.equal(process.env.PLUGIN_MARK, undefined, 'exec.env did not leak into process.env');
    } finally {
      await s.dispose();
    }
  });

  test('a token the server rejects (expired, revoked) is dropped: the plugin runs again and the request succeeds', async () => {
    const { s } = session('user-two');
    try {
      await get(s);
      assert.equal(callsBy('user-two'), 1);
      // rotate: the server forgets the old token, the plugin now hands out a new one
      tokens['token-bbbb-2222'] = 'dev-user';
      delete tokens['token-aaaa-1111'];
      writeFileSync(tokenFile, 'token-bbbb-2222');
      assert.equal((await get(s)).metadata.name, 'web');
      assert.equal(callsBy('user-two'), 2);
    } finally {
      await s.dispose();
    }
  });

  test('a plugin that fails, and one that is not installed, are errors that say so', async () => {
    writeFileSync(tokenFile, 'fail');
    const { s } = session('user-three');
    try {
      await assert.rejects(get(s), (e: PilotError) => e.code === 'kube.execFailed' && /^Getting credentials for context "eks-dev" failed: .*plugin\.cjs: An error occurred \(ExpiredToken\)/.test(e.message));
    } finally {
      await s.dispose();
      writeFileSync(tokenFile, 'token-bbbb-2222');
    }
    const missing = session('user-four', 'gitops-pilot-no-such-credential-plugin');
    try {
      await assert.rejects(get(missing.s), (e: PilotError) => e.code === 'kube.execFailed' && /is not installed or not on the PATH/.test(e.message) && /Install gitops-pilot-no-such-credential-plugin/.test(e.hint ?? ''));
    } finally {
      await missing.s.dispose();
    }
  });
});
