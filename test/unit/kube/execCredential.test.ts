/**
 * Exec credential plugins run by our own code (client-node's public API only): a real child process per
 * run, the plugin's env kept out of this process, KUBERNETES_EXEC_INFO as client-go sends it, the cache
 * until expiry (injected clock), one run for concurrent callers, forget() after a 401, and the checks on
 * what the plugin prints.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExecCredentialError } from '../../../src/core/kube/errors';
import { ExecCredentialCache, parseExecCredential } from '../../../src/core/kube/execCredential';
import { tempDir } from '../../support/tmp';

const tmp = tempDir('gitops-pilot-execcred-');
after(() => tmp.cleanup());

const calls = join(tmp.dir, 'calls');
const seen = join(tmp.dir, 'seen.json');
const plugin = join(tmp.dir, 'plugin.cjs');
writeFileSync(calls, '');
writeFileSync(
  plugin,
  `const fs = require('fs');
fs.appendFileSync(${JSON.stringify(calls)}, 'x\\n');
fs.writeFileSync(${JSON.stringify(seen)}, JSON.stringify({ mark: process.env.PLUGIN_MARK, info: process.env.KUBERNETES_EXEC_INFO }));
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'tok-' + fs.readFileSync(${JSON.stringify(calls)}, 'utf8').length, expirationTimestamp: process.argv[2] } }));
`,
);
const runs = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean).length;

describe('exec credential plugins', () => {
  test('env reaches the plugin only; KUBERNETES_EXEC_INFO says the version, non-interactive, and the cluster when asked', async () => {
    const cache = new ExecCredentialCache();
    const exec = { command: process.execPath, args: [plugin, '2030-01-01T00:00:00Z'], env: [{ name: 'PLUGIN_MARK', value: 'one' }], apiVersion: 'client.authentication.k8s.io/v1beta1', provideClusterInfo: true };
    const c = await cache.get(exec, { server: 'https://eks.example:443' });
    assert.match(c.token ?? '', /^tok-/);
    assert.equal(c.expiresAt, Date.parse('2030-01-01T00:00:00Z'));
    const s = JSON.parse(readFileSync(seen, 'utf8'));
    assert.equal(s.mark, 'one');
    assert.deepEqual(JSON.parse(s.info), { apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', spec: { interactive: false, cluster: { server: 'https://eks.example:443' } } });
    assert.equal(process.env.PLUGIN_MARK, undefined);
  });

  test('cached until shortly before expiry (injected clock); concurrent callers share one run; forget() runs it again', async () => {
    let now = Date.parse('2029-12-31T23:00:00Z');
    const cache = new ExecCredentialCache({ now: () => now });
    const exec = { command: process.execPath, args: [plugin, '2030-01-01T00:00:00Z'], env: [{ name: 'PLUGIN_MARK', value: 'two' }] };
    const before = runs();
    const [a, b] = await Promise.all([cache.get(exec), cache.get(exec)]);
    assert.equal(a, b);
    assert.equal(runs() - before, 1, 'two concurrent requests, one plugin run');
    await cache.get(exec);
    assert.equal(runs() - before, 1, 'valid: cached');
    now = Date.parse('2029-12-31T23:59:55Z');
    await cache.get(exec);
    assert.equal(runs() - before, 2, 'within 10 s of expiry: asked again');
    assert.equal(cache.forget(exec), true);
    assert.equal(cache.forget(exec), false);
    await cache.get(exec);
    assert.equal(runs() - before, 3, 'after a 401: asked again');
  });

  test('failures are ExecCredentialErrors that say why (stderr, missing command, bad output)', async () => {
    const cache = new ExecCredentialCache();
    const failing = join(tmp.dir, 'fail.cjs');
    writeFileSync(failing, `process.stderr.write('The SSO session has expired. Run aws sso login.\\n'); process.exit(255);`);
    await assert.rejects(cache.get({ command: process.execPath, args: [failing] }), (e: Error) => e instanceof ExecCredentialError && /SSO session has expired/.test(e.message));
    await assert.rejects(cache.get({ command: 'gitops-pilot-no-such-plugin' }), (e: Error) => e instanceof ExecCredentialError && (e.cause as { code?: string }).code === 'ENOENT');
    const slow = join(tmp.dir, 'slow.cjs');
    writeFileSync(slow, 'setInterval(() => {}, 1000);');
    await assert.rejects(new ExecCredentialCache({ timeoutMs: 200 }).get({ command: process.execPath, args: [slow] }), /did not answer within/);
  });

  test('what the plugin prints is checked as client-go checks it', () => {
    const ok = (status: object, apiVersion = 'client.authentication.k8s.io/v1') => JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
    assert.deepEqual(parseExecCredential(ok({ token: 't' }), undefined), { token: 't' });
    assert.deepEqual(parseExecCredential(ok({ clientCertificateData: 'C', clientKeyData: 'K', expirationTimestamp: '2030-01-01T00:00:00Z' }), 'client.authentication.k8s.io/v1'), {
      clientCertificateData: 'C',
      clientKeyData: 'K',
      expiresAt: Date.parse('2030-01-01T00:00:00Z'),
    });
    assert.throws(() => parseExecCredential('Please log in', undefined), /no ExecCredential JSON: Please log in/);
    assert.throws(() => parseExecCredential('{"kind":"Pod"}', undefined), /not an ExecCredential/);
    assert.throws(() => parseExecCredential(ok({}), undefined), /neither a token nor a client certificate/);
    assert.throws(() => parseExecCredential(ok({ clientCertificateData: 'C' }), undefined), /neither a token|without its key/);
    assert.throws(() => parseExecCredential(ok({ token: 't' }, 'client.authentication.k8s.io/v1beta1'), 'client.authentication.k8s.io/v1'), /answered client\.authentication\.k8s\.io\/v1beta1/);
  });
});
