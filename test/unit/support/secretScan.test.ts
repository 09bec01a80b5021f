/** The end-of-run secret scan finds a secret in any text artifact, names the file but not the secret, and skips binaries. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { scanForSecrets } from '../../support/secretScan';
import { tempDir, writeTree } from '../../support/tmp';

describe('secret scan', () => {
  const tmp = tempDir('gitops-pilot-scan-');
  after(tmp.cleanup);
  const secret = 'c2VjcmV0LXRva2VuLWZvci10aGUtc2Nhbg==';

  test('a secret in a log, a TAP report or a results file is a hit; the report never shows it', () => {
    writeTree(tmp.dir, {
      'results/secrets.txt': `${JSON.stringify(secret)}\n${JSON.stringify('another-secret-value')}\n`,
      'results/integration.tap': 'ok 1 - a test\n',
      'results/logs/server/exthost1__output__1-GitOps Pilot.log': `[info] logged in to 127.0.0.1:5000 with ${secret}\n`,
      'test-results/e2e/01-shot.png': secret,
    });
    const r = scanForSecrets([join(tmp.dir, 'results'), join(tmp.dir, 'test-results')], join(tmp.dir, 'results/secrets.txt'));
    assert.equal(r.secrets, 2);
    assert.equal(r.files, 2, 'the secrets file and the screenshot are not scanned');
    assert.equal(r.hits.length, 1);
    assert.match(r.hits[0]!.file, /GitOps Pilot\.log$/);
    assert.equal(JSON.stringify(r).includes(secret), false, 'the report does not repeat the secret');
  });

  test('no secrets recorded: nothing to find, and the count says so', () => {
    const r = scanForSecrets([join(tmp.dir, 'results')], join(tmp.dir, 'none.txt'));
    assert.deepEqual([r.secrets, r.hits.length], [0, 0]);
  });
});
