import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../../support/cli';
import { tempDir, writeTree } from '../../support/tmp';

describe('gitops-pilot envs', () => {
  const tmp = tempDir();
  after(tmp.cleanup);
  writeTree(join(tmp.dir, 'ok'), {
    'envs/dev/values.yaml': 'image:\n  repository: demo\n  tag: 1.0.5\n',
    'envs/prod/values.yaml': 'image:\n  repository: demo\n  tag: "1.0.3"\n  digest: sha256:' + 'a'.repeat(64) + '\n',
  });
  writeTree(join(tmp.dir, 'broken'), { 'envs/dev/values.yaml': 'image: [\n' });
  writeTree(join(tmp.dir, 'badconfig'), { 'gitops-pilot.yaml': 'environments:\n  - name: dev\n    fil: x\n' });

  test('--json prints one document with every environment', async () => {
    const r = await runCli(['envs', '--json'], join(tmp.dir, 'ok'));
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.deepEqual(doc.environments.map((e: { id: string; tag: string; promotesTo: string[]; protected: boolean }) => [e.id, e.tag, e.promotesTo, e.protected]), [
      ['dev', '1.0.5', ['prod'], false],
      ['prod', '1.0.3', [], true],
    ]);
    assert.equal(doc.environments[1].digest, 'sha256:' + 'a'.repeat(64));
    assert.deepEqual(doc.problems, []);
  });

  test('a table for people', async () => {
    const r = await runCli(['envs', '--dir', join(tmp.dir, 'ok')], '/');
    assert.equal(r.code, 0);
    assert.match(r.out, /^ENVIRONMENT\s+TAG\s+REPOSITORY\s+FILE\s+PROMOTES TO\ndev\s+1\.0\.5\s+demo\s+envs\/dev\/values\.yaml\s+prod\n/);
  });

  test('a broken values file: still listed, error with file:line:col, exit 2', async () => {
    const r = await runCli(['envs'], join(tmp.dir, 'broken'));
    assert.equal(r.code, 2);
    assert.match(r.out, /dev\s+ERROR/);
    assert.match(r.err, /envs\/dev\/values\.yaml:\d+:\d+: /);
  });

  test('an invalid config: exit 2 with the location', async () => {
    const r = await runCli(['envs', '--json'], join(tmp.dir, 'badconfig'));
    assert.equal(r.code, 2);
    const doc = JSON.parse(r.out);
    const unknown = doc.problems.find((p: { message: string }) => /unknown key "fil"/.test(p.message));
    assert.equal(unknown.line, 3);
    assert.match(unknown.message, /\(did you mean "file"\?\)/);
    assert.ok(doc.problems.some((p: { message: string; line: number }) => /missing the required key "file"/.test(p.message) && p.line === 2));
  });

  test('no project: exit 2 and a hint', async () => {
    const r = await runCli(['envs'], tmp.dir + '/nowhere');
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: no environments found/m);
    assert.match(r.err, /^hint: /m);
  });

  test('unknown options and commands are bad input', async () => {
    assert.equal((await runCli(['envs', '--jsn'], tmp.dir)).code, 2);
    assert.equal((await runCli(['deploy'], tmp.dir)).code, 2);
    assert.equal((await runCli([], tmp.dir)).code, 2);
    const help = await runCli(['envs', '--help'], tmp.dir);
    assert.equal(help.code, 0);
    assert.match(help.out, /--json/);
  });
});
