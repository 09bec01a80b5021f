import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { kubeconfigSource, KubeconfigLoader, loadKubeconfig } from '../../../src/core/kube/kubeconfig';
import { tempDir } from '../../support/tmp';

const tmp = tempDir('gitops-pilot-kubeconfig-');
after(() => tmp.cleanup());

function kubeconfig(file: string, o: { current?: string; contexts: Array<{ name: string; cluster: string; user: string; namespace?: string }>; clusters: Array<{ name: string; server: string; ca?: string }>; users?: Array<{ name: string; user: Record<string, unknown> }> }): string {
  const path = join(tmp.dir, file);
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (o.current) lines.push(`current-context: ${o.current}`);
  lines.push('clusters:');
  for (const c of o.clusters) lines.push(`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`, ...(c.ca ? [`    certificate-authority: ${c.ca}`] : []));
  lines.push('contexts:');
  for (const c of o.contexts) lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.cluster}`, `    user: ${c.user}`, ...(c.namespace ? [`    namespace: ${c.namespace}`] : []));
  lines.push(`users: ${JSON.stringify(o.users ?? [])}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('kubeconfig: which files', () => {
  test('the setting wins, then KUBECONFIG (in order, empty entries ignored), then ~/.kube/config', () => {
    assert.deepEqual(kubeconfigSource(['~/a', '/b'], { KUBECONFIG: '/x:/y' }, '/home/u'), { files: ['/home/u/a', '/b'], origin: 'setting' });
    assert.deepEqual(kubeconfigSource([], { KUBECONFIG: '/x::/y:/x' }, '/home/u'), { files: ['/x', '/y'], origin: 'KUBECONFIG' });
    assert.deepEqual(kubeconfigSource([' '], {}, '/home/u'), { files: ['/home/u/.kube/config'], origin: 'default' });
  });
});

describe('kubeconfig: merging like kubectl', () => {
  const first = kubeconfig('first', {
    current: 'dev',
    clusters: [{ name: 'c1', server: 'https://one.example.com', ca: 'ca.crt' }],
    contexts: [{ name: 'dev', cluster: 'c1', user: 'u1', namespace: 'dev' }],
    users: [{ name: 'u1', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'one'] } } }],
  });
  const second = kubeconfig('second', {
    current: 'prod',
    clusters: [
      { name: 'c1', server: 'https://shadowed.example.com' },
      { name: 'c2', server: 'https://two.example.com' },
    ],
    contexts: [
      { name: 'dev', cluster: 'c2', user: 'u2' },
      { name: 'prod', cluster: 'c2', user: 'u2' },
    ],
    users: [{ name: 'u2', user: { token: 'secret-token-value' } }],
  });

  test('first definition of a name wins; the first current-context wins; missing files are skipped', async () => {
    const kc = await loadKubeconfig({ files: [first, join(tmp.dir, 'nope'), second], origin: 'KUBECONFIG' });
    assert.deepEqual(kc.loaded, [first, second]);
    assert.equal(kc.currentContext, 'dev');
    assert.deepEqual(
      kc.contexts.map((c) => [c.name, c.server, c.namespace ?? '']),
      [
        ['dev', 'https://one.example.com', 'dev'],
        ['prod', 'https://two.example.com', ''],
      ],
    );
    assert.deepEqual(kc.context('dev')?.exec, { command: 'aws', args: ['eks', 'get-token', '--cluster-name', 'one'] });
    assert.equal(kc.forContext('prod').getCurrentCluster()?.server, 'https://two.example.com');
    assert.equal(kc.forContext('dev').getCurrentCluster()?.caFile, join(tmp.dir, 'ca.crt'), 'relative paths resolve against the file');
  });

  test('a context that is not there: the error names it, the files, and what to do', async () => {
    const kc = await loadKubeconfig({ files: [first], origin: 'setting' });
    assert.throws(
      () => kc.resolve('eks-staging'),
      (e: PilotError) => e.code === 'kube.contextMissing' && /^Context "eks-staging" is not in your kubeconfig \(.*first \(gitopsPilot\.kubernetes\.kubeconfig\)\)$/.test(e.message) && /Known contexts: dev\. Use one of them/.test(e.hint ?? '') && e.kind === 'input',
    );
    assert.equal(kc.resolve(undefined).name, 'dev', 'no name: the current context');
  });

  test('no file at all, and a broken file', async () => {
    await assert.rejects(loadKubeconfig({ files: [join(tmp.dir, 'missing')], origin: 'default' }), (e: PilotError) => e.code === 'kube.noKubeconfig' && /aws eks update-kubeconfig/.test(e.hint ?? ''));
    const broken = join(tmp.dir, 'broken');
    writeFileSync(broken, 'clusters: [\n');
    await assert.rejects(loadKubeconfig({ files: [broken], origin: 'setting' }), (e: PilotError) => e.code === 'kube.kubeconfigInvalid' && e.message.startsWith(`${broken} is not a valid kubeconfig`));
  });

  test('the loader reads again only when a file changed', async () => {
    const file = kubeconfig('changing', { current: 'a', clusters: [{ name: 'c', server: 'https://a.example.com' }], contexts: [{ name: 'a', cluster: 'c', user: 'u' }] });
    const loader = new KubeconfigLoader(() => ({ files: [file], origin: 'setting' }));
    const one = await loader.load();
    assert.equal(await loader.load(), one);
    kubeconfig('changing', { current: 'b', clusters: [{ name: 'c', server: 'https://b.example.com' }], contexts: [{ name: 'b', cluster: 'c', user: 'u' }, { name: 'extra', cluster: 'c', user: 'u' }] });
    const two = await loader.load();
    assert.notEqual(two, one);
    assert.equal(two.currentContext, 'b');
  });
});
