/**
 * The post-deploy smoke test on the simulator: a rollout with a health URL is done only once the URL
 * answers 2xx, and fails with HealthCheckFailed when it keeps failing — through the core's watch (the
 * status bar's) and through `gitops-pilot rollout-status --env E --watch`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { watchRollout, type RolloutProgress } from '../../../src/core/kube/watchRollout';
import { runCli } from '../../support/cli';
import { createRolledOutDeployment, startKubeSim, type KubeSim } from '../../support/kubesim';
import { tempDir, writeTree } from '../../support/tmp';
import { simSession, type SimSession } from './harness';

const REPO = 'registry.example.com/web';

describe('health URL after the rollout', () => {
  let sim: KubeSim;
  let s: SimSession;
  let server: Server;
  let base = '';
  let healthy = true;
  const tmp = tempDir('gitops-pilot-health-');

  before(async () => {
    sim = await startKubeSim();
    createRolledOutDeployment(sim, { namespace: 'dev', name: 'web', replicas: 2, image: `${REPO}:1` });
    s = simSession(sim);
    server = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await s.close();
    await sim.close();
    tmp.cleanup();
  });

  const roll = (tag: string) => sim.store.patch('deployments', 'dev', 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'web', image: `${REPO}:${tag}` }] } } } });
  const target = { context: 'kubesim', namespace: 'dev', workload: { kind: 'deployment' as const, name: 'web' } };

  test('rolled out and the URL answers 200: done, after a "checking" update', async () => {
    healthy = true;
    roll('2');
    const updates: RolloutProgress[] = [];
    const p = await watchRollout(s.session, target, { expect: { repository: REPO, tag: '2' }, timeoutMs: 30_000, healthUrl: `${base}/healthz`, healthCheck: { intervalMs: 20 }, onUpdate: (u) => updates.push(u) });
    assert.equal(p.state, 'done', p.message);
    assert.match(p.message, /healthz answered 200/);
    assert.ok(updates.some((u) => /checking http:\/\/127\.0\.0\.1:\d+\/healthz$/.test(u.message)), 'the user saw the check');
  });

  test('rolled out but the URL keeps answering 503: failed, HealthCheckFailed', async () => {
    healthy = false;
    roll('3');
    const p = await watchRollout(s.session, target, { expect: { repository: REPO, tag: '3' }, timeoutMs: 30_000, healthUrl: `${base}/healthz`, healthCheck: { attempts: 3, intervalMs: 20 } });
    assert.equal(p.state, 'failed');
    assert.equal(p.reason, 'HealthCheckFailed');
    assert.match(p.message, /^rolled out, but the health check failed: http:\/\/127\.0\.0\.1:\d+\/healthz answered 503 Service Unavailable \(3 attempts\)$/);
  });

  test('the CLI: rollout-status --env --watch exits 1 while the URL fails, 0 once it answers', async () => {
    const dir = join(tmp.dir, 'repo');
    const kubeconfig = join(tmp.dir, 'kubeconfig');
    sim.writeKubeconfig(kubeconfig, { context: 'kubesim' });
    writeTree(dir, {
      'gitops-pilot.yaml': `gitops:\n  repo: .\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n    cluster: { context: kubesim, namespace: dev }\n    workload: deployment/web\n    healthUrl: ${base}/healthz\n`,
      'envs/dev/values.yaml': `image:\n  repository: ${REPO}\n  tag: "3"\n`,
    });
    healthy = false;
    const failed = await runCli(['rollout-status', '--env', 'dev', '--watch', '--timeout', '60s', '--kubeconfig', kubeconfig], dir);
    assert.equal(failed.code, 1, failed.err);
    assert.match(failed.err + failed.out, /health check failed/);
    healthy = true;
    const ok = await runCli(['rollout-status', '--env', 'dev', '--watch', '--timeout', '60s', '--kubeconfig', kubeconfig], dir);
    assert.equal(ok.code, 0, ok.err);
  });
});
