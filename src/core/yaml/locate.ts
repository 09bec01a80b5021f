/**
 * Finding where an image tag lives in a YAML file: a key path in Helm values, or an entry of a
 * Kustomize `images:` list. Shared by reading (the tree) and editing (bumps), so both agree on what
 * "the tag of this environment" is.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError } from '../errors';
import { findPair, locateNode, type ParsedYaml } from './document';

export type ImageLocator =
  | { readonly kind: 'helm'; readonly path: readonly string[] }
  /** `image` undefined: the file's only `images:` entry */
  | { readonly kind: 'kustomize'; readonly image?: string };

export function describeLocator(l: ImageLocator): string {
  return l.kind === 'helm' ? l.path.join('.') : `images[name=${l.image ?? '<only entry>'}]`;
}

export function parseKeyPath(path: string | readonly string[]): string[] {
  return typeof path === 'string' ? path.split('.') : [...path];
}

/** Follows an alias to its anchor's node. */
export function deref(p: ParsedYaml, node: unknown): unknown {
  return isAlias(node) ? node.resolve(p.doc) : node;
}

export interface HelmLeaf {
  /** the mapping that holds (or would hold) the leaf key */
  readonly parent: YAMLMap;
  /** the leaf pair, when the key is present */
  readonly pair: Pair<Node, Node | null> | undefined;
  /** the leaf value node (null for `tag:` with nothing after it) */
  readonly value: Node | null | undefined;
}

/**
 * Walks `path` through nested mappings. A missing or non-mapping intermediate key is an error (most
 * likely a typo in the path); a missing leaf is not (it can be added).
 */
export function resolveHelmPath(p: ParsedYaml, path: readonly string[]): HelmLeaf {
  let current: unknown = deref(p, p.doc.contents);
  if (!isMap(current)) {
    throw inputError('yaml.notMapping', 'the file is not a YAML mapping, so it has no key path ' + path.join('.'), {
      location: locateNode(p, p.doc.contents as Node | null),
      hint: 'Point the environment at a Helm values file',
    });
  }
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const map: YAMLMap = current as YAMLMap;
    const pair = findPair(map, key);
    const shown = path.slice(0, i + 1).join('.');
    if (!pair) {
      throw inputError('yaml.pathMissing', `key "${shown}" not found`, {
        location: locateNode(p, map as Node),
        hint: `Check the key path ${path.join('.')} (a missing intermediate key is likely a typo)`,
      });
    }
    const next = deref(p, pair.value);
    if (!isMap(next)) {
      throw inputError('yaml.notMapping', `"${shown}" is not a mapping, so it cannot hold "${path[i + 1]}"`, {
        location: locateNode(p, (pair.value ?? pair.key) as Node),
        hint: `Check the key path ${path.join('.')}`,
      });
    }
    current = next;
  }
  const parent = current as YAMLMap;
  const pair = findPair(parent, path[path.length - 1]!);
  const value = pair ? (deref(p, pair.value) as Node | null) : undefined;
  if (value !== undefined && value !== null && !isScalar(value)) {
    throw inputError('yaml.notScalar', `"${path.join('.')}" is a ${isSeq(value) ? 'list' : 'mapping'}, not a single value`, {
      location: locateNode(p, value),
      hint: 'The path must end at the tag itself, e.g. image.tag',
    });
  }
  return { parent, pair, value };
}

export interface KustomizeEntry {
  /** the `images:` list, when present */
  readonly images: YAMLSeq | undefined;
  /** the entry whose `name` matches, when present */
  readonly entry: YAMLMap | undefined;
  /** the name that was looked up (resolved from the only entry when the locator named none) */
  readonly name: string | undefined;
}

export function resolveKustomizeImage(p: ParsedYaml, image: string | undefined): KustomizeEntry {
  const root = deref(p, p.doc.contents);
  if (!isMap(root)) {
    throw inputError('yaml.notMapping', 'the file is not a YAML mapping, so it is not a kustomization', {
      location: locateNode(p, p.doc.contents as Node | null),
    });
  }
  const pair = findPair(root, 'images');
  const images = pair ? deref(p, pair.value) : undefined;
  if (images === undefined || images === null || (isScalar(images) && images.value === null)) {
    if (image === undefined) {
      throw inputError('kustomize.noImages', 'the kustomization has no images: list, and no image name is configured', {
        location: locateNode(p, root as Node),
        hint: 'Set kustomizeImage for this environment in gitops-pilot.yaml',
      });
    }
    return { images: undefined, entry: undefined, name: image };
  }
  if (!isSeq(images)) {
    throw inputError('kustomize.imagesNotList', '"images" is not a list', { location: locateNode(p, images as Node) });
  }
  const entries = images.items.map((item) => deref(p, item));
  if (image === undefined) {
    const named = entries.filter(isMap);
    if (named.length !== 1) {
      throw inputError('kustomize.ambiguousImage', `the kustomization lists ${named.length} images and none is configured for this environment`, {
        location: locateNode(p, images),
        hint: 'Name the image to deploy with kustomizeImage in gitops-pilot.yaml',
      });
    }
    const only = named[0]!;
    const name = scalarOf(findPair(only, 'name')?.value);
    return { images, entry: only, name };
  }
  for (const e of entries) {
    if (isMap(e) && scalarOf(findPair(e, 'name')?.value) === image) return { images, entry: e, name: image };
  }
  return { images, entry: undefined, name: image };
}

function scalarOf(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}
