/**
 * Parsing YAML with source positions. Every YAML problem becomes an input PilotError located at
 * file:line:col, so a tree row or a CLI error points at the exact place to fix.
 */
import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, type Node, type Pair, type YAMLMap, visit, type Alias } from 'yaml';
import { inputError, type SourceLocation } from '../errors';

export interface ParsedYaml {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/**
 * Parses one YAML document. Malformed YAML, duplicate keys and (for single-document files) a second
 * document are errors with a location; warnings are ignored.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, ...PARSE_OPTIONS });
  const parsed: ParsedYaml = { file, text, doc, lines };
  throwFirstError(parsed);
  return parsed;
}

const PARSE_OPTIONS = { keepSourceTokens: true, uniqueKeys: true, prettyErrors: false, strict: true } as const;

function throwFirstError(parsed: ParsedYaml): void {
  const err = parsed.doc.errors[0];
  if (err) {
    const location = locate(parsed, err.pos[0]);
    const known: Partial<Record<string, [string, string, string]>> = {
      DUPLICATE_KEY: ['yaml.duplicateKey', 'duplicate key in a mapping', 'Remove one of the two keys; nothing was changed'],
      MULTIPLE_DOCS: ['yaml.multiDocument', 'more than one YAML document in a file that should hold one', 'Keep one document in this file, or point the environment at the right file'],
    };
    const [code, message, hint] = known[err.code] ?? ['yaml.malformed', `${firstLine(err.message)} (not valid YAML)`, 'Fix the YAML at that position; nothing was changed'];
    throw inputError(code, message, { location, hint });
  }
  // `yaml` resolves aliases lazily: an alias to an anchor that is not defined before it parses without
  // an error, and only fails when the value is read. It is invalid YAML: refuse it here, located.
  let unresolved: Alias | undefined;
  visit(parsed.doc, {
    Alias(_, node) {
      if (node.resolve(parsed.doc) === undefined) {
        unresolved = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (unresolved) {
    throw inputError('yaml.unresolvedAlias', `the alias *${unresolved.source} refers to no anchor defined before it (not valid YAML)`, {
      location: locate(parsed, unresolved.range?.[0] ?? 0),
      hint: `Define &${unresolved.source} before this alias, or fix its name; nothing was changed`,
    });
  }
}

/**
 * Parses a multi-document stream (Kubernetes manifests separated by `---`), with the same errors as
 * parseYaml for any of its documents. Every ParsedYaml shares the file's text and line counter, so node
 * ranges are offsets in the whole file. An empty stream gives no documents.
 */
export function parseYamlStream(text: string, file: string): ParsedYaml[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, ...PARSE_OPTIONS });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const parsed = list.map((doc) => ({ file, text, doc, lines }));
  for (const p of parsed) throwFirstError(p);
  return parsed;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

export function locate(p: Pick<ParsedYaml, 'file' | 'lines'>, offset: number): SourceLocation {
  const pos = p.lines.linePos(offset);
  return { file: p.file, line: pos.line, col: pos.col };
}

export function locateNode(p: ParsedYaml, node: Node | null | undefined, fallbackOffset = 0): SourceLocation {
  return locate(p, node?.range?.[0] ?? fallbackOffset);
}

export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  // Numbers and booleans in values files (tag: 1.10) are shown as the source spelled them.
  if (typeof v !== 'string') return node.source ?? String(v);
  return v;
}

/** The pair for key `key` in a mapping (keys compared as strings). */
export function findPair(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  for (const item of map.items) {
    if (!isPair(item)) continue;
    const k = item.key;
    const name = isScalar(k) ? String(k.value) : undefined;
    if (name === key) return item as Pair<Node, Node | null>;
  }
  return undefined;
}

export { isMap, isScalar, isSeq, isPair };
