/**
 * The standalone simulator (`node out/test/support/kubesim/main.js`): starts, seeds objects, writes a
 * kubeconfig kubectl can use, stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { deploymentManifest } from '../../support/kubesim';
import { KUBECTL, Kubectl, kubectlInstalled, tableRows } from '../../support/kubesim/kubectl';
import { parseArgs, readSeed } from '../../support/kubesim/main';

const MAIN = join(__dirname, '..', '..', 'support', 'kubesim', 'main.js');

describe('kubesim main.js', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubesim-main-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('argument parsing', () => {
    assert.deepEqual(parseArgs(['--port', '8080', '--speed=realistic', '--seed', 'a.yaml', '--json']), {
      port: 8080,
      host: '127.0.0.1',
      speed: 'realistic',
      seed: 'a.yaml',
      namespace: 'default',
      json: true,
      verbose: false,
      tls: false,
    });
  });

  test('seed files: multi-document YAML, JSON arrays and Lists; namespaces first', () => {
    const yamlFile = join(dir, 'seed.yaml');
    writeFileSync(yamlFile, `${toYaml(deploymentManifest({ namespace: 'shop', name: 'cart' }))}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n`);
    assert.deepEqual(readSeed(yamlFile).map((o) => o.kind), ['Namespace', 'Deployment']);
    const listFile = join(dir, 'seed.json');
    writeFileSync(listFile, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deploymentManifest({ namespace: 'shop', name: 'a' }), deploymentManifest({ namespace: 'shop', name: 'b' })] }));
    assert.deepEqual(readSeed(listFile).map((o) => o.metadata.name), ['a', 'b']);
  });

  test('runs standalone: prints its URL, writes a kubeconfig kubectl uses, rolls the seed out, stops on SIGTERM', async () => {
    assert.ok(kubectlInstalled(), `kubectl not found at ${KUBECTL}`);
    const seed = join(dir, 'objects.yaml');
    writeFileSync(seed, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n${toYaml(deploymentManifest({ namespace: 'shop', name: 'cart', replicas: 2 }))}`);
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--json', '--seed', seed, '--kubeconfig', kubeconfig, '--namespace', 'shop'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('main.js printed nothing within 10 s')), 10_000);
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (s: string) => {
          out += s;
          if (!out.includes('\n')) return;
          clearTimeout(timer);
          resolve(out.split('\n')[0]!);
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`main.js exited ${code} before printing its address`));
        });
      });
      const info = JSON.parse(line) as { url: string; port: number; kubeconfig: string };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.kubeconfig, kubeconfig);
      // kubectl with the kubeconfig main.js wrote (namespace shop from its context)
      const k = new Kubectl({ writeKubeconfig: (file) => copyFileSync(kubeconfig, file) });
      try {
        const status = await k.run(['rollout', 'status', 'deploy/cart']);
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stdout, /deployment "cart" successfully rolled out/);
        assert.deepEqual(tableRows(await k.ok(['get', 'deploy']))[1]!.slice(0, 2), ['cart', '2/2']);
      } finally {
        k.dispose();
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
