/**
 * `promote --force` skips the source-health check of a protected target, never its gates: not for one
 * environment, and not for a release (`--all` / `--app`), whose apps each have the target's gates. Refused
 * with exit 2 before anything is read from a cluster or written.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli } from '../../support/cli';
import { git, gitFixture } from '../../support/gitRepos';

const CONFIG = `apps:
  - { name: api, image: reg.example/api }
  - { name: web, image: reg.example/web }
environments:
  - name: staging
    file: envs/staging/{app}.yaml
  - name: prod
    file: envs/prod/{app}.yaml
    promoteFrom: staging
    gates:
      soak: 30m
`;
const values = (app: string, tag: string) => `image:\n  repository: reg.example/${app}\n  tag: "${tag}"\n`;

describe('promote --force and gates', () => {
  for (const selection of [['--all'], ['--app', 'api'], ['--app', 'api', '--app', 'web']]) {
    test(`a release (${selection.join(' ')}) into a gated environment: --force is refused, nothing changes`, async () => {
      const fx = gitFixture({ 'gitops-pilot.yaml': CONFIG, 'envs/staging/api.yaml': values('api', '1.1.0'), 'envs/staging/web.yaml': values('web', '2.1.0'), 'envs/prod/api.yaml': values('api', '1.0.0'), 'envs/prod/web.yaml': values('web', '2.0.0') });
      try {
        const work = fx.clones[0]!;
        const head = git(work, 'rev-parse', 'HEAD');
        const r = await runCli(['promote', '--from', 'staging', '--to', 'prod', ...selection, '--yes', '--force', '--no-push'], work);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, /--force does not skip the gates of prod\n.*Override them with --override-gate REASON/);
        assert.equal(git(work, 'rev-parse', 'HEAD'), head, 'no commit');
        assert.equal(readFileSync(join(work, 'envs/prod/api.yaml'), 'utf8'), values('api', '1.0.0'));
      } finally {
        fx.cleanup();
      }
    });
  }

  test('one app of several (--to api/prod): --force is refused too', async () => {
    const fx = gitFixture({ 'gitops-pilot.yaml': CONFIG, 'envs/staging/api.yaml': values('api', '1.1.0'), 'envs/prod/api.yaml': values('api', '1.0.0') });
    try {
      const r = await runCli(['promote', '--from', 'api/staging', '--to', 'api/prod', '--yes', '--force', '--no-push'], fx.clones[0]!);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /--force does not skip the gates of prod/);
    } finally {
      fx.cleanup();
    }
  });
});
