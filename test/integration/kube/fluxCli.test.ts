/**
 * `gitops-pilot rollout-status --object FILE.json` for Flux objects, through the bundled CLI a pipeline
 * runs (dist/cli.js in its own process): every Kustomization / HelmRelease of the status table from Flux's
 * documentation gives Flux's verdict and its exit code (0 done, 1 failed, 3 progressing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cliPath } from '../../support/cliProcess';
import { repoRoot } from '../../support/paths';
import { tempDir } from '../../support/tmp';

const table: { cases: Array<{ name: string; object: any; expect: { verdict?: string } }> } = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/flux/status-table.json'), 'utf8'));
const EXIT: Record<string, number> = { done: 0, failed: 1, progressing: 3 };

describe('rollout-status --object on Flux objects (bundled CLI)', () => {
  const tmp = tempDir('gitops-pilot-flux-cli-');
  after(() => tmp.cleanup());
  for (const c of table.cases.filter((x) => x.expect.verdict)) {
    test(c.name, () => {
      const file = join(tmp.dir, 'object.json');
      writeFileSync(file, JSON.stringify(c.object));
      const r = spawnSync(process.execPath, [cliPath, 'rollout-status', '--object', file], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmp.dir } });
      const out = JSON.parse(r.stdout);
      assert.equal(out.state, c.expect.verdict, r.stdout);
      assert.equal(r.status, EXIT[c.expect.verdict!]);
      assert.match(out.message, new RegExp(`^${c.object.kind} ${c.object.metadata.namespace}/${c.object.metadata.name} `));
    });
  }
});
