/** Kustomize: an entry of the kustomization's `images:` list (added when missing). */
import { isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError } from '../../errors';
import { findPair, locateNode, type ParsedYaml } from '../../yaml/document';
import { resolveKustomizeImage } from '../../yaml/locate';
import type { DeclaredImage } from '../readImage';
import { aliasOnPath } from './aliases';
import { renderScalar } from './scalar';
import { contentEnd, isEmptySource, type Editor } from './splice';
import type { ImageChange } from './types';

export function planKustomize(ed: Editor, p: ParsedYaml, image: string | undefined, change: ImageChange, before: DeclaredImage): void {
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
