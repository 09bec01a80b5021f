import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { awaitScan, evaluateScan } from '../../../src/core/ci/scanGate';
import type { ScanFindings } from '../../../src/core/images/ecr';

const complete = (counts: ScanFindings['counts']): ScanFindings => ({ status: 'COMPLETE', counts, findings: [] });

describe('the scan gate', () => {
  test('fails on the named severities only, and says what it found', () => {
    assert.deepEqual(evaluateScan(complete({ HIGH: 2, MEDIUM: 3 }), ['CRITICAL', 'HIGH']), { passed: false, summary: '2 HIGH, 3 MEDIUM', blocking: ['HIGH'] });
    assert.deepEqual(evaluateScan(complete({ MEDIUM: 3 }), ['CRITICAL', 'HIGH']), { passed: true, summary: '3 MEDIUM', blocking: [] });
    assert.equal(evaluateScan(complete({ CRITICAL: 1 }), []).passed, true, '--fail-on none never fails');
    assert.equal(evaluateScan(complete({}), ['CRITICAL']).summary, 'no findings');
  });

  test('waits while the scan runs (on an injected clock), then returns the completed scan', async () => {
    let t = 0;
    const answers: (ScanFindings | undefined)[] = [undefined, { status: 'IN_PROGRESS', counts: {}, findings: [] }, complete({ LOW: 1 })];
    const progress: string[] = [];
    const r = await awaitScan({ scanFindings: async () => answers.shift() }, 'demo-app', `sha256:${'a'.repeat(64)}`, {
      waitMs: 60_000,
      pollMs: 5_000,
      now: () => t,
      sleep: async (ms) => void (t += ms),
      onProgress: (m) => progress.push(m),
    });
    assert.deepEqual(r.counts, { LOW: 1 });
    assert.equal(t, 10_000);
    assert.deepEqual(progress, ['scan not started…', 'scan in progress…']);
  });

  test('a scan still running at the deadline, or one that failed, fails with what to do', async () => {
    let t = 0;
    const running = { scanFindings: async () => ({ status: 'IN_PROGRESS', counts: {}, findings: [] }) };
    await assert.rejects(awaitScan(running, 'demo-app', 'sha256:b', { waitMs: 20_000, now: () => t, sleep: async (ms) => void (t += ms) }), (e: { code: string; hint: string }) => e.code === 'scan.notComplete' && /--wait/.test(e.hint));
    const failed = { scanFindings: async () => ({ status: 'UNSUPPORTED_IMAGE', description: 'The operating system and/or package manager are not supported.', counts: {}, findings: [] }) };
    await assert.rejects(awaitScan(failed, 'demo-app', 'sha256:b', { waitMs: 0 }), (e: { code: string; message: string }) => e.code === 'scan.failed' && /UNSUPPORTED_IMAGE/.test(e.message));
    const never = { scanFindings: async () => undefined };
    await assert.rejects(awaitScan(never, 'demo-app', 'sha256:b', { waitMs: 0 }), (e: { hint: string }) => /scan on push/.test(e.hint));
  });
});
