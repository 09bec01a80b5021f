/** Reading the image an environment's file declares (the tag in git). */
import { isScalar } from 'yaml';
import type { SourceLocation } from '../errors';
import { findPair, locateNode, parseYaml, scalarString, type ParsedYaml } from '../yaml/document';
import { deref, resolveHelmPath, resolveKustomizeImage, type ImageLocator } from '../yaml/locate';

export interface DeclaredImage {
  /** the repository next to the tag (Helm `repository`/`registry`, Kustomize `newName` or `name`) */
  readonly repository?: string;
  /** undefined when the key is absent, null or empty ("" usually means "the chart's default") */
  readonly tag?: string;
  readonly digest?: string;
  /** where the tag is, or where it would be added */
  readonly location: SourceLocation;
  /** true when the tag key is present in the file */
  readonly present: boolean;
}

export function readDeclaredImage(text: string, file: string, locator: ImageLocator): DeclaredImage {
  return readDeclaredImageFrom(parseYaml(text, file), locator);
}

/** The same, from a document already parsed (so an edit parses each version of the file once). */
export function readDeclaredImageFrom(p: ParsedYaml, locator: ImageLocator): DeclaredImage {
  return locator.kind === 'helm' ? readHelm(p, locator.path) : readKustomize(p, locator.image);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function readHelm(p: ParsedYaml, path: readonly string[]): DeclaredImage {
  const leaf = resolveHelmPath(p, path);
  const leafKey = path[path.length - 1]!;
  const sibling = (k: string) => scalarString(deref(p, findPair(leaf.parent, k)?.value));
  // image: {registry, repository, tag, digest}, or a flat imageTag next to image
  let repository = leafKey === 'imageTag' ? sibling('image') : sibling('repository');
  const registry = sibling('registry');
  if (repository && registry && !repository.startsWith(`${registry}/`)) repository = `${registry}/${repository}`;
  const node = leaf.value ?? leaf.pair?.key ?? leaf.parent;
  return {
    repository: nonEmpty(repository),
    tag: nonEmpty(isScalar(leaf.value) ? scalarString(leaf.value) : undefined),
    digest: nonEmpty(leafKey === 'tag' ? sibling('digest') : undefined),
    location: locateNode(p, node as never),
    present: leaf.pair !== undefined,
  };
}

function readKustomize(p: ParsedYaml, image: string | undefined): DeclaredImage {
  const k = resolveKustomizeImage(p, image);
  if (!k.entry) {
    return { repository: k.name, location: locateNode(p, (k.images ?? p.doc.contents) as never), present: false };
  }
  const field = (name: string) => scalarString(deref(p, findPair(k.entry!, name)?.value));
  const tagPair = findPair(k.entry, 'newTag');
  return {
    repository: nonEmpty(field('newName') ?? k.name),
    tag: nonEmpty(field('newTag')),
    digest: nonEmpty(field('digest')),
    location: locateNode(p, (tagPair?.value ?? k.entry) as never),
    present: tagPair !== undefined,
  };
}
