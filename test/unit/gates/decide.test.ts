import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Environment, EnvironmentGates } from '../../../src/core/config/model';
import { loadProject } from '../../../src/core/config/project';
import { parseFreezeWindow } from '../../../src/core/gates/freeze';
import { decideGates, formatSpan, needsApproval } from '../../../src/core/gates/decide';
import { tempDir, writeTree } from '../../support/tmp';

const env = (name: string, extra: Partial<Environment> = {}): Environment => ({
  id: name,
  name,
  gitopsRoot: '/g',
  file: `/g/envs/${name}/values.yaml`,
  relFile: `envs/${name}/values.yaml`,
  locator: { kind: 'helm', path: ['image', 'tag'] },
  promotesTo: [],
  protected: false,
  source: 'config',
  ...extra,
});
const gates = (g: Partial<EnvironmentGates> = {}): EnvironmentGates => ({ soakMs: 30 * 60_000, verify: ['healthUrl', 'analysis'], freeze: [], approval: 'typed', ...g });
const staging = env('staging', { cluster: { namespace: 'staging' }, workload: { kind: 'deployment', name: 'web' } });
const prod = env('prod', { promoteFrom: 'staging', protected: true, gates: gates() });
const NOW = Date.parse('2026-12-02T10:00:00Z'); // a Wednesday
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();

describe('decideGates', () => {
  test('ready once the source has been healthy for the soak time', () => {
    const d = decideGates({ target: prod, source: staging, now: NOW, observed: { healthy: true, reason: 'rolled out', healthySince: ago(42) } });
    assert.equal(d.promotable, true);
    assert.equal(d.summary, 'ready · staging healthy 42m');
    assert.deepEqual(d.gates.map((g) => [g.gate, g.status]), [['soak', 'pass'], ['healthUrl', 'skipped'], ['analysis', 'skipped'], ['approval', 'pass']]);
  });

  test('soaking: pending until the soak time has passed, from the cluster timestamp', () => {
    const d = decideGates({ target: prod, source: staging, now: NOW, observed: { healthy: true, reason: 'rolled out', healthySince: ago(12) } });
    assert.equal(d.promotable, false);
    assert.equal(d.summary, 'soak 12m/30m');
    assert.equal(d.blocking?.gate, 'soak');
    assert.equal(d.blocking?.until, NOW + 18 * 60_000);
    // the same observation later, on the injected clock
    assert.equal(decideGates({ target: prod, source: staging, now: NOW + 18 * 60_000, observed: { healthy: true, reason: '', healthySince: ago(12) } }).promotable, true);
  });

  test('an unhealthy source blocks with its reason; no cluster to measure soak blocks too', () => {
    const sick = decideGates({ target: prod, source: staging, now: NOW, observed: { healthy: false, reason: 'ImagePullBackOff on pod web-1' } });
    assert.equal(sick.summary, 'blocked · staging not healthy: ImagePullBackOff on pod web-1');
    const unknown = decideGates({ target: prod, source: env('staging'), now: NOW });
    assert.equal(unknown.promotable, false);
    assert.match(unknown.summary, /cannot measure 30m of soak: staging does not say where it runs/);
    const noTime = decideGates({ target: prod, source: staging, now: NOW, observed: { healthy: true, reason: '' } });
    assert.match(noTime.summary, /no completion time/);
  });

  test('a freeze window is named first, with when it ends in its zone', () => {
    const frozen = env('prod', { promoteFrom: 'staging', protected: true, gates: gates({ freeze: [parseFreezeWindow({ weekly: { from: 'Wed 09:00', to: 'Thu 08:00' }, timeZone: 'Europe/Berlin' })] }) });
    const d = decideGates({ target: frozen, source: staging, now: NOW, observed: { healthy: false, reason: 'x' } });
    assert.equal(d.summary, 'blocked · frozen until Thu 08:00 Europe/Berlin');
    assert.equal(d.blocking?.status, 'pending');
    assert.equal(new Date(d.blocking!.until!).toISOString(), '2026-12-03T07:00:00.000Z');
    assert.deepEqual(d.gates.filter((g) => g.status === 'fail' || g.status === 'pending').map((g) => g.gate), ['freeze', 'soak']);
  });

  test('verification: the health URL and the analysis of an Argo Rollout', () => {
    const ro = env('staging', { cluster: { namespace: 's' }, workload: { kind: 'rollout', name: 'web' }, healthUrl: 'http://s.example/healthz' });
    const base = { healthy: true, reason: '', healthySince: ago(60) };
    const failed = decideGates({ target: prod, source: ro, now: NOW, observed: { ...base, healthUrl: { ok: true, message: 'answered 200' }, analysis: { name: 'web-7c9-3-1', phase: 'Failed', message: 'Metric "success-rate" assessed Failed' } } });
    assert.equal(failed.summary, 'blocked · analysis web-7c9-3-1 Failed: Metric "success-rate" assessed Failed');
    const url = decideGates({ target: prod, source: ro, now: NOW, observed: { ...base, healthUrl: { ok: false, message: 'answered 503' }, analysis: { name: 'a', phase: 'Successful' } } });
    assert.equal(url.summary, 'blocked · http://s.example/healthz answered 503');
    const ok = decideGates({ target: prod, source: ro, now: NOW, observed: { ...base, healthUrl: { ok: true, message: 'answered 200' }, analysis: { name: 'a', phase: 'Successful' } } });
    assert.equal(ok.promotable, true);
    const only = env('prod', { promoteFrom: 'staging', gates: gates({ verify: [] }) });
    assert.deepEqual(decideGates({ target: only, source: ro, now: NOW, observed: { ...base, analysis: { name: 'a', phase: 'Failed' } } }).gates.map((g) => g.gate), ['soak', 'approval']);
  });

  test('without gates: a protected target still needs a healthy source (no soak), others have nothing to wait for', () => {
    const legacy = env('prod', { promoteFrom: 'staging', protected: true });
    assert.equal(decideGates({ target: legacy, source: staging, now: NOW, observed: { healthy: true, reason: '' } }).summary, 'ready · staging healthy');
    assert.equal(decideGates({ target: legacy, source: staging, now: NOW }).promotable, true);
    assert.equal(decideGates({ target: env('staging', { promoteFrom: 'dev' }), source: env('dev'), now: NOW }).summary, 'ready');
    assert.equal(needsApproval(legacy), true);
    assert.equal(needsApproval(env('qa', { gates: gates({ approval: 'typed' }) })), true);
    assert.equal(needsApproval(env('prod', { protected: true, gates: gates({ approval: 'none' }) })), false);
  });

  test('spans', () => {
    assert.deepEqual([0, 59_000, 42 * 60_000, 65 * 60_000, 120 * 60_000, 27 * 3_600_000].map(formatSpan), ['0m', '0m', '42m', '1h 5m', '2h', '1d 3h']);
  });
});

describe('gates: in gitops-pilot.yaml', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  const values = 'image:\n  repository: demo-app\n  tag: "1.0.0"\n';
  const project = async (envs: string) => {
    const dir = join(tmp.dir, `p${Math.random().toString(36).slice(2)}`);
    writeTree(dir, { 'gitops-pilot.yaml': `environments:\n${envs}`, 'envs/staging/values.yaml': values, 'envs/prod/values.yaml': values });
    return (await loadProject(dir))!;
  };

  test('defaults: soak 30m, verify healthUrl and analysis, typed approval for a protected environment', async () => {
    const p = await project('  - name: staging\n    file: envs/staging/values.yaml\n  - name: prod\n    file: envs/prod/values.yaml\n    promoteFrom: staging\n    protected: true\n    gates: {}\n    onFailure: rollback\n');
    assert.deepEqual(p.problems, []);
    const prodEnv = p.environments.find((e) => e.id === 'prod')!;
    assert.deepEqual(prodEnv.gates, { soakMs: 30 * 60_000, verify: ['healthUrl', 'analysis'], freeze: [], approval: 'typed' });
    assert.equal(prodEnv.onFailure, 'rollback');
    assert.equal(p.environments.find((e) => e.id === 'staging')!.gates, undefined);
  });

  test('the example of the issue loads', async () => {
    const p = await project(
      '  - name: staging\n    file: envs/staging/values.yaml\n  - name: prod\n    file: envs/prod/values.yaml\n    promoteFrom: staging\n    protected: true\n    gates:\n      soak: 45m\n      verify: [healthUrl]\n      freeze:\n        - weekly: { from: "Fri 16:00", to: "Mon 08:00" }\n          timeZone: Europe/Berlin\n        - dates: { from: "2026-12-24", to: "2026-12-27" }\n          timeZone: UTC\n      approval: none\n',
    );
    assert.deepEqual(p.problems, []);
    const g = p.environments.find((e) => e.id === 'prod')!.gates!;
    assert.equal(g.soakMs, 45 * 60_000);
    assert.deepEqual(g.verify, ['healthUrl']);
    assert.deepEqual(g.freeze.map((w) => w.text), ['Fri 16:00 → Mon 08:00 Europe/Berlin', '2026-12-24 → 2026-12-27 UTC']);
    assert.equal(g.approval, 'none');
  });

  test('a bad zone, soak or window is a problem at its line; prod is not listed', async () => {
    const bad = async (gatesYaml: string, re: RegExp, line: number) => {
      const p = await project(`  - name: staging\n    file: envs/staging/values.yaml\n  - name: prod\n    file: envs/prod/values.yaml\n    gates:\n${gatesYaml}`);
      assert.equal(p.problems.length, 1, JSON.stringify(p.problems));
      assert.match(p.problems[0]!.message, re);
      assert.equal(p.problems[0]!.location?.line, line);
      assert.ok(!p.environments.some((e) => e.id === 'prod'));
    };
    await bad('      freeze:\n        - weekly: { from: "Fri 16:00", to: "Mon 08:00" }\n          timeZone: Europe/Berlln\n', /"Europe\/Berlln" is not an IANA time zone/, 8);
    await bad('      soak: 30 minutes\n', /soak/, 7);
    await bad('      freeze:\n        - dates: { from: "2026-12-27", to: "2026-12-24" }\n', /ends before it starts/, 8);
    await bad('      freeze:\n        - { timeZone: UTC }\n', /freeze/, 8);
  });
});
