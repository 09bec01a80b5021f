/** Reading the image an environment's file declares (the tag in git), in every form a locator reaches. */
import { isScalar, type Node } from 'yaml';
import type { SourceLocation } from '../errors';
import { isValidDigest, isValidTag, looksLikeReference, splitImageReference, tryParseImageReference } from '../images/reference';
import { findPair, locateNode, parseYaml, parseYamlStream, scalarString, type ParsedYaml } from '../yaml/document';
import { deref, resolveHelmPath, resolveKustomizeImage, resolveManifestContainer, type ImageLocator, type ManifestLocator } from '../yaml/locate';

export interface DeclaredImage {
  /** the repository next to the tag (Helm `repository`/`registry`, Kustomize `newName` or `name`) or in the reference */
  readonly repository?: string;
  /** undefined when the key is absent, null or empty ("" usually means "the chart's default") */
  readonly tag?: string;
  readonly digest?: string;
  /** where the tag is, or where it would be added */
  readonly location: SourceLocation;
  /** true when the tag key is present in the file */
  readonly present: boolean;
  /**
   * `reference`: one scalar holds repository, tag and digest; `tag`: the tag alone (with keys beside it);
   * `tag@digest`: a tag key holding `TAG@sha256:…` (the repository beside it, as Flux image automation writes)
   */
  readonly form?: 'tag' | 'reference' | 'tag@digest';
}

export function readDeclaredImage(text: string, file: string, locator: ImageLocator): DeclaredImage {
  if (locator.kind === 'manifest') return readManifestImage(parseYamlStream(text, file), file, locator);
  return readDeclaredImageFrom(parseYaml(text, file), locator);
}

/** The same, from a document already parsed (so an edit parses each version of the file once). */
export function readDeclaredImageFrom(p: ParsedYaml, locator: ImageLocator): DeclaredImage {
  if (locator.kind === 'helm') return readHelm(p, locator.path);
  if (locator.kind === 'kustomize') return readKustomize(p, locator.image);
  return readManifestImage([p], p.file, locator);
}

/**
 * Whether the scalar at a key path holds a whole reference (only its tag and digest change) rather than a
 * tag alone: it is written as one (`gcr.io/team/app:1`, `app@sha256:…`, a registry port), or its key names
 * an image (`image`, `chatopsImage`) and not a tag. A tag never contains "/", ":" or "@".
 */
export function holdsReference(leafKey: string, value: string | undefined): boolean {
  if (value !== undefined && looksLikeReference(value)) return true;
  return !/tag$/i.test(leafKey) && /(?:^|[a-z0-9_-])(?:image|Image)$/.test(leafKey);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** repository, tag and digest of a reference scalar (best effort for display when it is not valid) */
function fromReference(value: string | undefined): { repository?: string; tag?: string; digest?: string } {
  if (!value) return {};
  const r = splitImageReference(value);
  return { repository: nonEmpty(r.repository), tag: r.tag, digest: r.digest };
}

/** `4.0.0.433@sha256:…` in a tag key: the tag and its digest, the repository beside them. */
export function splitTagDigest(leafKey: string, value: string | undefined): { tag: string; digest: string } | undefined {
  if (!value || !/tag$/i.test(leafKey)) return undefined;
  const at = value.indexOf('@');
  if (at <= 0) return undefined;
  const tag = value.slice(0, at);
  const digest = value.slice(at + 1);
  return isValidTag(tag) && isValidDigest(digest) ? { tag, digest } : undefined;
}

/**
 * The repository of an Argo CD `parameters` entry `[name=image.tag].value`: the value of its sibling entry
 * `[name=image.repository]` (as Argo CD Image Updater writes them), when there is one.
 */
function parameterRepository(p: ParsedYaml, path: readonly string[]): string | undefined {
  if (path.length < 2 || path[path.length - 1] !== 'value') return undefined;
  const m = /^(.*\[name=)(.*)tag\]$/i.exec(path[path.length - 2]!);
  if (!m) return undefined;
  try {
    const r = resolveHelmPath(p, [...path.slice(0, -2), `${m[1]}${m[2]}repository]`, 'value']);
    return isScalar(r.value) ? scalarString(r.value) : undefined;
  } catch {
    return undefined;
  }
}

function readHelm(p: ParsedYaml, path: readonly string[]): DeclaredImage {
  const leaf = resolveHelmPath(p, path);
  const value = isScalar(leaf.value) ? scalarString(leaf.value) : undefined;
  const node = leaf.value ?? leaf.pair?.key ?? leaf.parent;
  const location = locateNode(p, node as Node);
  const sibling = (k: string) => scalarString(deref(p, findPair(leaf.parent, k)?.value));
  const tagDigest = splitTagDigest(leaf.leafKey, value);
  if (tagDigest) {
    const registry = sibling('registry');
    const repo = sibling('repository');
    return { repository: nonEmpty(repo && registry && !repo.startsWith(`${registry}/`) ? `${registry}/${repo}` : repo), ...tagDigest, location, present: true, form: 'tag@digest' };
  }
  if (holdsReference(leaf.leafKey, value)) {
    return { ...fromReference(value), location, present: leaf.pair !== undefined, form: 'reference' };
  }
  // image: {registry, repository, tag, digest}, or a flat imageTag next to image, or Argo CD parameters
  let repository = leaf.leafKey === 'imageTag' ? sibling('image') : (sibling('repository') ?? parameterRepository(p, path));
  const registry = sibling('registry');
  if (repository && registry && !repository.startsWith(`${registry}/`)) repository = `${registry}/${repository}`;
  return {
    repository: nonEmpty(repository),
    tag: nonEmpty(value),
    digest: nonEmpty(leaf.leafKey === 'tag' ? sibling('digest') : undefined),
    location,
    present: leaf.pair !== undefined,
    form: 'tag',
  };
}

/** A Kustomize `newName` that carries a tag or digest (`newName: registry/app:latest`): the reference is there. */
export function newNameReference(newName: string | undefined): boolean {
  const r = newName ? tryParseImageReference(newName) : undefined;
  return r !== undefined && (r.tag !== undefined || r.digest !== undefined);
}

function readKustomize(p: ParsedYaml, image: string | undefined): DeclaredImage {
  const k = resolveKustomizeImage(p, image);
  if (!k.entry) {
    return { repository: k.name, location: locateNode(p, (k.images ?? p.doc.contents) as never), present: false, form: 'tag' };
  }
  const field = (name: string) => scalarString(deref(p, findPair(k.entry!, name)?.value));
  const newName = field('newName');
  if (newNameReference(newName)) {
    const r = fromReference(newName);
    return { ...r, digest: r.digest ?? nonEmpty(field('digest')), location: locateNode(p, findPair(k.entry, 'newName')!.value as Node), present: true, form: 'reference' };
  }
  const tagPair = findPair(k.entry, 'newTag');
  return {
    repository: nonEmpty(newName ?? k.name),
    tag: nonEmpty(field('newTag')),
    digest: nonEmpty(field('digest')),
    location: locateNode(p, (tagPair?.value ?? k.entry) as never),
    present: tagPair !== undefined,
    form: 'tag',
  };
}

export function readManifestImage(docs: readonly ParsedYaml[], file: string, l: ManifestLocator): DeclaredImage {
  const c = resolveManifestContainer(docs, file, l);
  const v = c.imagePair?.value;
  return {
    ...fromReference(isScalar(v) ? scalarString(v) : undefined),
    location: locateNode(c.p, (v ?? c.imagePair?.key ?? c.container) as Node),
    present: c.imagePair !== undefined,
    form: 'reference',
  };
}
