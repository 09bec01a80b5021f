/**
 * The comment-preserving image edit: sets an image tag (and optionally its digest or repository) in Helm
 * values, a Kustomize `images:` entry, or a container of a Kubernetes manifest, changing only the bytes of
 * the edited scalar (or inserting whole lines for a key that is not there yet).
 *
 * How: the file is parsed with source ranges; each change is a splice of the original text at a scalar's
 * range (never a re-stringified document, whose printer would reflow it). The result is parsed again and
 * must hold the new values, as strings, and every other value exactly as before; otherwise nothing is
 * returned or written. Anything the engine cannot change safely (block scalars, values spanning lines,
 * paths through aliases, duplicate keys, malformed YAML) is refused with file:line:col.
 */
import { isDeepStrictEqual } from 'node:util';
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError, PilotError, type SourceLocation } from '../errors';
import { formatImageReference, registryOf, tryParseImageReference, validateDigest, validateRepository, validateTag, parseImageReference } from '../images/reference';
import { atomicWriteFile } from '../util/atomicWrite';
import { findPair, locate, locateNode, parseYaml, parseYamlStream, scalarString, type ParsedYaml } from '../yaml/document';
import { describeLocator, resolveHelmPath, resolveKustomizeImage, resolveManifestContainer, type ImageLocator, type ManifestLocator } from '../yaml/locate';
import { readDeclaredImage, readDeclaredImageFrom, type DeclaredImage } from './readImage';

export type { ManifestLocator } from '../yaml/locate';
export type EditLocator = ImageLocator | ManifestLocator;

export interface ImageChange {
  readonly tag?: string;
  /** a digest to set; null removes the digest (Helm: set to ""; Kustomize: the line is removed) */
  readonly digest?: string | null;
  /** the repository (registry host included); Helm `repository` (+ `registry`), Kustomize `newName` */
  readonly repository?: string;
}

export interface EditResult {
  /** the new file content (the input when nothing changed) */
  readonly text: string;
  readonly changed: boolean;
  readonly before: DeclaredImage;
  readonly after: DeclaredImage;
  /** 1-based lines of the new text that were edited or inserted */
  readonly lines: number[];
  /** 1-based lines of the old text that were removed (a Kustomize digest dropped) */
  readonly removedLines: number[];
  /**
   * Other key paths whose value changes too, because an anchored node on the edited path is used
   * elsewhere through an alias (e.g. `loki-distributed.loki.image (*image)`). Show them to the user.
   */
  readonly alsoChanges: string[];
  /** things the user should know (a digest that pins the old image, an alias that follows the change) */
  readonly warnings: string[];
}

export interface EditFileOptions {
  /** the text the user saw (e.g. in a confirmed diff): refuse when the file no longer has it */
  readonly expectText?: string;
  /** compute the edit, write nothing */
  readonly dryRun?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// public API

/** Computes the edit of `text`; pure. Throws an input PilotError (with a location when one applies). */
export function editImage(text: string, file: string, locator: EditLocator, change: ImageChange): EditResult {
  validateChange(change);
  if (locator.kind === 'manifest') return editManifest(text, file, locator, change);
  const p = parseYaml(text, file);
  const before = readDeclaredImageFrom(p, locator);
  const ed = new Editor(p.text, file, [p]);
  if (locator.kind === 'helm') planHelm(ed, p, locator.path, change, before);
  else planKustomize(ed, p, locator.image, change, before);
  return ed.finish(before, change, describeLocator(locator), (t) => {
    const q = parseYaml(t, file);
    return { js: q.doc.toJS(), image: readDeclaredImageFrom(q, locator) };
  });
}

/**
 * Reads `file`, edits it, and (unless nothing changed or `dryRun`) replaces it atomically. Refuses when the
 * file is not the `expectText` the user confirmed, or when it changes on disk while the edit is computed.
 */
export async function editImageFile(file: string, locator: EditLocator, change: ImageChange, opts: EditFileOptions = {}): Promise<EditResult & { written: boolean }> {
  validateChange(change);
  const raw = await readFile(file);
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) {
    throw inputError('file.encoding', `${file} is not UTF-8 text`, { location: { file, line: 1, col: 1 }, hint: 'Save the file as UTF-8; nothing was changed' });
  }
  if (opts.expectText !== undefined && opts.expectText !== text) {
    throw inputError('file.changed', `${file} changed since it was read`, {
      location: { file, line: firstDifferentLine(opts.expectText, text), col: 1 },
      hint: 'Review the change again; nothing was written',
    });
  }
  const r = editImage(text, file, locator, change);
  if (!r.changed || opts.dryRun) return { ...r, written: false };
  await atomicWriteFile(file, r.text, { expectContent: raw });
  return { ...r, written: true };
}

/** Reads the image a locator designates (manifests included). */
export function readImageAt(text: string, file: string, locator: EditLocator): DeclaredImage {
  if (locator.kind !== 'manifest') return readDeclaredImage(text, file, locator);
  return readManifestImage(parseYamlStream(text, file), file, locator);
}

// ---------------------------------------------------------------------------------------------------
// validation

function validateChange(change: ImageChange): void {
  if (change.tag === undefined && change.digest === undefined && change.repository === undefined) {
    throw inputError('edit.empty', 'nothing to change: give a tag, a digest or a repository');
  }
  if (change.tag !== undefined) validateTag(change.tag);
  if (change.digest !== undefined && change.digest !== null) validateDigest(change.digest);
  if (change.repository !== undefined) validateRepository(change.repository);
}

function firstDifferentLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  return i + 1;
}

// ---------------------------------------------------------------------------------------------------
// rendering scalars

type FlowStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

function doubleQuoted(v: string): string {
  // JSON string syntax is valid YAML double-quoted syntax
  return JSON.stringify(v);
}

function singleQuoted(v: string): string {
  return /[\x00-\x1f\x7f]/.test(v) ? doubleQuoted(v) : `'${v.replace(/'/g, "''")}'`;
}

/**
 * Numbers in any YAML version or common parser: decimal ints and floats (one dot, `_` separators, an
 * exponent: 1.10, 1e3, 1_000, .5), YAML 1.1 sexagesimals (1:20), radix literals (0x1F, 0o17, 0b11) and
 * .inf/.nan. (`6.15.0` is none of them: every parser reads it as a string.)
 */
const NUMBER_LIKE = /^[-+]?(?:(?=\.?[0-9])[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|0[xXoObB][0-9a-fA-F_]+|\.(?:inf|Inf|INF|nan|NaN|NAN))$/;
/** YAML 1.1 booleans and nulls, which Helm's (YAML 1.1) parser reads as non-strings */
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

/** Whether `v` written plain reads back as the same string in YAML 1.2 and YAML 1.1 parsers. */
export function plainRoundTrips(v: string, inFlow = false): boolean {
  if (v === '' || v !== v.trim() || /[\x00-\x1f\x7f\u0085\u2028\u2029]/.test(v)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(v)) return false;
  if (/:(?:\s|$)|\s#/.test(v)) return false;
  if (inFlow && /[,[\]{}:]/.test(v)) return false;
  if (NUMBER_LIKE.test(v) || YAML11_WORDS.test(v)) return false;
  for (const version of ['1.2', '1.1'] as const) {
    try {
      const d = parseDocument(v, { version });
      if (d.errors.length || d.warnings.length || d.toJS() !== v) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** The source text for `value` in the old scalar's style (plain only when it reads back as a string). */
export function renderScalar(value: string, style: FlowStyle, inFlow: boolean): string {
  if (style === 'QUOTE_SINGLE') return singleQuoted(value);
  if (style === 'QUOTE_DOUBLE') return doubleQuoted(value);
  return plainRoundTrips(value, inFlow) ? value : doubleQuoted(value);
}

// ---------------------------------------------------------------------------------------------------
// the editor: splices on the original text, and what the re-parsed result must equal

type JsPath = readonly (string | number)[];

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

class Editor {
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

function verifyError(file: string, why: string, cause?: unknown): PilotError {
  return new PilotError('edit.verifyFailed', `the edit of ${file} was not applied: ${why}`, {
    hint: 'Nothing was written. Edit the file by hand and report this as a bug, with the file',
    cause,
  });
}

function isEmptySource(v: Scalar): boolean {
  return v.range![0] === v.range![1] && v.value === null;
}

/** Offset just after the last character of a node's content (a block scalar: after its last line). */
function contentEnd(node: Node | Pair | null | undefined): number {
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

// ---------------------------------------------------------------------------------------------------
// aliases

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : '?';
}

/** Key path of `target` in the document, for messages. */
function pathTo(p: ParsedYaml, target: unknown): string | undefined {
  const walk = (node: unknown, path: string[]): string | undefined => {
    if (node === target) return path.join('.') || '<root>';
    if (isMap(node)) {
      for (const pair of node.items) {
        const r = walk(pair.value, [...path, keyText(pair.key)]);
        if (r) return r;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const r = walk(node.items[i], [...path, String(i)]);
        if (r) return r;
      }
    }
    return undefined;
  };
  return walk(p.doc.contents, []);
}

interface AliasUse {
  /** `loki-distributed.loki.image (*image)` */
  readonly shown: string;
  /** JS path of the alias (document index first in a stream) */
  readonly jsPath: JsPath;
  readonly target: unknown;
}

/** Aliases that point at a node the edit changes (or at one that contains it). Aliases are not entered. */
function aliasesOf(docs: readonly ParsedYaml[], touched: ReadonlySet<Node>, stream: boolean): AliasUse[] {
  const out: AliasUse[] = [];
  docs.forEach((p, i) => {
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (isAlias(node)) {
        const target = node.resolve(p.doc);
        if (target && containsTouched(target, touched)) {
          const shown = `${stream ? `[${i}].` : ''}${path.join('.') || '<root>'}`;
          out.push({ shown: `${shown} (*${node.source})`, jsPath: stream ? [i, ...path] : path, target });
        }
        return;
      }
      if (isMap(node)) for (const pair of node.items) walk(pair.value, [...path, keyText(pair.key)]);
      else if (isSeq(node)) node.items.forEach((item, j) => walk(item, [...path, j]));
    };
    walk(p.doc.contents, []);
  });
  return out;
}

function containsTouched(node: unknown, touched: ReadonlySet<Node>): boolean {
  if (touched.has(node as Node)) return true;
  if (isMap(node)) return node.items.some((pair) => containsTouched(pair.value, touched));
  if (isSeq(node)) return node.items.some((item) => containsTouched(item, touched));
  return false;
}

function aliasOnPath(p: ParsedYaml, alias: { source: string; resolve(doc: ParsedYaml['doc']): unknown; range?: unknown }, shown: string, full: string): PilotError {
  const target = alias.resolve(p.doc);
  const anchorPath = pathTo(p, target);
  return inputError('yaml.aliasPath', `"${shown}" is an alias (*${alias.source})${anchorPath ? ` of "${anchorPath}"` : ''}: changing ${full} through it would change ${anchorPath ? `${anchorPath} and ` : ''}every other *${alias.source} too`, {
    location: locateNode(p, alias as unknown as Node),
    hint: anchorPath ? `Edit ${anchorPath}${full.slice(shown.length)} itself (every *${alias.source} follows it), or give ${shown} its own mapping` : `Give ${shown} its own mapping instead of the alias`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Helm values

function planHelm(ed: Editor, p: ParsedYaml, path: readonly string[], change: ImageChange, before: DeclaredImage): void {
  const full = path.join('.');
  resolveHelmPath(p, path); // missing / non-mapping intermediate keys, non-scalar leaf: located errors
  let node: unknown = p.doc.contents;
  for (let i = 0; i < path.length - 1; i++) {
    const pair = findPair(node as YAMLMap, path[i]!)!;
    if (isAlias(pair.value)) throw aliasOnPath(p, pair.value, path.slice(0, i + 1).join('.'), full);
    node = pair.value;
  }
  const parent = node as YAMLMap;
  const parentPath = path.slice(0, -1);
  const leafKey = path[path.length - 1]!;
  const sibling = (k: string) => [...parentPath, k].join('.');

  if (change.tag !== undefined) ed.setField(parent, parentPath, leafKey, change.tag, full);

  if (change.digest !== undefined) {
    if (leafKey !== 'tag') {
      if (change.digest !== null) {
        throw inputError('helm.noDigestKey', `there is no known place for a digest next to "${full}" (only next to a "tag" key)`, {
          location: locateNode(p, parent),
          hint: 'Deploy by tag, or point the environment at an image.tag key with a digest beside it',
        });
      }
    } else if (change.digest === null) {
      ed.removeField(parent, parentPath, 'digest', sibling('digest'), 'empty');
    } else {
      const had = findPair(parent, 'digest');
      ed.setField(parent, parentPath, 'digest', change.digest, sibling('digest'));
      if (!had) ed.warnings.push(`Added ${sibling('digest')}: the chart must use it for the digest to take effect`);
    }
  } else if (change.tag !== undefined && before.digest && change.tag !== before.tag) {
    ed.warnings.push(`${sibling('digest')} is still set to ${before.digest}; charts usually prefer the digest over the tag`);
  }

  if (change.repository !== undefined && change.repository !== before.repository) {
    const repoKey = leafKey === 'imageTag' ? 'image' : 'repository';
    const registryPair = findPair(parent, 'registry');
    if (registryPair && isAlias(registryPair.value)) throw aliasOnPath(p, registryPair.value, sibling('registry'), sibling('registry'));
    const registry = scalarString(registryPair?.value);
    let repo = change.repository;
    if (registry) {
      if (change.repository.startsWith(`${registry}/`)) repo = change.repository.slice(registry.length + 1);
      else {
        const r = registryOf(change.repository);
        if (!r.explicit) {
          throw inputError('helm.registryNeeded', `${sibling('registry')} is "${registry}", and "${change.repository}" names no registry`, {
            location: locateNode(p, registryPair!.value as Node),
            hint: `Give the repository with its registry host (e.g. docker.io/${change.repository})`,
          });
        }
        ed.setField(parent, parentPath, 'registry', r.registry, sibling('registry'));
        repo = r.path;
      }
    }
    ed.setField(parent, parentPath, repoKey, repo, sibling(repoKey));
  }
}

// ---------------------------------------------------------------------------------------------------
// Kustomize

function planKustomize(ed: Editor, p: ParsedYaml, image: string | undefined, change: ImageChange, before: DeclaredImage): void {
  const k = resolveKustomizeImage(p, image);
  const root = p.doc.contents as YAMLMap;
  const imagesPair = findPair(root, 'images');
  if (imagesPair && isAlias(imagesPair.value)) throw aliasOnPath(p, imagesPair.value, 'images', 'images');
  const name = k.name!;
  const label = (f: string) => `images[name=${name}].${f}`;

  if (k.entry) {
    const images = k.images!;
    const index = images.items.indexOf(k.entry);
    if (index < 0) {
      const alias = images.items.find((it) => isAlias(it) && it.resolve(p.doc) === k.entry);
      throw aliasOnPath(p, alias as never, `images[name=${name}]`, `images[name=${name}]`);
    }

    const entryPath = ['images', index];
    if (change.repository !== undefined && change.repository !== before.repository) {
      ed.setField(k.entry, entryPath, 'newName', change.repository, label('newName'));
    }
    if (change.tag !== undefined) ed.setField(k.entry, entryPath, 'newTag', change.tag, label('newTag'));
    if (change.digest === null) ed.removeField(k.entry, entryPath, 'digest', label('digest'), 'deleteLine');
    else if (change.digest !== undefined) ed.setField(k.entry, entryPath, 'digest', change.digest, label('digest'));
    else if (change.tag !== undefined && before.digest && change.tag !== before.tag) {
      ed.warnings.push(`${label('digest')} is still set to ${before.digest}; the image stays pinned to it`);
    }
    return;
  }

  // a new entry: name, newName, newTag, digest
  const fields: [string, string][] = [['name', name]];
  if (change.repository !== undefined && change.repository !== name) fields.push(['newName', change.repository]);
  if (change.tag !== undefined) fields.push(['newTag', change.tag]);
  if (typeof change.digest === 'string') fields.push(['digest', change.digest]);
  const entryJs = Object.fromEntries(fields);
  const flowEntry = `{${fields.map(([f, v]) => `${f}: ${renderScalar(v, 'PLAIN', true)}`).join(', ')}}`;
  const blockEntry = (dash: string, keyIndent: string) => fields.map(([f, v], i) => `${i === 0 ? dash : keyIndent}${f}: ${renderScalar(v, 'PLAIN', false)}`);

  const images = k.images;
  if (images) {
    ed.expect(['images', images.items.length], 'set', entryJs);
    if (images.flow || !images.items.length) ed.queue(images, { text: flowEntry });
    else {
      const style = seqStyle(ed, images);
      ed.queue(images, { text: '', lines: blockEntry(style.dash, style.keyIndent) });
    }
    return;
  }

  ed.expect(['images'], 'set', [entryJs]);
  if (imagesPair) {
    // `images:` with an empty value: the list goes on the lines below it
    const v = imagesPair.value;
    if (isScalar(v) && !isEmptySource(v)) {
      throw inputError('kustomize.imagesNull', `"images" is ${String(v.source ?? v.value)}, not a list`, {
        location: locateNode(p, v),
        hint: 'Replace it with a list of images (or remove the key), then try again',
      });
    }
    if (root.flow) {
      throw inputError('yaml.unsupported', '"images:" is empty inside a flow mapping', { location: locateNode(p, imagesPair.key as Node) });
    }
    const keyIndent = ed.columnIndent((imagesPair.key as Node).range![0]);
    const off = rootSeqOffset(ed, root);
    const dash = `${keyIndent}${' '.repeat(off)}- `;
    ed.insertLines(contentEnd((v as Node | null) ?? (imagesPair.key as Node)), blockEntry(dash, ' '.repeat(dash.length)));
    ed.touched.add(root);
    return;
  }
  if (root.flow) {
    ed.queue(root, { text: `images: [${flowEntry}]` });
    return;
  }
  const keyIndent = ed.columnIndent((root.items[0]!.key as Node).range![0]);
  const dash = `${keyIndent}${' '.repeat(rootSeqOffset(ed, root))}- `;
  ed.queue(root, { text: '', lines: [`${keyIndent}images:`, ...blockEntry(dash, ' '.repeat(dash.length))] });
}

/** How the existing block list writes its entries: the dash line prefix and the indentation of the other keys. */
function seqStyle(ed: Editor, seq: YAMLSeq): { dash: string; keyIndent: string } {
  const first = seq.items.find((it) => isMap(it) && !it.flow && it.items.length) as YAMLMap | undefined;
  if (first) {
    const keyStart = (first.items[0]!.key as Node).range![0];
    const lineStart = ed.text.lastIndexOf('\n', keyStart - 1) + 1;
    const prefix = ed.text.slice(lineStart, keyStart);
    if (/^[ ]*-[ ]+$/.test(prefix)) return { dash: prefix, keyIndent: ' '.repeat(prefix.length) };
  }
  const dash = `${ed.columnIndent(seq.range![0])}- `;
  return { dash, keyIndent: ' '.repeat(dash.length) };
}

/** How far the file's block lists under top-level keys are indented past their key (0 or 2, usually). */
function rootSeqOffset(ed: Editor, root: YAMLMap): number {
  for (const pair of root.items) {
    const v = pair.value;
    if (isSeq(v) && !v.flow && v.items.length) {
      const keyCol = ed.columnIndent((pair.key as Node).range![0]).length;
      const dashCol = ed.columnIndent(v.range![0]).length;
      if (dashCol >= keyCol) return dashCol - keyCol;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes manifests

function readManifestImage(docs: readonly ParsedYaml[], file: string, l: ManifestLocator): DeclaredImage {
  const c = resolveManifestContainer(docs, file, l);
  const v = c.imagePair?.value;
  const image = isScalar(v) ? scalarString(v) : undefined;
  const parsed = image ? lenientReference(image) : undefined;
  return {
    repository: parsed?.repository,
    tag: parsed?.tag,
    digest: parsed?.digest,
    location: locateNode(c.p, (v ?? c.imagePair?.key ?? c.container) as Node),
    present: c.imagePair !== undefined,
  };
}

/** Splits `repo[:tag][@digest]` even when a part does not follow the grammar (e.g. a template placeholder). */
function lenientReference(image: string): { repository: string; tag?: string; digest?: string } {
  const strict = tryParseImageReference(image);
  if (strict) return strict;
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const slash = rest.lastIndexOf('/');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

function editManifest(text: string, file: string, l: ManifestLocator, change: ImageChange): EditResult {
  const docs = parseYamlStream(text, file);
  const c = resolveManifestContainer(docs, file, l);
  const before = readManifestImage(docs, file, l);
  const shown = `${c.workload} ${c.init ? 'initContainer' : 'container'} ${c.name ?? '<unnamed>'} image`;
  // aliases on the way to the container are not followed by the resolver; the image itself may be one
  if (!c.imagePair) {
    throw inputError('manifest.noImage', `${c.workload}: the container ${c.name ?? '<unnamed>'} has no image`, {
      location: locateNode(c.p, c.container),
      hint: 'Add an image: line to the container (with the repository), then set its tag',
    });
  }
  const v = c.imagePair.value;
  if (isAlias(v)) throw aliasOnPath(c.p, v, `${c.path.join('.')}.image`, `${c.path.join('.')}.image`);
  const old = isScalar(v) ? scalarString(v) : undefined;
  const current = old ? tryParseImageReference(old) : undefined;
  if (!current && change.repository === undefined) {
    throw inputError('manifest.invalidImage', `the current image ${JSON.stringify(old ?? '')} of ${shown.replace(/ image$/, '')} is not a valid image reference, so its repository is unknown`, {
      location: locateNode(c.p, (v ?? c.imagePair.key) as Node),
      hint: 'Give the repository too (or fix the image by hand)',
    });
  }
  const repository = change.repository ?? current!.repository;
  const tag = change.tag ?? current?.tag;
  const digest = change.digest === undefined ? current?.digest : (change.digest ?? undefined);
  const next = formatImageReference({ repository, tag, digest });
  parseImageReference(next);
  const ed = new Editor(text, file, docs, [c.docIndex]);
  ed.setField(c.container, c.path, 'image', next, shown);
  if (change.digest === undefined && change.tag !== undefined && current?.digest && change.tag !== current.tag) {
    ed.warnings.push(`the image keeps its digest ${current.digest}, which pins the old image`);
  }
  return ed.finish(before, change, shown, (t) => {
    const docs = parseYamlStream(t, file);
    return { js: docs.map((d) => d.doc.toJS()), image: readManifestImage(docs, file, l) };
  });
}
