import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReleaseRolloutTally, releaseIndicator } from '../../../src/core/release/rolloutTally';

const apps = ['api', 'web', 'worker'].map((app) => ({ app, key: `/r\0${app}/prod`, envId: `${app}/prod` }));
const key = (app: string) => `/r\0${app}/prod`;

describe('following a release rollout in the status bar', () => {
  test('ready/moved while it rolls out, done when every app is', () => {
    const t = new ReleaseRolloutTally('prod', apps);
    assert.equal(releaseIndicator('prod', t.snapshot).text, '$(sync~spin) prod 0/3');
    t.update(key('web'), { state: 'done' });
    let s = t.update(key('api'), { state: 'progressing', message: '1 of 2 updated replicas are available' });
    assert.equal(s.state, 'progressing');
    assert.equal(releaseIndicator('prod', s).text, '$(sync~spin) prod 1/3');
    assert.equal(s.focus.app, 'api', 'a click shows the first app still rolling out');
    t.update(key('api'), { state: 'done' });
    s = t.update(key('worker'), { state: 'done' });
    assert.equal(s.state, 'done');
    assert.ok(t.finished);
    const r = releaseIndicator('prod', s);
    assert.equal(r.text, '$(check) prod 3/3');
    assert.match(r.tooltip, /^The release into prod is rolled out: 3 apps/);
  });

  test('the first failure ends it, with which app and why; later failures and late updates do not replace it', () => {
    const t = new ReleaseRolloutTally('prod', apps);
    t.update(key('api'), { state: 'done' });
    let s = t.update(key('worker'), { state: 'failed', reason: 'ImagePullBackOff', message: 'worker-7d9 cannot pull 127.0.0.1:5000/worker:missing' });
    assert.equal(s.state, 'failed');
    assert.ok(t.finished);
    assert.equal(s.failure?.app.app, 'worker');
    assert.equal(s.focus.app, 'worker', 'a click shows the failed app');
    s = t.update(key('web'), { state: 'timeout', message: 'not rolled out within 10m' });
    assert.equal(s.failure?.app.app, 'worker', 'the first failure stays');
    s = t.update(key('worker'), { state: 'progressing' });
    assert.equal(s.failure?.reason, 'ImagePullBackOff');
    const r = releaseIndicator('prod', s);
    assert.equal(r.text, '$(error) prod worker: ImagePullBackOff');
    assert.match(r.tooltip, /^The release into prod failed: worker — worker-7d9 cannot pull .* \(1 of 3 rolled out\)/);
    assert.match(r.tooltip, /^worker: failed — worker-7d9 cannot pull/m);
    assert.match(r.tooltip, /^api: done$/m);
  });

  test('after the first failure the apps still rolling out stop being followed, but for onFailure: rollback ones', () => {
    const t = new ReleaseRolloutTally('prod', apps.map((a) => ({ ...a, rollsBackOnFailure: a.app === 'worker' })));
    assert.equal(t.stopFollowing.length, 0, 'nothing stops while the release rolls out');
    t.update(key('api'), { state: 'progressing' });
    t.update(key('web'), { state: 'failed', reason: 'ImagePullBackOff', message: 'cannot pull' });
    assert.deepEqual(t.stopFollowing.map((a) => a.app), ['api'], 'api is no longer needed; worker rolls back its own failure');
    // worker's own failure still comes through (its watch went on): the tooltip says it, the first failure stays
    const s = t.update(key('worker'), { state: 'failed', reason: 'CrashLoopBackOff', message: 'worker crashes' });
    assert.equal(s.failure?.app.app, 'web');
    assert.match(releaseIndicator('prod', s).tooltip, /^worker: failed — worker crashes$/m);
    assert.deepEqual(t.stopFollowing.map((a) => a.app), ['api']);
    const done = new ReleaseRolloutTally('prod', apps.slice(0, 2));
    done.update(key('api'), { state: 'done' });
    done.update(key('web'), { state: 'done' });
    assert.equal(done.stopFollowing.length, 0, 'a release that is done has nothing left to stop');
  });

  test('a timeout is a failure; an error code is not shown as the reason', () => {
    const t = new ReleaseRolloutTally('staging', apps.slice(0, 2));
    assert.equal(releaseIndicator('staging', t.update(key('web'), { state: 'timeout', message: 'timed out after 10m' })).text, '$(error) staging web: timed out');
    const u = new ReleaseRolloutTally('staging', apps.slice(0, 2));
    assert.equal(releaseIndicator('staging', u.update(key('api'), { state: 'failed', reason: 'kube.unreachable', message: 'the cluster does not answer' })).text, '$(error) staging api: failed');
  });

  test('apps not followed are named in the tooltip; an unknown key changes nothing', () => {
    const t = new ReleaseRolloutTally('prod', apps.slice(0, 1));
    const s = t.update('/r\0other/prod', { state: 'failed', reason: 'X' });
    assert.equal(s.state, 'progressing');
    assert.match(releaseIndicator('prod', s, ['db']).tooltip, /Not followed \(no cluster known\): db/);
    assert.throws(() => new ReleaseRolloutTally('prod', []));
  });
});
