/**
 * docs/TROUBLESHOOTING.md covers every error a user can meet: each error code the source can raise appears
 * in it (as `code`), and the document names no code the source no longer has.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../../support/paths';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Error codes as the source creates them: inputError('a.b', …), new PilotError('a.b', …), code: 'a.b', and git's translation table. */
function codesInSource(): Set<string> {
  const codes = new Set<string>(['cancelled', 'unexpected']);
  const patterns = [
    /(?:inputError|PilotError|kubeError)\(\s*'([a-z]+\.[a-zA-Z]+)'/g,
    /\bcode\s*[:=]\s*'([a-z]+\.[a-zA-Z]+)'/g,
    /\[\s*\/[^\n]*?\/[a-z]*,\s*'([a-z]+\.[a-zA-Z]+)'/g,
    /translate\([^;]*?,\s*'([a-z]+\.[a-zA-Z]+)'/g,
  ];
  for (const file of sources(join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) codes.add(m[1]!);
  }
  return codes;
}

describe('docs/TROUBLESHOOTING.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/TROUBLESHOOTING.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`([a-z]+\.[a-zA-Z]+|cancelled|unexpected)`/g)].map((m) => m[1]!));
  const codes = codesInSource();

  test(`every error code of the source is explained (${codes.size} codes)`, () => {
    assert.ok(codes.size > 150, `found ${codes.size} codes: the extraction still works`);
    assert.deepEqual([...codes].filter((c) => !documented.has(c)).sort(), []);
  });

  test('it names no code the source does not have', () => {
    const known = new Set([...codes]);
    // file names and settings look like codes too; only area.name pairs of the source's areas count
    const areas = new Set([...codes].map((c) => c.split('.')[0]));
    const stale = [...documented].filter((c) => c.includes('.') && areas.has(c.split('.')[0]!) && !known.has(c) && !/^(image\.(tag|repository|context|dockerfile|region|buildArgs|target|platform)|gitops\.(repo|branch|remote)|cluster\.(context|namespace)|argocd\.(application|namespace))$/.test(c));
    assert.deepEqual(stale.sort(), []);
  });
});
