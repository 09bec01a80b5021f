/** Reading and validating gitops-pilot.yaml. */
import { isMap, isSeq, type Node } from 'yaml';
import { inputError, type PilotError, type SourceLocation } from '../errors';
import { locate, locateNode, parseYaml, type ParsedYaml } from '../yaml/document';
import schema from './gitops-pilot.schema.json';
import type { PilotConfig } from './model';
import { validateAgainstSchema } from './schemaValidate';

export const CONFIG_FILE_NAMES = ['gitops-pilot.yaml', 'gitops-pilot.yml'] as const;

export const configSchema: object = schema;

export interface ParsedConfig {
  /** undefined when the file could not be parsed or failed validation */
  readonly config: PilotConfig | undefined;
  readonly problems: PilotError[];
  /** where a key path is in the file, for semantic errors found later */
  locationOf(path: readonly (string | number)[]): SourceLocation;
}

export function parseConfig(text: string, file: string): ParsedConfig {
  let parsed: ParsedYaml;
  try {
    parsed = parseYaml(text, file);
  } catch (err) {
    return { config: undefined, problems: [err as PilotError], locationOf: () => ({ file, line: 1, col: 1 }) };
  }
  const value: unknown = parsed.doc.toJS({ maxAliasCount: 100 }) ?? {};
  const locationOf = (path: readonly (string | number)[], atKey = false): SourceLocation => nodeLocation(parsed, path, atKey);
  const issues = validateAgainstSchema(configSchema, value);
  const problems = issues.map((i) =>
    inputError('config.invalid', `${i.path.length ? pathText(i.path) : 'gitops-pilot.yaml'} ${i.message}`, {
      location: locationOf(i.path, i.atKey === true),
      hint: 'Fix gitops-pilot.yaml (its JSON schema gives completion in YAML-aware editors)',
    }),
  );
  return { config: problems.length ? undefined : (value as PilotConfig), problems, locationOf };
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The location of the node at `path` (or of its nearest existing ancestor). */
function nodeLocation(p: ParsedYaml, path: readonly (string | number)[], atKey: boolean): SourceLocation {
  let node: unknown = p.doc.contents;
  let keyNode: unknown;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as { value?: unknown } | null)?.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = undefined;
      node = node.items[seg];
    } else break;
  }
  const target = (atKey && keyNode ? keyNode : node) as Node | null;
  return target ? locateNode(p, target) : locate(p, 0);
}
