/**
 * The splice editor: each change is a splice of the original text at a scalar's range (never a
 * re-stringified document, whose printer would reflow it), whole lines inserted or removed where a key
 * is added or dropped. `finish` applies the splices, parses the result again and verifies that it holds
 * the new values, as strings, and every other value exactly as before; otherwise nothing is returned.
 */
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError, PilotError, type SourceLocation } from '../../errors';
import { findPair, locate, locateNode, type ParsedYaml } from '../../yaml/document';
import type { DeclaredImage } from '../readImage';
import { aliasesOf } from './aliases';
import { renderScalar, type FlowStyle } from './scalar';
import type { EditResult, ImageChange, JsPath } from './types';

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly seq: number;
  /** whole lines inserted; `lead` = length of a line break written before them (insert at end of file) */
  readonly insertLines?: { lead: number };
  /** a whole line removed (1-based, old text) */
  readonly removedLine?: number;
}

interface Expectation {
  /** path in the JS value of the document (for a stream: the document index first) */
  readonly path: JsPath;
  readonly op: 'set' | 'delete';
  readonly value?: unknown;
}

interface PendingInsert {
  readonly container: YAMLMap | YAMLSeq;
  /** block: whole lines (without indentation of the container's own level applied yet); flow: item texts */
  readonly entries: { key?: string; text: string; lines?: string[] }[];
}

const STR_TAG = 'tag:yaml.org,2002:str';

export class Editor {
  readonly splices: Splice[] = [];
  readonly expectations: Expectation[] = [];
  readonly warnings: string[] = [];
  /** nodes whose value (or content) the edit changes: aliases of them change too */
  readonly touched = new Set<Node>();
  /** the new value of each replaced scalar */
  private readonly scalarValues = new Map<Scalar, string>();
  private readonly pending = new Map<YAMLMap | YAMLSeq, PendingInsert>();
  private seq = 0;
  readonly eol: string;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly docs: readonly ParsedYaml[],
    /** for streams: expectations paths start with the document index */
    private readonly docPrefix: JsPath = [],
  ) {
    const m = /\r?\n/.exec(text);
    this.eol = m ? m[0] : '\n';
  }

  get p(): ParsedYaml {
    return this.docs[0]!;
  }

  loc(offset: number): SourceLocation {
    return locate(this.p, offset);
  }

  expect(path: JsPath, op: 'set' | 'delete', value?: unknown): void {
    this.expectations.push({ path: [...this.docPrefix, ...path], op, value });
  }

  private add(s: Omit<Splice, 'seq'>): void {
    this.splices.push({ ...s, seq: this.seq++ });
  }

  // ---- setting a value in a mapping ----

  /**
   * Sets `key` of `map` to the string `value`: replaces the scalar in place, fills an empty value, or adds
   * the key. `mapPath` is the JS path of `map`. Returns false when the value was already that string.
   */
  setField(map: YAMLMap, mapPath: JsPath, key: string, value: string, shownPath: string): boolean {
    const pair = findPair(map, key);
    this.expect([...mapPath, key], 'set', value);
    if (!pair) {
      this.queueInsert(map, key, value);
      return true;
    }
    const v = pair.value;
    if (isAlias(v)) {
      throw inputError('yaml.aliasValue', `"${shownPath}" is an alias (*${v.source}); setting it there would change the anchored value and every other *${v.source}`, {
        location: locateNode(this.p, v as unknown as Node),
        hint: `Write the value of ${shownPath} directly instead of the alias, or change the anchored value itself`,
      });
    }
    if (v === null || v === undefined || (isScalar(v) && isEmptySource(v))) {
      this.fillEmpty(pair, v as Scalar | null, value, Boolean(map.flow), shownPath);
      this.touched.add(map);
      return true;
    }
    if (!isScalar(v)) {
      throw inputError('yaml.notScalar', `"${shownPath}" is a ${isSeq(v) ? 'list' : 'mapping'}, not a single value`, {
        location: locateNode(this.p, v),
        hint: 'The path must end at the value itself, e.g. image.tag',
      });
    }
    if (typeof v.value === 'string' && v.value === value) return false;
    this.replaceScalar(v, value, Boolean(map.flow), shownPath);
    return true;
  }

  /** Replaces a one-line plain or quoted scalar, keeping its quote style. */
  replaceScalar(node: Scalar, value: string, inFlow: boolean, shownPath: string): void {
    const [start, end] = node.range!;
    const location = this.loc(start);
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      throw inputError('yaml.blockScalar', `"${shownPath}" is a block scalar (${node.type === 'BLOCK_LITERAL' ? '|' : '>'}); it is not edited automatically`, {
        location,
        hint: `Write ${shownPath} as a one-line value (e.g. ${shownPath.split('.').pop()}: "v1.2.3"), then try again`,
      });
    }
    if (/[\r\n]/.test(this.text.slice(start, end))) {
      throw inputError('yaml.multiLineValue', `the value of "${shownPath}" spans several lines; it is not edited automatically`, {
        location,
        hint: `Write ${shownPath} on one line, then try again`,
      });
    }
    if (node.tag !== undefined && node.tag !== STR_TAG) {
      throw inputError('yaml.taggedValue', `the value of "${shownPath}" has the explicit tag ${node.tag}, so it cannot hold a tag string`, {
        location,
        hint: `Remove the tag from ${shownPath}`,
      });
    }
    const style: FlowStyle = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? node.type : 'PLAIN';
    this.add({ start, end, text: renderScalar(value, style, inFlow) });
    this.touched.add(node);
    this.scalarValues.set(node, value);
  }

  /** `key:` with nothing (or only a comment) after it: the value goes right after the colon. */
  private fillEmpty(pair: Pair<Node, Node | null>, node: Scalar | null, value: string, inFlow: boolean, shownPath: string): void {
    if (node && (node.tag !== undefined || node.anchor !== undefined)) {
      throw inputError('yaml.unsupported', `"${shownPath}" is empty but carries ${node.anchor ? `the anchor &${node.anchor}` : `the tag ${node.tag}`}; it is not edited automatically`, {
        location: locateNode(this.p, pair.key),
        hint: `Give ${shownPath} a value by hand`,
      });
    }
    const colon = this.colonAfterKey(pair, shownPath);
    this.add({ start: colon + 1, end: colon + 1, text: ` ${renderScalar(value, 'PLAIN', inFlow)}` });
  }

  private colonAfterKey(pair: Pair<Node, Node | null>, shownPath: string): number {
    const key = pair.key as Node | null;
    let i = key?.range?.[1] ?? -1;
    while (i >= 0 && (this.text[i] === ' ' || this.text[i] === '\t')) i++;
    if (i < 0 || this.text[i] !== ':') {
      throw inputError('yaml.unsupported', `the key "${shownPath}" is not written as "key: value"; it is not edited automatically`, {
        location: locateNode(this.p, key),
        hint: `Write ${shownPath} as "key: value" on one line`,
      });
    }
    return i;
  }

  /** Removes `key` from a block mapping (its whole line), or sets it to "" when it is not on a line of its own. */
  removeField(map: YAMLMap, mapPath: JsPath, key: string, shownPath: string, mode: 'deleteLine' | 'empty'): boolean {
    const pair = findPair(map, key);
    if (!pair) return false;
    const v = pair.value;
    if (v === null || (isScalar(v) && (v.value === null || v.value === ''))) return false;
    if (mode === 'deleteLine' && !map.flow && isScalar(v) && this.deleteLineOf(pair)) {
      this.expect([...mapPath, key], 'delete');
      this.touched.add(map);
      return true;
    }
    return this.setField(map, mapPath, key, '', shownPath);
  }

  private deleteLineOf(pair: Pair<Node, Node | null>): boolean {
    const key = pair.key as Node;
    const v = pair.value as Scalar;
    const t = this.text;
    const lineStart = t.lastIndexOf('\n', key.range![0] - 1) + 1;
    if (t.slice(lineStart, key.range![0]).trim() !== '') return false; // `- digest: …`: the line holds more
    if (v.type === 'BLOCK_LITERAL' || v.type === 'BLOCK_FOLDED' || /[\r\n]/.test(t.slice(v.range![0], v.range![1]))) return false;
    const nl = t.indexOf('\n', v.range![1]);
    const line = this.loc(lineStart).line;
    if (nl >= 0) {
      this.add({ start: lineStart, end: nl + 1, text: '', removedLine: line });
    } else {
      // last line without a line break: remove the break before it instead
      if (lineStart === 0) return false;
      const prevBreak = t[lineStart - 2] === '\r' ? lineStart - 2 : lineStart - 1;
      this.add({ start: prevBreak, end: t.length, text: '', removedLine: line });
    }
    return true;
  }

  // ---- inserting new keys / entries ----

  queueInsert(map: YAMLMap, key: string, value: string): void {
    const entry = map.flow ? { key, text: `${key}: ${renderScalar(value, 'PLAIN', true)}` } : { key, text: `${key}: ${renderScalar(value, 'PLAIN', false)}` };
    this.queue(map, entry);
  }

  queue(container: YAMLMap | YAMLSeq, entry: { key?: string; text: string; lines?: string[] }): void {
    let p = this.pending.get(container);
    if (!p) {
      p = { container, entries: [] };
      this.pending.set(container, p);
    }
    p.entries.push(entry);
    this.touched.add(container);
  }

  /** Where the line after the one holding `contentEnd` starts (or the end of a file without a final break). */
  afterLine(contentEnd: number): { offset: number; atLineStart: boolean; eol: string } {
    const t = this.text;
    if (contentEnd > 0 && t[contentEnd - 1] === '\n') return { offset: contentEnd, atLineStart: true, eol: t[contentEnd - 2] === '\r' ? '\r\n' : '\n' };
    const nl = t.indexOf('\n', contentEnd);
    if (nl < 0) return { offset: t.length, atLineStart: false, eol: this.eol };
    return { offset: nl + 1, atLineStart: true, eol: t[nl - 1] === '\r' ? '\r\n' : '\n' };
  }

  insertLines(contentEnd: number, lines: readonly string[]): void {
    const at = this.afterLine(contentEnd);
    const text = at.atLineStart ? lines.map((l) => l + at.eol).join('') : lines.map((l) => at.eol + l).join('');
    this.add({ start: at.offset, end: at.offset, text, insertLines: { lead: at.atLineStart ? 0 : at.eol.length } });
  }

  /** The indentation (as spaces) of the column where `offset` sits on its line. */
  columnIndent(offset: number): string {
    const lineStart = this.text.lastIndexOf('\n', offset - 1) + 1;
    return this.text.slice(lineStart, offset).replace(/[^\t]/g, ' ');
  }

  private flushInserts(): void {
    for (const { container, entries } of this.pending.values()) {
      if (container.flow) this.flowInsert(container, entries.map((e) => e.text));
      else if (isMap(container)) {
        const first = container.items[0]!;
        const indent = this.columnIndent((first.key as Node).range![0]);
        const last = container.items[container.items.length - 1]!;
        this.insertLines(contentEnd(last), entries.flatMap((e) => e.lines ?? [indent + e.text]));
      } else {
        const last = container.items[container.items.length - 1] as Node;
        this.insertLines(contentEnd(last), entries.flatMap((e) => e.lines ?? [e.text]));
      }
    }
  }

  /** Adds items to a flow mapping or sequence: `{}` → `{tag: x}`, `{a: 1}` → `{a: 1, tag: x}`. */
  private flowInsert(c: YAMLMap | YAMLSeq, items: readonly string[]): void {
    const t = this.text;
    const close = c.range![1] - 1;
    if (t[close] !== '}' && t[close] !== ']') {
      throw inputError('yaml.unsupported', 'a flow collection that could not be extended', { location: this.loc(c.range![0]) });
    }
    const joined = items.join(', ');
    if (!c.items.length) {
      this.add({ start: close, end: close, text: joined });
      return;
    }
    const end = contentEnd(c.items[c.items.length - 1] as Node | Pair);
    let i = end;
    while (i < close && /\s/.test(t[i]!)) i++;
    if (t[i] === ',') this.add({ start: i + 1, end: i + 1, text: ` ${joined}` });
    else this.add({ start: end, end, text: `, ${joined}` });
  }

  // ---- finishing: apply, re-parse, verify ----

  /** `reparse` parses a result once: its plain value (to compare with the original) and the image it declares. */
  finish(before: DeclaredImage, change: ImageChange, what: string, reparse: (text: string) => { js: unknown; image: DeclaredImage }): EditResult {
    this.flushInserts();
    const splices = [...this.splices].sort((a, b) => a.start - b.start || a.seq - b.seq);
    for (let i = 1; i < splices.length; i++) {
      if (splices[i]!.start < splices[i - 1]!.end) throw verifyError(this.file, 'two changes overlap');
    }
    let out = '';
    let pos = 0;
    const placed: { splice: Splice; newStart: number }[] = [];
    for (const s of splices) {
      out += this.text.slice(pos, s.start);
      placed.push({ splice: s, newStart: out.length });
      out += s.text;
      pos = s.end;
    }
    out += this.text.slice(pos);
    if (out === this.text) {
      return { text: this.text, changed: false, before, after: before, lines: [], removedLines: [], alsoChanges: [], warnings: this.warnings };
    }
    const aliases = aliasesOf(this.docs, this.touched, this.docPrefix.length > 0);
    for (const a of aliases) {
      // an alias of a collection shares its JS object; an alias of a scalar copies the value
      const v = this.scalarValues.get(a.target as Scalar);
      if (v !== undefined) this.expectations.push({ path: a.jsPath, op: 'set', value: v });
    }
    const alsoChanges = aliases.map((a) => a.shown);
    if (alsoChanges.length) {
      this.warnings.push(`The edited value is shared through a YAML anchor, so it also changes at: ${alsoChanges.join(', ')}`);
    }
    const lines = new Set<number>();
    const removedLines: number[] = [];
    const newLines = lineIndex(out);
    for (const { splice, newStart } of placed) {
      if (splice.removedLine !== undefined) {
        removedLines.push(splice.removedLine);
        continue;
      }
      if (!splice.text.length) continue;
      const from = newStart + (splice.insertLines?.lead ?? 0);
      const to = newStart + splice.text.length - 1;
      for (let l = lineAt(newLines, from); l <= lineAt(newLines, Math.max(from, to)); l++) lines.add(l);
    }
    // verify: the result parses, holds the new values, and every other value is what it was
    const after = this.verify(out, change, what, reparse);
    return { text: out, changed: true, before, after, lines: [...lines].sort((a, b) => a - b), removedLines, alsoChanges, warnings: this.warnings };
  }

  private verify(out: string, change: ImageChange, what: string, reparse: (text: string) => { js: unknown; image: DeclaredImage }): DeclaredImage {
    let afterJs: unknown;
    let after: DeclaredImage;
    try {
      ({ js: afterJs, image: after } = reparse(out));
    } catch (e) {
      throw verifyError(this.file, `the result does not parse (${e instanceof Error ? e.message : String(e)})`, e);
    }
    const expected = this.docs.length === 1 && !this.docPrefix.length ? this.docs[0]!.doc.toJS() : this.docs.map((d) => d.doc.toJS());
    for (const x of this.expectations) applyExpectation(expected, x);
    if (!isDeepStrictEqual(afterJs, expected)) {
      throw verifyError(this.file, `the result does not hold exactly the requested change at ${what}`);
    }
    if (change.tag !== undefined && after.tag !== change.tag) throw verifyError(this.file, `the tag reads back as ${JSON.stringify(after.tag)}`);
    if (typeof change.digest === 'string' && after.digest !== change.digest) throw verifyError(this.file, `the digest reads back as ${JSON.stringify(after.digest)}`);
    if (change.digest === null && after.digest !== undefined) throw verifyError(this.file, 'the digest is still set');
    if (change.repository !== undefined && after.repository !== change.repository) throw verifyError(this.file, `the repository reads back as ${JSON.stringify(after.repository)}`);
    return after;
  }
}

export function verifyError(file: string, why: string, cause?: unknown): PilotError {
  return new PilotError('edit.verifyFailed', `the edit of ${file} was not applied: ${why}`, {
    hint: 'Nothing was written. Edit the file by hand and report this as a bug, with the file',
    cause,
  });
}

export function isEmptySource(v: Scalar): boolean {
  return v.range![0] === v.range![1] && v.value === null;
}

/** Offset just after the last character of a node's content (a block scalar: after its last line). */
export function contentEnd(node: Node | Pair | null | undefined): number {
  if (node === null || node === undefined) return 0;
  if (isPair(node)) return node.value !== null && node.value !== undefined ? contentEnd(node.value as Node) : contentEnd(node.key as Node);
  if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length) return contentEnd(node.items[node.items.length - 1] as Node | Pair);
  return node.range![1];
}

function applyExpectation(root: unknown, x: Expectation): void {
  let obj = root as Record<string | number, unknown>;
  for (const k of x.path.slice(0, -1)) obj = obj[k] as Record<string | number, unknown>;
  const last = x.path[x.path.length - 1]!;
  if (x.op === 'delete') delete obj[last];
  else obj[last] = x.value;
}

function lineIndex(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset, given the line start offsets. */
function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
