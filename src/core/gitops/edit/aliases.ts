/** YAML anchors and aliases: which other paths an edit changes, and a located refusal for a path through one. */
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { inputError, type PilotError } from '../../errors';
import { locateNode, type ParsedYaml } from '../../yaml/document';
import type { JsPath } from './types';

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

export interface AliasUse {
  /** `loki-distributed.loki.image (*image)` */
  readonly shown: string;
  /** JS path of the alias (document index first in a stream) */
  readonly jsPath: JsPath;
  readonly target: unknown;
}

/** Aliases that point at a node the edit changes (or at one that contains it). Aliases are not entered. */
export function aliasesOf(docs: readonly ParsedYaml[], touched: ReadonlySet<Node>, stream: boolean): AliasUse[] {
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

export function aliasOnPath(p: ParsedYaml, alias: { source: string; resolve(doc: ParsedYaml['doc']): unknown; range?: unknown }, shown: string, full: string): PilotError {
  const target = alias.resolve(p.doc);
  const anchorPath = pathTo(p, target);
  return inputError('yaml.aliasPath', `"${shown}" is an alias (*${alias.source})${anchorPath ? ` of "${anchorPath}"` : ''}: changing ${full} through it would change ${anchorPath ? `${anchorPath} and ` : ''}every other *${alias.source} too`, {
    location: locateNode(p, alias as unknown as Node),
    hint: anchorPath ? `Edit ${anchorPath}${full.slice(shown.length)} itself (every *${alias.source} follows it), or give ${shown} its own mapping` : `Give ${shown} its own mapping instead of the alias`,
  });
}
