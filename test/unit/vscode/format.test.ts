import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeMarkdown, formatBytes, imageText, severityText, shortImage } from '../../../src/vscode/format';

describe('display helpers', () => {
  test('images: the repository name and tag, a digest shortened; a reference without its registry path', () => {
    assert.equal(imageText('123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app', '1.0.5'), 'demo-app 1.0.5');
    assert.equal(imageText('demo-app', '1.0.5', `sha256:${'a'.repeat(64)}`), `demo-app 1.0.5@sha256:aaaaaaaaaaaa…`);
    assert.equal(imageText(undefined, undefined), 'tag not set');
    assert.equal(shortImage('123456789012.dkr.ecr.us-east-2.amazonaws.com/team/demo-app:3f9a1c2'), 'demo-app:3f9a1c2');
    assert.equal(shortImage('nginx:1'), 'nginx:1');
  });

  test('sizes, scan counts and Markdown', () => {
    assert.deepEqual([formatBytes(undefined), formatBytes(512), formatBytes(1536), formatBytes(2_000_000), formatBytes(5 * 1024 ** 3)], ['', '512 B', '1.5 KB', '1.9 MB', '5.0 GB']);
    assert.equal(severityText({ HIGH: 2, CRITICAL: 1, LOW: 0, INFORMATIONAL: 3 }), '1 critical · 2 high · 3 info');
    assert.equal(severityText(undefined), '');
    assert.equal(escapeMarkdown('a_b *c* [d](e)'), 'a\\_b \\*c\\* \\[d\\]\\(e\\)');
  });
});
