import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Environment } from '../../../src/core/config/model';
import { decideAutoRollback } from '../../../src/core/gates/autoRollback';

const env = (onFailure?: 'rollback' | 'none'): Environment => ({
  id: 'dev', name: 'dev', gitopsRoot: '/g', file: '/g/envs/dev/values.yaml', relFile: 'envs/dev/values.yaml', locator: { kind: 'helm', path: ['image', 'tag'] }, promotesTo: [], protected: false, source: 'config', ...(onFailure ? { onFailure } : {}),
});
const SHA = 'a'.repeat(40);
const failed = { state: 'failed', reason: 'CrashLoopBackOff', message: 'pod web-1: CrashLoopBackOff' };
const deploy = { env: env('rollback'), status: 'pushed' as const, commit: SHA, message: 'deploy(dev): demo-app 1.0.4 -> 1.0.5\n' };

describe('decideAutoRollback', () => {
  test('reverts the failed deployment when the environment asks for it', () => {
    assert.deepEqual(decideAutoRollback(deploy, failed, SHA), { act: true, revert: SHA });
    assert.deepEqual(decideAutoRollback({ ...deploy, message: 'promote(dev): demo-app 1.0.4 -> 1.0.5\n' }, failed, SHA), { act: true, revert: SHA });
  });

  test('off by default, and only after a failure of a pushed deployment', () => {
    assert.deepEqual(decideAutoRollback({ ...deploy, env: env() }, failed, SHA), { act: false });
    assert.deepEqual(decideAutoRollback({ ...deploy, env: env('none') }, failed, SHA), { act: false });
    assert.deepEqual(decideAutoRollback(deploy, { state: 'timeout', message: 'timed out' }, SHA), { act: false });
    assert.deepEqual(decideAutoRollback(deploy, { state: 'done', message: '' }, SHA), { act: false });
    assert.deepEqual(decideAutoRollback({ ...deploy, status: 'committed' }, failed, SHA), { act: false });
  });

  test('never loops: a failed rollback stops and reports', () => {
    const d = decideAutoRollback({ ...deploy, message: `rollback(dev): demo-app 1.0.5 -> 1.0.4\n\nReverts: ${SHA}\n` }, failed, SHA);
    assert.equal(d.act, false);
    assert.equal(!d.act && d.report?.code, 'rollback.autoStopped');
    assert.match(!d.act ? d.report!.message : '', /the automatic rollback \(aaaaaaa\) failed too \(CrashLoopBackOff\); not rolling back again/);
  });

  test('a newer deployment on top: nothing is reverted automatically', () => {
    const d = decideAutoRollback(deploy, failed, 'b'.repeat(40));
    assert.equal(d.act, false);
    assert.match(!d.act ? d.report!.message : '', /a newer deployment \(bbbbbbb\)/);
  });
});
