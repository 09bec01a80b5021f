// The emulator's registry endpoint (auth proxy in front of the real registry), over plain HTTP:
// the basic-auth challenge, token states, streaming, Location headers, and fault injection.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { RegistryClient, pushSyntheticImage, sha256Digest } from '../../support/registryClient';
import { waitFor } from '../../support/proc';

describe('ECR emulator registry endpoint (auth proxy)', () => {
  let stack: EcrStack;
  let client: RegistryClient;
  let password: string;

  before(async () => {
    stack = await startEcrStack({ repositories: ['demo-app'] });
    password = stack.ecr.issueToken().password;
    client = new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'AWS', password });
  });

  after(async () => {
    await stack?.close();
  });

  test('no credentials: 401 with a Basic challenge, like a registry docker can log in to', async () => {
    const r = await fetch(`${stack.ecr.proxyEndpoint}/v2/`);
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="http:\/\/127\.0\.0\.1:\d+\/"/);
    assert.equal(r.headers.get('docker-distribution-api-version'), 'registry/2.0');
    const body = (await r.json()) as { errors: Array<{ code: string }> };
    assert.equal(body.errors[0]!.code, 'UNAUTHORIZED');
  });

  test('tokens: issued → 200, unknown or wrong user → 401, expired → 403 DENIED with ECR\'s message', async () => {
    assert.equal(await client.ping(), true);
    assert.equal(await new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'AWS', password: 'guess' }).ping(), false);
    assert.equal(await new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'admin', password }).ping(), false);
    // the registry's own password is not an ECR token
    assert.equal(await new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'AWS', password: stack.registry.password }).ping(), false);
    const short = stack.ecr.issueToken();
    stack.ecr.expireTokens();
    const r = await new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'AWS', password: short.password }).request('GET', '/v2/');
    assert.equal(r.status, 403);
    const body = await r.text();
    assert.match(body, /"code":"DENIED","message":"Your authorization token has expired. Reauthenticate and try again."/);
    assert.ok(!body.includes(short.password));
    password = stack.ecr.issueToken().password;
    client = new RegistryClient({ url: stack.ecr.proxyEndpoint, username: 'AWS', password });
  });

  test('a chunked PATCH upload streams through; Location headers point back at the proxy', async () => {
    const data = randomBytes(6 * 1024 * 1024);
    const start = await client.request('POST', '/v2/demo-app/blobs/uploads/');
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    assert.ok(location.startsWith(`${stack.ecr.proxyEndpoint}/v2/demo-app/blobs/uploads/`), location);
    const chunks = [data.subarray(0, 2 * 1024 * 1024), data.subarray(2 * 1024 * 1024)];
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        const c = chunks.shift();
        if (c) ctrl.enqueue(c);
        else ctrl.close();
      },
    });
    const patch = await fetch(location, {
      method: 'PATCH',
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(patch.status, 202, await patch.clone().text());
    const next = new URL(patch.headers.get('location')!);
    assert.equal(next.host, stack.ecr.registryHost);
    const digest = sha256Digest(data);
    next.searchParams.set('digest', digest);
    const put = await client.request('PUT', next.toString());
    assert.equal(put.status, 201, await put.text());
    const get = await client.request('GET', `/v2/demo-app/blobs/${digest}`);
    assert.equal(get.status, 200);
    assert.ok(Buffer.from(await get.arrayBuffer()).equals(data));
    assert.ok(stack.ecr.stats().registry.bytesIn >= data.length);
    assert.ok(stack.ecr.stats().registry.bytesOut >= data.length);
  });

  test('fault: the next N matching requests answer 5xx, then the registry answers again', async () => {
    await pushSyntheticImage(client, 'demo-app', ['v1'], { seed: 'v1' });
    const f = stack.ecr.faults.add({ op: 'manifest', method: 'HEAD', kind: 'status', status: 503, times: 2 });
    const r1 = await client.request('HEAD', '/v2/demo-app/manifests/v1');
    const r2 = await client.request('HEAD', '/v2/demo-app/manifests/v1');
    assert.deepEqual([r1.status, r2.status], [503, 503]);
    const r3 = await client.request('GET', '/v2/demo-app/tags/list'); // other ops are not affected
    assert.equal(r3.status, 200);
    await r3.arrayBuffer();
    assert.ok(await client.headManifest('demo-app', 'v1'));
    assert.equal(f.hits, 2);
    assert.equal(f.remaining, 0);
  });

  test('fault: a path pattern, connection reset, and a hang the client times out on', async () => {
    stack.ecr.faults.add({ path: /\/manifests\/v1$/, kind: 'reset' });
    await assert.rejects(client.request('GET', '/v2/demo-app/manifests/v1'), /fetch failed|other side closed|socket/i);

    const hang = stack.ecr.faults.add({ op: 'tags', kind: 'hang' });
    await assert.rejects(client.request('GET', '/v2/demo-app/tags/list', { timeoutMs: 300 }), /aborted|timeout/i);
    assert.equal(hang.hits, 1);
    stack.ecr.faults.releaseHung();
    assert.deepEqual(await client.tags('demo-app'), ['v1']);
  });

  test('fault: delay, then the request goes through; clear() drops pending rules', async () => {
    const d = stack.ecr.faults.add({ op: 'ping', kind: 'delay', delayMs: 200 });
    assert.equal(await client.ping(), true);
    assert.equal(d.hits, 1);
    stack.ecr.faults.add({ kind: 'status', status: 500, times: Infinity });
    assert.equal(stack.ecr.faults.pending().length, 1);
    stack.ecr.faults.clear();
    assert.equal(await client.ping(), true);
  });

  test('pushes to a repository the emulator never created answer NAME_UNKNOWN', async () => {
    await assert.rejects(pushSyntheticImage(client, 'ghost', ['x']), /NAME_UNKNOWN: The repository with name 'ghost' does not exist in the registry with id '123456789012'/);
  });

  test('close() ends hung requests instead of waiting for them', async () => {
    const other = await startEcrStack();
    try {
      const c = new RegistryClient({ url: other.ecr.proxyEndpoint, username: 'AWS', password: other.ecr.issueToken().password }, 60_000);
      const hang = other.ecr.faults.add({ kind: 'hang' });
      const apiHang = other.ecr.faults.add({ target: 'api', kind: 'hang' });
      const pending = c.request('GET', '/v2/');
      const apiPending = fetch(other.ecr.endpoint, { method: 'POST', body: '{}' });
      pending.catch(() => undefined);
      apiPending.catch(() => undefined);
      await waitFor('both requests to hang', () => hang.hits === 1 && apiHang.hits === 1, { timeoutMs: 5_000, intervalMs: 10 });
      await other.close();
      await assert.rejects(pending);
      await assert.rejects(apiPending);
    } finally {
      await other.close();
    }
  });

  test('stats count requests by method and kind', () => {
    const s = stack.ecr.stats().registry;
    assert.ok((s.byOp['PATCH upload'] ?? 0) >= 1);
    assert.ok((s.byOp['PUT manifest'] ?? 0) >= 1);
    assert.ok((s.byStatus['503'] ?? 0) >= 2);
    assert.ok(s.authFailures.expired >= 1 && s.authFailures.missing >= 1 && s.authFailures.unknown >= 1);
    assert.ok(s.faultsInjected >= 5);
  });
});
