import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { describeLocator, parseKeyPath, parseSegment } from '../../../src/core/yaml/locate';

describe('key paths with list selectors', () => {
  test('dots inside brackets belong to the selector', () => {
    assert.deepEqual(parseKeyPath('spec.source.helm.parameters[name=image.tag].value'), ['spec', 'source', 'helm', 'parameters[name=image.tag]', 'value']);
    assert.deepEqual(parseKeyPath('spec.template.spec.containers[name=web].image'), ['spec', 'template', 'spec', 'containers[name=web]', 'image']);
    assert.deepEqual(parseKeyPath('image.tag'), ['image', 'tag']);
    assert.deepEqual(parseKeyPath(['a.b', 'c']), ['a.b', 'c']);
  });
  test('segments: a key, key[field=value], key[index]', () => {
    assert.deepEqual(parseSegment('containers[name=web]'), { key: 'containers', select: { field: 'name', value: 'web' } });
    assert.deepEqual(parseSegment('containers[0]'), { key: 'containers', select: { index: 0 } });
    assert.deepEqual(parseSegment('tag'), { key: 'tag' });
  });
  test('a malformed segment is an input error that shows the syntax', () => {
    for (const p of ['a.[x=1]', 'a.b[', 'a.b[name]', 'a..b']) {
      assert.throws(() => parseKeyPath(p), (e: unknown) => e instanceof PilotError && e.code === 'path.invalid' && /containers\[name=web\]/.test(e.hint!), p);
    }
  });
  test('locators describe themselves for messages', () => {
    assert.equal(describeLocator({ kind: 'helm', path: parseKeyPath('a[name=x.y].image') }), 'a[name=x.y].image');
    assert.equal(describeLocator({ kind: 'manifest', container: 'web', workload: 'deployment/app' }), 'deployment/app container web');
  });
});
