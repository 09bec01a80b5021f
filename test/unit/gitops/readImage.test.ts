import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { readDeclaredImage } from '../../../src/core/gitops/readImage';
import type { ImageLocator } from '../../../src/core/yaml/locate';
import { caseName, corpusCases, corpusText, type CorpusCase } from '../../support/corpus';

function locatorOf(c: CorpusCase): ImageLocator {
  return c.kind === 'helm' ? { kind: 'helm', path: c.path } : { kind: 'kustomize', image: c.path[1]! };
}

describe('reading the declared tag from every corpus case', () => {
  const cases = corpusCases();
  test('the corpus has cases for both kinds', () => {
    assert.ok(cases.filter((c) => c.kind === 'helm').length >= 40);
    assert.ok(cases.filter((c) => c.kind === 'kustomize').length >= 15);
  });
  for (const c of cases) {
    test(caseName(c), () => {
      const d = readDeclaredImage(corpusText(c.file), c.file, locatorOf(c));
      assert.equal(d.tag ?? null, c.old);
      assert.equal(d.present, c.present);
      if (c.line !== null) assert.equal(d.location.line, c.line);
    });
  }
});

describe('readDeclaredImage', () => {
  test('helm: repository and registry next to the tag are combined', () => {
    const d = readDeclaredImage('image:\n  registry: quay.io\n  repository: org/app\n  tag: "1.2"\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] });
    assert.deepEqual({ repository: d.repository, tag: d.tag, line: d.location.line }, { repository: 'quay.io/org/app', tag: '1.2', line: 4 });
  });

  test('helm: a number-looking tag is read as written, not as a float', () => {
    const d = readDeclaredImage('image:\n  tag: 1.10\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] });
    assert.equal(d.tag, '1.10');
  });

  test('helm: the tag can sit behind an alias', () => {
    const d = readDeclaredImage('base: &img\n  repository: app\n  tag: v1\nimage: *img\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] });
    assert.equal(d.tag, 'v1');
  });

  test('helm: a missing intermediate key is an error located at the parent mapping', () => {
    assert.throws(
      () => readDeclaredImage('controller:\n  replicas: 1\n', 'v.yaml', { kind: 'helm', path: ['controller', 'image', 'tag'] }),
      (e: unknown) => e instanceof PilotError && e.kind === 'input' && e.code === 'yaml.pathMissing' && e.location?.line === 2,
    );
  });

  test('helm: a path ending at a mapping is an error', () => {
    assert.throws(
      () => readDeclaredImage('image:\n  tag:\n    a: 1\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] }),
      (e: unknown) => e instanceof PilotError && e.code === 'yaml.notScalar' && e.location?.line === 3,
    );
  });

  test('malformed YAML is an input error with file:line:col', () => {
    try {
      readDeclaredImage('image:\n  tag: [v1\n  other: 2\n', 'envs/dev/values.yaml', { kind: 'helm', path: ['image', 'tag'] });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof PilotError);
      assert.equal(e.kind, 'input');
      assert.equal(e.location?.file, 'envs/dev/values.yaml');
      assert.ok(e.location!.line >= 2, `line ${e.location?.line}`);
      assert.match(e.toUserString(), /^envs\/dev\/values\.yaml:\d+:\d+: /);
    }
  });

  test('duplicate keys are refused', () => {
    assert.throws(
      () => readDeclaredImage('image:\n  tag: a\n  tag: b\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] }),
      (e: unknown) => e instanceof PilotError && e.code === 'yaml.duplicateKey' && e.location?.line === 3,
    );
  });

  test('kustomize: the only images entry is used when no name is configured', () => {
    const d = readDeclaredImage('images:\n- name: app\n  newName: reg/app\n  newTag: v2\n', 'k.yaml', { kind: 'kustomize' });
    assert.deepEqual({ repository: d.repository, tag: d.tag }, { repository: 'reg/app', tag: 'v2' });
  });

  test('kustomize: several entries and no configured name is an error that says what to set', () => {
    assert.throws(
      () => readDeclaredImage('images:\n- name: a\n  newTag: v1\n- name: b\n  newTag: v2\n', 'k.yaml', { kind: 'kustomize' }),
      (e: unknown) => e instanceof PilotError && e.code === 'kustomize.ambiguousImage' && /kustomizeImage/.test(e.hint ?? ''),
    );
  });

  test('kustomize: an image that is not listed yet reads as absent, not as an error', () => {
    const d = readDeclaredImage('resources:\n- ../base\n', 'k.yaml', { kind: 'kustomize', image: 'app' });
    assert.equal(d.present, false);
    assert.equal(d.tag, undefined);
    assert.equal(d.repository, 'app');
  });

  test('a second YAML document is refused in a single-document file', () => {
    assert.throws(
      () => readDeclaredImage('image:\n  tag: a\n---\nimage:\n  tag: b\n', 'v.yaml', { kind: 'helm', path: ['image', 'tag'] }),
      (e: unknown) => e instanceof PilotError && e.code === 'yaml.multiDocument' && e.location?.line === 3,
    );
  });
});
