/**
 * The real public GitOps repositories kept under test/fixtures/repos (byte-exact copies; see SOURCES.md there)
 * and the expectations read from them by hand (cases.json): what each file declares, the locator a user would
 * configure for it, and the edit a bump makes. Shared by the unit test (read + edit) and the integration test
 * (edit, then `kubectl kustomize`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { EditLocator } from '../../src/core/gitops/imageEdit';
import { parseKeyPath } from '../../src/core/yaml/locate';
import { repoRoot } from './paths';

export const reposDir = join(repoRoot, 'test', 'fixtures', 'repos');

export interface Declared {
  readonly repository: string;
  readonly tag: string | null;
  readonly digest: string | null;
  /** whether the tag key (Helm `tag`, Kustomize `newTag`, the container `image`) is in the file */
  readonly present: boolean;
}

export interface RealCase {
  readonly id: string;
  /** `<owner>__<repo>/<path in the repository>` */
  readonly file: string;
  /** what form of image declaration the file shows */
  readonly form: string;
  // the locator a user configures: one of path, kustomizeImage, container/workload
  readonly path?: string;
  readonly kustomizeImage?: string;
  readonly container?: string;
  readonly workload?: string;
  readonly expect: Declared;
  /** the bump: a new tag, and a new digest where the entry pins one (tag + digest sets both) */
  readonly edit: { readonly tag: string; readonly digest?: string };
  /** the file is broken upstream: reading and editing must refuse with this error at this line */
  readonly expectError?: { readonly code: string; readonly line: number; readonly hint?: string; readonly why: string };
  /** why the current code cannot handle this form yet (the case is listed as skipped) */
  readonly pending?: string;
  /** for Kustomize: the folder to render after the edit, and what the test writes because the repository's own files were not kept */
  readonly render?: {
    readonly dir: string;
    readonly stubFiles?: Readonly<Record<string, string>>;
    readonly stubWorkloads?: { readonly dir: string; readonly images: readonly string[] };
  };
}

export interface RealLayout {
  readonly repo: string;
  readonly layout: string;
  /** app -> the environments a user expects to see it in */
  readonly apps: Readonly<Record<string, readonly string[]>>;
  readonly withoutImage?: readonly string[];
  readonly note?: string;
  readonly pending?: string;
}

export function realRepos(): { cases: RealCase[]; layouts: RealLayout[] } {
  return JSON.parse(readFileSync(join(reposDir, 'cases.json'), 'utf8')) as { cases: RealCase[]; layouts: RealLayout[] };
}

export function fixtureText(file: string): string {
  return readFileSync(join(reposDir, file), 'utf8');
}

/** Every fixture file (forward slashes, relative to reposDir), the index files excluded. */
export function fixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(reposDir, p).split(sep).join('/'));
    }
  };
  walk(reposDir);
  return out.filter((f) => !['cases.json', 'SOURCES.md', 'README.md'].includes(f));
}

/**
 * The locator the current core takes for a case, or a reason it has none (a list-selector path, a path
 * into one document of several): such a case must be marked pending in cases.json.
 */
export function editLocatorOf(c: RealCase): EditLocator | string {
  if (c.kustomizeImage !== undefined) return { kind: 'kustomize', image: c.kustomizeImage };
  if (c.container !== undefined) return { kind: 'manifest', container: c.container, workload: c.workload };
  if (c.path === undefined) return 'no locator (path, kustomizeImage or container) in cases.json';
  if (c.workload !== undefined) return `a key path inside the workload ${c.workload} of a multi-document file`;
  return { kind: 'helm', path: parseKeyPath(c.path) };
}

// ---------------------------------------------------------------------------------------------------
// "only the image bytes changed"

type Op = { kind: 'same' | 'removed' | 'inserted'; line: string };

/** A line diff: the common first and last lines, and a longest common subsequence of the lines between. */
export function diffLines(before: string, after: string): Op[] {
  const x = before.split('\n');
  const y = after.split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const a = x.slice(head, x.length - tail);
  const b = y.slice(head, y.length - tail);
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = x.slice(0, head).map((line) => ({ kind: 'same', line }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: 'same', line: a[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: 'inserted', line: b[j++]! });
    } else {
      ops.push({ kind: 'removed', line: a[i++]! });
    }
  }
  for (const line of x.slice(x.length - tail)) ops.push({ kind: 'same', line });
  return ops;
}

/** `key: value` lines an image edit may touch, split into the part before the value, the raw value and the rest. */
const VALUE_LINE = /^(\s*(?:-\s+)?(newTag|tag|image|value|digest|images|name):[ \t]*)(.*)$/;

function splitValue(line: string): { head: string; key: string; raw: string; rest: string } | undefined {
  const m = VALUE_LINE.exec(line);
  if (!m) return undefined;
  const text = m[3]!;
  let raw: string;
  if (text.startsWith('"')) raw = /^"(?:[^"\\]|\\.)*"/.exec(text)?.[0] ?? text;
  else if (text.startsWith("'")) raw = /^'(?:[^']|'')*'/.exec(text)?.[0] ?? text;
  else raw = text.replace(/\s+#.*$/, '').trimEnd();
  return { head: m[1]!, key: m[2]!, raw, rest: text.slice(raw.length) };
}

function unquote(raw: string): string {
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

/** The whole reference a container `image:` (or a whole-reference value) holds after the edit. */
export function expectedReference(c: RealCase): string {
  const digest = afterDigest(c);
  return `${c.expect.repository}:${c.edit.tag}${digest ? `@${digest}` : ''}`;
}

/** The one digest rule: tag + digest sets both; a new tag alone drops a pinned digest. */
export function afterDigest(c: RealCase): string | null {
  return c.edit.digest ?? null;
}

/**
 * Asserts that `after` differs from `before` only in the bytes of the image: each changed line keeps its
 * key, indentation, quote style and trailing comment and holds the new tag, digest or reference (a whole
 * reference keeps its repository bytes); inserted lines only add the tag (with the `images:` entry that holds
 * it); the final newline (or its absence) is kept.
 */
export function assertOnlyImageBytesChanged(c: RealCase, before: string, after: string): void {
  const ops = diffLines(before, after);
  assert.ok(ops.some((o) => o.kind !== 'same'), 'the file changed');
  assert.equal(after.endsWith('\n'), before.endsWith('\n'), 'the final newline (or its absence) is kept');
  // a tag key may hold `TAG@DIGEST` (Flux image automation's form): that is the tag and digest too
  const tagDigest = c.edit.digest ? `${c.edit.tag}@${c.edit.digest}` : undefined;
  const newValues = new Set([c.edit.tag, expectedReference(c), ...(c.edit.digest ? [c.edit.digest, tagDigest!] : [])]);
  let tagWritten = false;

  // within each run of changed lines, a removed and an inserted line with the same key and indentation are an
  // in-place edit of that value; what is left was inserted or removed
  const pairs: [string, string][] = [];
  const lone: string[] = [];
  const inserted: string[] = [];
  for (let k = 0; k < ops.length; ) {
    if (ops[k]!.kind === 'same') {
      k++;
      continue;
    }
    const run: Op[] = [];
    while (k < ops.length && ops[k]!.kind !== 'same') run.push(ops[k++]!);
    const ins = run.filter((o) => o.kind === 'inserted').map((o) => o.line);
    for (const r of run.filter((o) => o.kind === 'removed')) {
      const head = splitValue(r.line)?.head;
      const at = head === undefined ? -1 : ins.findIndex((l) => splitValue(l)?.head === head);
      if (at >= 0) pairs.push([r.line, ins.splice(at, 1)[0]!]);
      else lone.push(r.line);
    }
    inserted.push(...ins);
  }
  for (const [b, a] of pairs) {
    const vb = splitValue(b)!;
    const va = splitValue(a)!;
    assert.equal(va.rest, vb.rest, `the rest of the line (a comment) is kept: ${JSON.stringify(a)}`);
    if (vb.raw[0] === '"' || vb.raw[0] === "'") assert.equal(va.raw[0], vb.raw[0], `the quote style is kept: ${JSON.stringify(a)}`);
    const value = unquote(va.raw);
    assert.ok(newValues.has(value), `changed line ${JSON.stringify(a)} holds a new image value (${[...newValues].join(', ')})`);
    if (value === expectedReference(c)) {
      // a whole reference: the repository bytes are untouched
      assert.ok(unquote(vb.raw).startsWith(`${c.expect.repository}:`) || unquote(vb.raw).startsWith(`${c.expect.repository}@`), `the old value ${vb.raw} starts with the repository`);
    }
    if (value === c.edit.tag || value === expectedReference(c) || value === tagDigest) tagWritten = true;
  }
  for (const line of lone) {
    const v = splitValue(line);
    assert.ok(v?.key === 'digest' && c.expect.digest !== null && !c.edit.digest, `line removed: ${JSON.stringify(line)}`);
  }
  for (const line of inserted) {
    const v = splitValue(line);
    assert.ok(v, `inserted line is a key: value line: ${JSON.stringify(line)}`);
    const value = unquote(v.raw);
    if (v.key === 'images') assert.equal(value, '', 'an inserted images: line opens the list');
    else if (v.key === 'name') assert.equal(value, c.kustomizeImage, 'an inserted name: is the image entry');
    else if (v.key === 'newTag' || v.key === 'tag') {
      assert.equal(value, c.edit.tag);
      tagWritten = true;
    } else if (v.key === 'digest') assert.equal(value, c.edit.digest);
    else assert.fail(`unexpected inserted line ${JSON.stringify(line)}`);
  }
  assert.ok(tagWritten, 'the new tag is in the file');
}
