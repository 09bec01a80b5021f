/**
 * Kustomize: an entry of the kustomization's `images:` list (added when missing), its tag in `newTag` or
 * carried by `newName` (`newName: registry/app:latest`). The digest rule is kustomize's own
 * (`kustomize edit set image NAME=*:TAG[@DIGEST]`): the caller decides it, this file writes it.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError } from '../../errors';
import { findPair, locateNode, scalarString, type ParsedYaml } from '../../yaml/document';
import { resolveKustomizeImage } from '../../yaml/locate';
import type { DeclaredImage } from '../readImage';
import { aliasOnPath } from './aliases';
import { renderScalar } from './scalar';
import { contentEnd, isEmptySource, type Editor } from './splice';
import { planReference } from './reference';
import type { ImageChange, JsPath } from './types';

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
    const field = (f: string) => scalarString(findPair(k.entry!, f)?.value);
    const suffix = findPair(k.entry, 'tagSuffix');
    if (suffix) {
      throw inputError('kustomize.tagSuffix', `${label('tagSuffix')} appends "${field('tagSuffix') ?? ''}" to the image's own tag: the entry sets no tag of its own, so a new tag here would not be the one deployed`, {
        location: locateNode(p, suffix.key as Node),
        hint: 'Point the environment at an entry with newTag (or a newName that carries the tag), or remove tagSuffix; nothing was changed',
      });
    }
    if (before.form === 'reference') {
      // `newName: registry/app:latest`: the tag (and digest) live in newName, and newTag would be appended to it
      if (field('newTag')) {
        throw inputError('kustomize.tagTwice', `${label('newName')} carries a tag and ${label('newTag')} sets another one: kustomize would render "${field('newName')}:${field('newTag')}"`, {
          location: locateNode(p, findPair(k.entry, 'newTag')!.key as Node),
          hint: 'Keep the tag in one place (newTag, with newName the repository alone), then try again; nothing was changed',
        });
      }
      const newName = findPair(k.entry, 'newName')!;
      const inName: ImageChange = { ...change, ...(change.digest !== undefined && field('digest') ? { digest: undefined } : {}) };
      planReference(ed, { p, map: k.entry, mapPath: entryPath, key: 'newName', current: field('newName'), node: newName.value, shown: label('newName') }, inName);
      if (field('digest') && change.digest !== undefined) applyDigestField(ed, k.entry, entryPath, change.digest, label('digest'));
      return;
    }
    if (change.repository !== undefined && change.repository !== before.repository) {
      ed.setField(k.entry, entryPath, 'newName', change.repository, label('newName'));
    }
    if (change.tag !== undefined) ed.setField(k.entry, entryPath, 'newTag', change.tag, label('newTag'));
    if (change.digest !== undefined) applyDigestField(ed, k.entry, entryPath, change.digest, label('digest'));
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

/** The entry's `digest:` set, or its line removed (null). */
function applyDigestField(ed: Editor, entry: YAMLMap, entryPath: JsPath, digest: string | null, shown: string): void {
  if (digest === null) ed.removeField(entry, entryPath, 'digest', shown, 'deleteLine');
  else ed.setField(entry, entryPath, 'digest', digest, shown);
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
