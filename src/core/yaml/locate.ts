/**
 * Finding where an image lives in a YAML file: a key path (with list selectors), an entry of a
 * Kustomize `images:` list, or a container of a workload. Shared by reading (the tree) and editing (bumps), so both agree on what
 * "the tag of this environment" is.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { inputError } from '../errors';
import { findPair, locateNode, type ParsedYaml } from './document';

/**
 * Where an environment's image is, in one of three file kinds:
 * - `helm`: a key path in a YAML mapping (Helm values, an Argo CD Application, a Flux HelmRelease, any
 *   manifest). A segment may pick a list element by a field or an index: `containers[name=web]`,
 *   `parameters[name=image.tag]`, `containers[0]`. The value at the end is a tag (`image.tag`) or a whole
 *   reference (`chatops.image: gcr.io/team/chatops:87918a8`), told apart by what it holds.
 * - `kustomize`: an entry of a kustomization's `images:` list.
 * - `manifest`: the `image:` of one container of a workload (multi-document files, patch fragments).
 */
export type ImageLocator =
  | { readonly kind: 'helm'; readonly path: readonly string[] }
  /** `image` undefined: the file's only `images:` entry */
  | { readonly kind: 'kustomize'; readonly image?: string }
  | ManifestLocator;

export function describeLocator(l: ImageLocator): string {
  if (l.kind === 'helm') return l.path.join('.');
  if (l.kind === 'kustomize') return `images[name=${l.image ?? '<only entry>'}]`;
  return `${l.workload ? `${l.workload} ` : ''}container ${l.container ?? '<only container>'}`;
}

/** One step of a key path: a key, optionally picking a list element by `field=value` or by index. */
export interface PathSegment {
  readonly key: string;
  readonly select?: { readonly field: string; readonly value: string } | { readonly index: number };
}

const SEGMENT = /^([^[\]]+)(?:\[(?:(\d+)|([^=\]]+)=([^\]]*))\])?$/;

export function parseSegment(segment: string, path: readonly string[] = [segment]): PathSegment {
  const m = SEGMENT.exec(segment);
  if (!m) {
    throw inputError('path.invalid', `"${segment}" in the key path ${path.join('.')} is not a key, key[field=value] or key[index]`, {
      hint: 'For example image.tag, spec.template.spec.containers[name=web].image or spec.source.helm.parameters[name=image.tag].value',
    });
  }
  const [, key, index, field, value] = m;
  if (index !== undefined) return { key: key!, select: { index: Number(index) } };
  if (field !== undefined) return { key: key!, select: { field: field.trim(), value: value!.trim() } };
  return { key: key! };
}

/** Splits `a.b[name=x.y].c` at the dots outside brackets; a list of segments is taken as it is. */
export function parseKeyPath(path: string | readonly string[]): string[] {
  if (typeof path !== 'string') return [...path];
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of path) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  for (const s of out) parseSegment(s, out);
  return out;
}

/** Follows an alias to its anchor's node. */
export function deref(p: ParsedYaml, node: unknown): unknown {
  return isAlias(node) ? node.resolve(p.doc) : node;
}

export interface HelmLeaf {
  /** the mapping that holds (or would hold) the leaf key */
  readonly parent: YAMLMap;
  /** the JS path of `parent` (list indexes where a segment selected an element) */
  readonly parentPath: readonly (string | number)[];
  readonly leafKey: string;
  /** the leaf pair, when the key is present */
  readonly pair: Pair<Node, Node | null> | undefined;
  /** the leaf value node (null for `tag:` with nothing after it) */
  readonly value: Node | null | undefined;
  /** the first alias on the way to the parent (reading follows it; an edit through it is refused) */
  readonly alias?: { readonly node: Alias; readonly shown: string };
}

/**
 * Walks `path` through nested mappings (and lists, where a segment selects an element). A missing or
 * non-mapping intermediate key is an error (most likely a typo in the path); a missing leaf is not (it
 * can be added).
 */
export function resolveHelmPath(p: ParsedYaml, path: readonly string[]): HelmLeaf {
  let current: unknown = deref(p, p.doc.contents);
  if (!isMap(current)) {
    throw inputError('yaml.notMapping', 'the file is not a YAML mapping, so it has no key path ' + path.join('.'), {
      location: locateNode(p, p.doc.contents as Node | null),
      hint: 'Point the environment at a Helm values file',
    });
  }
  const parentPath: (string | number)[] = [];
  let alias: HelmLeaf['alias'];
  const noteAlias = (node: unknown, shown: string) => {
    if (!alias && isAlias(node)) alias = { node, shown };
  };
  for (let i = 0; i < path.length - 1; i++) {
    const seg = parseSegment(path[i]!, path);
    const map: YAMLMap = current as YAMLMap;
    const pair = findPair(map, seg.key);
    const shown = path.slice(0, i + 1).join('.');
    if (!pair) {
      throw inputError('yaml.pathMissing', `key "${[...path.slice(0, i), seg.key].join('.')}" not found`, {
        location: locateNode(p, map as Node),
        hint: `Check the key path ${path.join('.')} (a missing intermediate key is likely a typo)`,
      });
    }
    noteAlias(pair.value, [...path.slice(0, i), seg.key].join('.'));
    let next = deref(p, pair.value);
    parentPath.push(seg.key);
    if (seg.select) {
      const picked = selectItem(p, next, seg, pair, shown, path);
      noteAlias(picked.raw, shown);
      parentPath.push(picked.index);
      next = deref(p, picked.raw);
    }
    if (!isMap(next)) {
      throw inputError('yaml.notMapping', `"${shown}" is not a mapping, so it cannot hold "${path[i + 1]}"`, {
        location: locateNode(p, (next as Node | null) ?? (pair.value ?? pair.key) as Node),
        hint: `Check the key path ${path.join('.')}`,
      });
    }
    current = next;
  }
  const last = parseSegment(path[path.length - 1]!, path);
  if (last.select) {
    throw inputError('path.endsAtList', `the key path ${path.join('.')} ends at a list element, not at a value`, {
      hint: `Name the field that holds the image, e.g. ${path.join('.')}.image or ${path.join('.')}.value`,
    });
  }
  const parent = current as YAMLMap;
  const pair = findPair(parent, last.key);
  const value = pair ? (deref(p, pair.value) as Node | null) : undefined;
  if (value !== undefined && value !== null && !isScalar(value)) {
    throw inputError('yaml.notScalar', `"${path.join('.')}" is a ${isSeq(value) ? 'list' : 'mapping'}, not a single value`, {
      location: locateNode(p, value),
      hint: 'The path must end at the tag or image itself, e.g. image.tag',
    });
  }
  return { parent, parentPath, leafKey: last.key, pair, value, ...(alias ? { alias } : {}) };
}

/** The one element of a list that a `key[field=value]` or `key[index]` segment picks. */
function selectItem(p: ParsedYaml, list: unknown, seg: PathSegment, pair: Pair<Node, Node | null>, shown: string, path: readonly string[]): { raw: unknown; index: number } {
  if (!isSeq(list)) {
    throw inputError('yaml.notList', `"${seg.key}" is not a list, so "${shown}" selects nothing`, {
      location: locateNode(p, (list as Node | null) ?? (pair.key as Node)),
      hint: `Check the key path ${path.join('.')}`,
    });
  }
  const sel = seg.select!;
  if ('index' in sel) {
    if (sel.index < list.items.length) return { raw: list.items[sel.index], index: sel.index };
    throw inputError('yaml.selectorNoMatch', `"${seg.key}" has ${list.items.length} elements, so there is no [${sel.index}]`, {
      location: locateNode(p, list),
      hint: `Check the key path ${path.join('.')}`,
    });
  }
  const values: string[] = [];
  const hits: number[] = [];
  list.items.forEach((raw, i) => {
    const item = deref(p, raw);
    const v = isMap(item) ? scalarOf(deref(p, findPair(item, sel.field)?.value)) : undefined;
    if (v !== undefined) values.push(v);
    if (v === sel.value) hits.push(i);
  });
  if (hits.length === 1) return { raw: list.items[hits[0]!], index: hits[0]! };
  if (!hits.length) {
    throw inputError('yaml.selectorNoMatch', `no element of "${seg.key}" has ${sel.field}: ${sel.value}`, {
      location: locateNode(p, list),
      hint: values.length ? `The ${sel.field} values there: ${values.join(', ')}` : `No element of ${seg.key} has a ${sel.field}`,
    });
  }
  throw inputError('yaml.selectorAmbiguous', `${hits.length} elements of "${seg.key}" have ${sel.field}: ${sel.value}`, {
    location: locateNode(p, list.items[hits[1]!] as Node),
    hint: 'Make the selected field unique, or select by index (key[0])',
  });
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

/** A container's `image:` in plain Kubernetes manifests (multi-document files and patch fragments allowed). */
export interface ManifestLocator {
  readonly kind: 'manifest';
  /** the container name; omitted: the only (non-init) container of the selected workloads */
  readonly container?: string;
  /** `deployment/demo-app`, `Rollout/demo-app` or just `demo-app`; omitted: any workload in the file */
  readonly workload?: string;
}

/** Where the pod spec sits in each workload kind that has a pod template. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export interface ManifestContainer {
  /** the document the container is in */
  readonly p: ParsedYaml;
  readonly docIndex: number;
  /** `Deployment/demo-app` */
  readonly workload: string;
  readonly name: string | undefined;
  readonly init: boolean;
  /** key path from the document root to the container mapping, e.g. spec.template.spec.containers.0 */
  readonly path: readonly (string | number)[];
  readonly container: YAMLMap;
  /** the `image` pair, when present */
  readonly imagePair: Pair<Node, Node | null> | undefined;
}

function str(node: unknown): string | undefined {
  return scalarOf(node);
}

/** Every container (and init container) of every workload in the stream. Aliases are not followed. */
export function listManifestContainers(docs: readonly ParsedYaml[]): ManifestContainer[] {
  const out: ManifestContainer[] = [];
  docs.forEach((p, docIndex) => {
    const root = p.doc.contents;
    if (!isMap(root)) return;
    // a patch fragment may carry no kind: a pod template's spec is enough to hold containers
    const kind = str(findPair(root, 'kind')?.value) ?? (findPair(root, 'spec') ? 'Patch' : undefined);
    const specPath = kind ? (POD_SPEC_PATHS[kind] ?? (kind === 'Patch' ? POD_SPEC_PATHS.Deployment : undefined)) : undefined;
    if (!kind || !specPath) return;
    const meta = findPair(root, 'metadata')?.value;
    const name = isMap(meta) ? str(findPair(meta, 'name')?.value) : undefined;
    let node: unknown = root;
    for (const key of specPath) {
      node = isMap(node) ? findPair(node, key)?.value : undefined;
    }
    if (!isMap(node)) return;
    for (const [field, init] of [['initContainers', true], ['containers', false]] as const) {
      const seq = findPair(node, field)?.value;
      if (!isSeq(seq)) continue;
      seq.items.forEach((item, i) => {
        if (!isMap(item)) return;
        out.push({
          p,
          docIndex,
          workload: `${kind}/${name ?? '<unnamed>'}`,
          name: str(findPair(item, 'name')?.value),
          init,
          path: [...specPath, field, i],
          container: item,
          imagePair: findPair(item, 'image'),
        });
      });
    }
  });
  return out;
}

function workloadMatches(c: ManifestContainer, wanted: string): boolean {
  const [kind, name] = c.workload.split('/') as [string, string];
  const slash = wanted.indexOf('/');
  if (slash < 0) return name === wanted;
  return kind.toLowerCase() === wanted.slice(0, slash).toLowerCase() && name === wanted.slice(slash + 1);
}

/**
 * The one container a ManifestLocator designates. None, or more than one, is an input error that lists
 * what the file holds.
 */
export function resolveManifestContainer(docs: readonly ParsedYaml[], file: string, l: ManifestLocator): ManifestContainer {
  const all = listManifestContainers(docs);
  const describe = (cs: readonly ManifestContainer[]) => cs.map((c) => `${c.workload} ${c.init ? 'initContainer' : 'container'} ${c.name ?? '<unnamed>'}`).join(', ');
  const inWorkload = l.workload === undefined ? all : all.filter((c) => workloadMatches(c, l.workload!));
  const where = { file, line: 1, col: 1 };
  if (!all.length) {
    throw inputError('manifest.noWorkload', 'no Deployment, StatefulSet, DaemonSet, Pod, Job, CronJob or Rollout with containers in this file', {
      location: where,
      hint: 'Point at the manifest that holds the workload',
    });
  }
  if (!inWorkload.length) {
    throw inputError('manifest.workloadNotFound', `no workload ${l.workload} in this file`, {
      location: where,
      hint: `The file has ${[...new Set(all.map((c) => c.workload))].join(', ')}`,
    });
  }
  const matches = l.container === undefined ? inWorkload.filter((c) => !c.init) : inWorkload.filter((c) => c.name === l.container);
  if (matches.length === 1) return matches[0]!;
  if (!matches.length) {
    throw inputError('manifest.containerNotFound', l.container === undefined ? 'the workload has only init containers; name the container' : `no container named "${l.container}"${l.workload ? ` in ${l.workload}` : ''}`, {
      location: where,
      hint: `The file has: ${describe(inWorkload)}`,
    });
  }
  throw inputError('manifest.ambiguousContainer', `${matches.length} containers match${l.container ? ` the name "${l.container}"` : ''}: ${describe(matches)}`, {
    location: locateNode(matches[1]!.p, matches[1]!.container as Node),
    hint: l.container === undefined ? 'Name the container to edit' : 'Name the workload too (kind/name)',
  });
}
