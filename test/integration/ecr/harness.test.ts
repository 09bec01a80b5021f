// The test harness itself: a shared dockerd (reused within and across processes, stopped safely),
// clear errors when it cannot start, the reusable base image, and the real registry with basic auth.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { docker, dockerOk, ensureBaseImage, ping, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startRegistry } from '../../support/registry';
import { RegistryClient } from '../../support/registryClient';
import { isAlive, run } from '../../support/proc';
import { tempDir } from '../../support/tmp';

describe('dockerd harness', () => {
  let daemon: DockerDaemon;

  before(async () => {
    daemon = await startDockerd();
  });

  after(async () => {
    await daemon?.stop();
  });

  test('answers on its own socket with vfs storage and no bridge', async () => {
    assert.match(daemon.host, /^unix:\/\/.+docker\.sock$/);
    assert.deepEqual(daemon.env, { DOCKER_HOST: daemon.host });
    const info = await dockerOk(daemon, ['info', '--format', '{{.Driver}} {{.DockerRootDir}}']);
    assert.equal(info.stdout.trim(), `vfs ${join(daemon.dir, 'root')}`);
  });

  test('a second start in the same process shares the daemon; stop is idempotent and reference-counted', async () => {
    const again = await startDockerd();
    assert.equal(again.pid, daemon.pid);
    assert.equal(again.started, false);
    await again.stop();
    await again.stop();
    assert.ok(await ping(daemon.socketPath), 'still running for the first holder');
  });

  test('another process reuses the running daemon and leaves it running when it stops', async () => {
    const mod = join(__dirname, '..', '..', 'support', 'dockerd.js');
    const script = `require(${JSON.stringify(mod)}).startDockerd().then(async (d) => { console.log(JSON.stringify({ pid: d.pid, started: d.started })); await d.stop(); })`;
    const r = await run(process.execPath, ['-e', script], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { pid: daemon.pid, started: false });
    assert.ok(isAlive(daemon.pid));
    assert.ok(await ping(daemon.socketPath));
  });

  test('the base image is built once and reused: one layer, static busybox, a shell', async () => {
    const a = await ensureBaseImage(daemon);
    const b = await ensureBaseImage(daemon);
    assert.equal(a, b);
    assert.match(a, /^gitops-pilot\/busybox-base:[0-9a-f]{12}$/);
    const layers = await dockerOk(daemon, ['image', 'inspect', '--format', '{{len .RootFS.Layers}}', a]);
    assert.equal(layers.stdout.trim(), '1');
    const out = await docker(daemon, ['run', '--rm', '--network', 'none', a, 'sh', '-c', 'echo ok']);
    assert.equal(out.stdout.trim(), 'ok', out.stderr);
  });

  test('a missing dockerd or one that cannot start is reported, not skipped', async () => {
    const tmp = tempDir('gp-dk-');
    try {
      await assert.rejects(startDockerd({ dir: join(tmp.dir, 'a'), dockerd: '/nonexistent/dockerd' }), /cannot start the Docker engine: '\/nonexistent\/dockerd' not found \(install it with: apt-get install -y docker.io\)/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('dockerd harness startup failure', () => {
  test('a dockerd that exits at once is reported with its log', async () => {
    const tmp = tempDir('gp-dk-');
    try {
      // `false` exits 1 immediately: the harness must say so instead of waiting for the timeout
      await assert.rejects(startDockerd({ dir: join(tmp.dir, 'b'), dockerd: '/bin/false', timeoutMs: 10_000 }), /cannot start the Docker engine \(\/bin\/false\): dockerd to answer \/_ping: dockerd exited with 1/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('registry harness', () => {
  test('htpasswd basic auth (user AWS), its own port each, close twice', async () => {
    const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    try {
      assert.notEqual(a.host, b.host);
      assert.equal(a.username, 'AWS');
      assert.equal(a.url, `http://${a.host}`);
      assert.equal(await new RegistryClient({ url: a.url, username: a.username, password: a.password }).ping(), true);
      assert.equal(await new RegistryClient({ url: a.url, username: 'AWS', password: b.password }).ping(), false);
      assert.equal(await new RegistryClient({ url: a.url }).ping(), false);
    } finally {
      await a.close();
      await a.close();
      await b.close();
    }
    await assert.rejects(fetch(`${a.url}/v2/`), /fetch failed/);
  });

  test('a missing registry binary is reported', async () => {
    await assert.rejects(startRegistry({ binary: '/nonexistent/docker-registry' }), /docker-registry not found \(install it with: apt-get install -y docker-registry\)/);
  });
});
