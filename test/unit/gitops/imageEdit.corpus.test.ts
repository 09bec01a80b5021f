/**
 * Every case of the real-world corpus (test/fixtures/corpus/cases.json), each applied on its own to the
 * unmodified file, then again to the file converted to CRLF and to the file without its final newline.
 * A case passes when the result parses, holds `new` as a string at the path, every other value parses as
 * before, and only the edited line changed (or, for an absent key, only whole lines were inserted), with
 * its quote style, trailing comment and line ending kept.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { editImage, readImageAt, type EditResult } from '../../../src/core/gitops/imageEdit';
import { isValidDigest } from '../../../src/core/images/reference';
import type { ImageLocator } from '../../../src/core/yaml/locate';
import { caseName, corpusCases, corpusText, type CorpusCase } from '../../support/corpus';

type Variant = 'LF' | 'CRLF' | 'no final newline' | 'CRLF, no final newline';
const variants: Record<Variant, (text: string) => string> = {
  LF: (t) => t,
  CRLF: (t) => t.replace(/\r?\n/g, '\r\n'),
  'no final newline': (t) => t.replace(/\r?\n$/, ''),
  'CRLF, no final newline': (t) => t.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, ''),
};

function locatorOf(c: CorpusCase): ImageLocator {
  return c.kind === 'helm' ? { kind: 'helm', path: c.path } : { kind: 'kustomize', image: c.path[1]! };
}

/** Lines with their terminators ('' for a last line without one). */
function splitLines(text: string): { content: string; eol: string }[] {
  const out: { content: string; eol: string }[] = [];
  const re = /([^\n]*?)(\r\n|\n|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m[0] !== '') {
    out.push({ content: m[1]!, eol: m[2]! });
  }
  return out;
}

/** The number-looking tags of the corpus (1.10, 8.10 …) must be quoted; the others stay plain. */
function rendered(c: CorpusCase): string {
  const q = c.oldRaw?.[0];
  if (q === '"' || q === "'") return `${q}${c.new}${q}`;
  return /^[0-9]+\.[0-9]+$/.test(c.new) ? `"${c.new}"` : c.new;
}

/** The JS value of the file with only the case's path changed. */
const parsedInputs = new Map<string, unknown>();
function expectedJs(text: string, c: CorpusCase): unknown {
  if (!parsedInputs.has(text)) parsedInputs.set(text, parseDocument(text).toJS());
  const js = structuredClone(parsedInputs.get(text)) as Record<string, unknown>;
  if (c.kind === 'helm') {
    let obj = js;
    for (const k of c.path.slice(0, -1)) obj = obj[k] as Record<string, unknown>;
    obj[c.path[c.path.length - 1]!] = c.new;
    return js;
  }
  const name = c.path[1]!;
  const images = (js.images ??= []) as Record<string, unknown>[];
  const entry = images.find((e) => e && e.name === name);
  if (entry) entry.newTag = c.new;
  else images.push({ name, newTag: c.new });
  return js;
}

function valueAt(doc: ReturnType<typeof parseDocument>, c: CorpusCase): unknown {
  assert.equal(doc.errors.length, 0, `the result parses: ${doc.errors[0]?.message}`);
  if (c.kind === 'helm') return doc.getIn(c.path);
  const images = doc.get('images');
  assert.ok(isSeq(images));
  const entry = images.items.find((e) => isMap(e) && (e as YAMLMap).get('name') === c.path[1]) as YAMLMap | undefined;
  return entry?.get('newTag');
}

function check(c: CorpusCase, input: string, variant: Variant): EditResult {
  // a pinned digest is given back explicitly, so only the tag's bytes change (a tag alone drops it: tested below)
  const pinned = readImageAt(input, c.file, locatorOf(c)).digest;
  if (pinned && !isValidDigest(pinned)) return checkDropsDigest(c, input);
  const r = editImage(input, c.file, locatorOf(c), { tag: c.new, ...(pinned ? { digest: pinned } : {}) });
  assert.equal(r.changed, true);
  // the new value, as a string
  const doc = parseDocument(r.text);
  assert.equal(valueAt(doc, c), c.new);
  assert.equal(r.after.tag, c.new);
  // every other value parses the same as before
  assert.deepEqual(doc.toJS(), expectedJs(input, c));
  // line endings: CRLF stays CRLF everywhere (inserted lines too); LF files get no CR
  const crlf = variant.startsWith('CRLF');
  if (crlf) assert.ok(!/(^|[^\r])\n/.test(r.text), 'every line break is CRLF');
  else assert.ok(!r.text.includes('\r'), 'no CR in an LF file');
  assert.equal(/\n$/.test(r.text), /\n$/.test(input), 'the final newline (or its absence) is kept');

  const before = splitLines(input);
  const afterLines = splitLines(r.text);
  if (c.present) {
    // exactly the edited line differs, with its terminator, quote style and trailing comment kept
    assert.equal(afterLines.length, before.length);
    const differing = afterLines.flatMap((l, i) => (l.content !== before[i]!.content || l.eol !== before[i]!.eol ? [i + 1] : []));
    assert.deepEqual(differing, [c.line]);
    assert.deepEqual(r.lines, [c.line]);
    const oldLine = before[c.line! - 1]!.content;
    const newLine = afterLines[c.line! - 1]!.content;
    const key = c.path[c.path.length - 1]!;
    const colon = oldLine.indexOf(`${key}:`) + key.length + 1;
    if (c.oldRaw === '') {
      // empty value: the new value goes right after the colon, the rest of the line (a comment) stays
      assert.equal(newLine, `${oldLine.slice(0, colon)} ${rendered(c)}${oldLine.slice(colon)}`);
    } else {
      const at = oldLine.indexOf(c.oldRaw!, colon);
      assert.ok(at > 0, `old value ${c.oldRaw} on line ${c.line}`);
      assert.equal(newLine, `${oldLine.slice(0, at)}${rendered(c)}${oldLine.slice(at + c.oldRaw!.length)}`);
    }
  } else {
    // only whole lines inserted: removing the reported lines gives the old lines back
    assert.ok(r.lines.length >= 1);
    const kept = afterLines.filter((_, i) => !r.lines.includes(i + 1)).map((l) => l.content);
    assert.deepEqual(kept, before.map((l) => l.content));
    const inserted = r.lines.map((n) => afterLines[n - 1]!.content);
    assert.ok(
      inserted.some((l) => l.trimStart().replace(/^- /, '') === `${c.kind === 'helm' ? 'tag' : 'newTag'}: ${rendered(c)}`),
      `inserted: ${JSON.stringify(inserted)}`,
    );
    // every inserted line is indented with spaces only and has the file's line ending (unless last)
    for (const n of r.lines) {
      assert.match(afterLines[n - 1]!.content, /^ *\S/);
      if (n < afterLines.length) assert.equal(afterLines[n - 1]!.eol, crlf ? '\r\n' : '\n');
    }
  }
  return r;
}

/** A tag alone: the digest beside it is emptied (Helm) or its line removed (Kustomize); nothing else changes. */
function checkDropsDigest(c: CorpusCase, input: string): EditResult {
  const r = editImage(input, c.file, locatorOf(c), { tag: c.new });
  assert.equal(r.after.tag, c.new);
  assert.equal(r.after.digest, undefined, caseName(c));
  type Obj = Record<string, unknown>;
  const js = expectedJs(input, c) as Obj;
  if (c.kind === 'helm') {
    let obj = js;
    for (const k of c.path.slice(0, -1)) obj = obj[k] as Obj;
    obj.digest = '';
  } else delete (js.images as Obj[]).find((e) => e.name === c.path[1])!.digest;
  assert.deepEqual(parseDocument(r.text).toJS(), js, caseName(c));
  return r;
}

describe('editing every corpus case', () => {
  const cases = corpusCases();
  const results: Record<Variant, { passed: number; total: number; failed: string[] }> = {
    LF: { passed: 0, total: 0, failed: [] },
    CRLF: { passed: 0, total: 0, failed: [] },
    'no final newline': { passed: 0, total: 0, failed: [] },
    'CRLF, no final newline': { passed: 0, total: 0, failed: [] },
  };

  for (const [variant, convert] of Object.entries(variants) as [Variant, (t: string) => string][]) {
    describe(variant, () => {
      for (const c of cases) {
        test(caseName(c), () => {
          const res = results[variant];
          res.total++;
          try {
            check(c, convert(corpusText(c.file)), variant);
            res.passed++;
          } catch (e) {
            res.failed.push(caseName(c));
            throw e;
          }
        });
      }
    });
  }

  test('the anchored image block of enterprise-logs also changes its alias user, and says so', () => {
    const c = cases.find((x) => x.file.includes('enterprise-logs'))!;
    const r = editImage(corpusText(c.file), c.file, locatorOf(c), { tag: c.new });
    assert.deepEqual(r.alsoChanges, ['loki-distributed.loki.image (*image)']);
    assert.ok(r.warnings.some((w) => w.includes('loki-distributed.loki.image')));
    const js = parseDocument(r.text).toJS();
    assert.equal(js['loki-distributed'].loki.image.tag, c.new);
    assert.ok(r.text.includes('    image: *image\n'), 'the alias line stays *image');
  });

  test('a new tag alone drops the pinned digest beside it, as kustomize edit set image does (and changes nothing else)', () => {
    const pinned = cases.filter((c) => readImageAt(corpusText(c.file), c.file, locatorOf(c)).digest);
    assert.ok(pinned.length >= 2, 'the corpus has pinned digests (ingress-nginx, kustomize images example)');
    for (const c of pinned) checkDropsDigest(c, corpusText(c.file));
  });

  after(() => {
    const all = Object.values(results).reduce((a, r) => ({ passed: a.passed + r.passed, total: a.total + r.total }), { passed: 0, total: 0 });
    const parts = Object.entries(results).map(([v, r]) => `${v} ${r.passed}/${r.total}`);
    console.log(`corpus edit cases: ${all.passed}/${all.total} passed (${parts.join(', ')})`);
    for (const r of Object.values(results)) for (const f of r.failed) console.log(`  failed: ${f}`);
  });
});
