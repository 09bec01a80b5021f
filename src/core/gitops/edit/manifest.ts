/** Kubernetes manifests: the `image:` of one container of a workload (multi-document files included). */
import { isAlias, isScalar, type Node } from 'yaml';
import { inputError } from '../../errors';
import { formatImageReference, parseImageReference, tryParseImageReference } from '../../images/reference';
import { locateNode, parseYamlStream, scalarString, type ParsedYaml } from '../../yaml/document';
import { resolveManifestContainer, type ManifestLocator } from '../../yaml/locate';
import type { DeclaredImage } from '../readImage';
import { aliasOnPath } from './aliases';
import { Editor } from './splice';
import type { EditResult, ImageChange } from './types';

export function readManifestImage(docs: readonly ParsedYaml[], file: string, l: ManifestLocator): DeclaredImage {
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
