/**
 * The post-rollout health check against a real local HTTP server: 2xx is healthy, a server that comes up
 * late is asked again, one that keeps failing or does not answer is not healthy (with what it said),
 * a URL that is not http(s) is refused before any request.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { checkHealthUrl } from '../../../src/core/kube/healthCheck';

describe('health URL check', () => {
  let server: Server;
  let base = '';
  const hits = new Map<string, number>();
  before(async () => {
    server = createServer((req, res) => {
      const n = (hits.get(req.url!) ?? 0) + 1;
      hits.set(req.url!, n);
      if (req.url === '/ok') return res.writeHead(200).end('ok');
      if (req.url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/late') return n < 3 ? res.writeHead(503).end() : res.writeHead(204).end();
      if (req.url === '/down') return res.writeHead(503, 'Service Unavailable').end('no');
      if (req.url === '/hang') return undefined; // never answers
      return res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  // a request that answers gets a generous timeout (a loaded machine can take a second to start fetch); only
  // the hang test wants the timeout to expire
  const fast = { intervalMs: 10, timeoutMs: 15_000 };

  test('2xx at once; a redirect to 2xx', async () => {
    assert.deepEqual(await checkHealthUrl(`${base}/ok`, fast), { ok: true, status: 200, message: 'answered 200 OK', attempts: 1 });
    assert.equal((await checkHealthUrl(`${base}/redirect`, fast)).ok, true);
  });

  test('a version that becomes reachable on the third try is healthy', async () => {
    const r = await checkHealthUrl(`${base}/late`, fast);
    assert.deepEqual([r.ok, r.status, r.attempts], [true, 204, 3]);
  });

  test('one that keeps answering 503 is not, and says so', async () => {
    const r = await checkHealthUrl(`${base}/down`, { ...fast, attempts: 3 });
    assert.deepEqual(r, { ok: false, status: 503, message: 'answered 503 Service Unavailable', attempts: 3 });
  });

  test('no answer in time, or no server at all', async () => {
    const hang = await checkHealthUrl(`${base}/hang`, { ...fast, timeoutMs: 300, attempts: 2 });
    assert.deepEqual([hang.ok, hang.message], [false, 'did not answer within 0 s']);
    // a port nothing listens on (fetch refuses well-known ports such as 9 outright)
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const refused = await checkHealthUrl(`http://127.0.0.1:${port}/healthz`, { ...fast, attempts: 1 });
    assert.equal(refused.ok, false);
    assert.match(refused.message, /^could not be reached: .*ECONNREFUSED/);
  });

  test('not an http(s) URL: refused before any request', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'not a url', 'javascript:alert(1)']) {
      await assert.rejects(checkHealthUrl(url), (e: unknown) => e instanceof PilotError && e.code === 'config.badHealthUrl' && e.kind === 'input');
    }
  });

  test('cancelled: the check stops at once', async () => {
    const abort = new AbortController();
    const p = checkHealthUrl(`${base}/hang`, { attempts: 5, intervalMs: 10, timeoutMs: 5000, signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await assert.rejects(p, (e: unknown) => (e as { name?: string }).name === 'AbortError' || (e as PilotError).code === 'cancelled');
  });
});
