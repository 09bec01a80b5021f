/**
 * Kubernetes manifests: the `image:` of one container (or init container) of a workload, in multi-document
 * files and in strategic-merge patch fragments. The image is a whole reference: only its tag and digest
 * change, the repository keeps its bytes.
 */
import { isAlias, isScalar, type Node } from 'yaml';
import { inputError } from '../../errors';
import { tryParseImageReference } from '../../images/reference';
import { locateNode, parseYamlStream, scalarString } from '../../yaml/document';
import { resolveManifestContainer, type ManifestLocator } from '../../yaml/locate';
import { readManifestImage } from '../readImage';
import { aliasOnPath } from './aliases';
import { planReference } from './reference';
import { Editor } from './splice';
import type { EditResult, ImageChange } from './types';

export function editManifest(text: string, file: string, l: ManifestLocator, change: ImageChange): EditResult {
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
  if (!(old && tryParseImageReference(old)) && change.repository === undefined) {
    throw inputError('manifest.invalidImage', `the current image ${JSON.stringify(old ?? '')} of ${shown.replace(/ image$/, '')} is not a valid image reference, so its repository is unknown`, {
      location: locateNode(c.p, (v ?? c.imagePair.key) as Node),
      hint: 'Give the repository too (or fix the image by hand)',
    });
  }
  const ed = new Editor(text, file, docs, [c.docIndex]);
  planReference(ed, { p: c.p, map: c.container, mapPath: c.path, key: 'image', current: old && tryParseImageReference(old) ? old : undefined, node: v, shown }, change);
  return ed.finish(before, change, shown, (t) => {
    const docs = parseYamlStream(t, file);
    return { js: docs.map((d) => d.doc.toJS()), image: readManifestImage(docs, file, l) };
  });
}
