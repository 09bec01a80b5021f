/**
 * The rules inside a release (Promote All / promote --all): every app passes the single promotion's rules
 * (protected: mutable tags refused, the source healthy; gates), every refusal is said at once naming its app,
 * and --override-gate / Override… promotes anyway with a Gate-Override trailer per app. Real git; the
 * source's cluster is the one injected input (what observeSource would have seen), decided by the real decideGates.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadProject } from '../../../src/core/config/project';
import { decideGates } from '../../../src/core/gates/decide';
import type { OperationContext } from '../../../src/core/gitops/operations';
import { nullLogger } from '../../../src/core/log';
import { promoteRelease } from '../../../src/core/release/promote';
import { git, gitFixture } from '../../support/gitRepos';

const values = (app: string, tag: string) => `image:\n  repository: reg.example/${app}\n  tag: ${tag}\n`;

function fixture(staging: Record<string, string>) {
  const files: Record<string, string> = {};
  for (const [app, tag] of Object.entries(staging)) {
    files[`envs/staging/${app}.yaml`] = values(app, tag);
    files[`envs/prod/${app}.yaml`] = values(app, '0.9.0');
  }
  return gitFixture(files);
}

/** prod is protected (by its name); `unhealthy`: the apps whose staging rollout is not healthy */
async function context(work: string, unhealthy: readonly string[]): Promise<OperationContext> {
  const project = (await loadProject(work))!;
  return {
    project,
    git: { log: nullLogger },
    push: false,
    gates: async (from, to) => decideGates({ target: to, source: from, now: Date.parse('2026-12-06T12:00:00Z'), observed: { healthy: !unhealthy.includes(from.app ?? ''), reason: 'ImagePullBackOff' } }),
  };
}

describe('a release follows the protected-environment rules and gates for every app', () => {
  test('an unhealthy source refuses the release naming the app; nothing is written or committed', async () => {
    const fx = fixture({ api: '1.1.0', web: '2.0.0', worker: '3.1.0' });
    try {
      const work = fx.clones[0]!;
      const head = git(work, 'rev-parse', 'HEAD');
      const ctx = await context(work, ['web']);
      await assert.rejects(promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true }), (e: Error & { code?: string; hint?: string }) => {
        assert.equal(e.code, 'promote.sourceUnhealthy');
        assert.match(e.message, /^web: web\/staging is not healthy \(ImagePullBackOff\)/);
        return true;
      });
      assert.equal(git(work, 'rev-parse', 'HEAD'), head);
      assert.equal(readFileSync(join(work, 'envs/prod/api.yaml'), 'utf8'), values('api', '0.9.0'), 'api passed, but nothing moves when one app is refused');
    } finally {
      fx.cleanup();
    }
  });

  test('several refusals are said at once: a mutable tag and an unhealthy source, each with its app', async () => {
    const fx = fixture({ api: 'latest', web: '2.0.0', worker: '3.1.0' });
    try {
      const work = fx.clones[0]!;
      const ctx = await context(work, ['worker']);
      await assert.rejects(promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'env.mutableTag', 'the first refusal gives the code and hint');
        assert.match(e.message, /^2 apps cannot be promoted to prod: api: prod is protected and "latest" is a mutable tag; worker: worker\/staging is not healthy/);
        return true;
      });
      // an override is for gates, never for a mutable tag into a protected environment
      await assert.rejects(promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true, overrideGate: 'hotfix INC-1' }), /api: prod is protected and "latest" is a mutable tag/);
    } finally {
      fx.cleanup();
    }
  });

  test('--override-gate / Override…: promoted in one commit, a Gate-Override trailer for each app it was needed for', async () => {
    const fx = fixture({ api: '1.1.0', web: '2.0.0', worker: '3.1.0' });
    try {
      const work = fx.clones[0]!;
      const ctx = await context(work, ['web']);
      await assert.rejects(promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true, overrideGate: 'two\nlines' }), /an override needs a reason on one line/);
      const r = await promoteRelease(ctx, { from: 'staging', to: 'prod', confirmed: true, overrideGate: ' hotfix INC-1 ' });
      assert.equal(r.status, 'committed');
      assert.equal(git(work, 'log', '-1', '--format=%s'), 'promote(prod): 3 apps from staging');
      const body = git(work, 'log', '-1', '--format=%b');
      const overrides = body.split('\n').filter((l) => l.startsWith('Gate-Override:'));
      assert.equal(overrides.length, 1, body);
      assert.match(overrides[0]!, /^Gate-Override: web: [a-zA-Z]+: hotfix INC-1$/);
      assert.equal(readFileSync(join(work, 'envs/prod/web.yaml'), 'utf8'), values('web', '2.0.0'));
    } finally {
      fx.cleanup();
    }
  });
});
