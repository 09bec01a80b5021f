/** Helm values: a tag at a key path, with its digest, repository and registry beside it. */
import { isAlias, type Node, type YAMLMap } from 'yaml';
import { inputError } from '../../errors';
import { registryOf } from '../../images/reference';
import { findPair, locateNode, scalarString, type ParsedYaml } from '../../yaml/document';
import { resolveHelmPath } from '../../yaml/locate';
import type { DeclaredImage } from '../readImage';
import { aliasOnPath } from './aliases';
import type { Editor } from './splice';
import type { ImageChange } from './types';

export function planHelm(ed: Editor, p: ParsedYaml, path: readonly string[], change: ImageChange, before: DeclaredImage): void {
  const full = path.join('.');
  resolveHelmPath(p, path); // missing / non-mapping intermediate keys, non-scalar leaf: located errors
  let node: unknown = p.doc.contents;
  for (let i = 0; i < path.length - 1; i++) {
    const pair = findPair(node as YAMLMap, path[i]!)!;
    if (isAlias(pair.value)) throw aliasOnPath(p, pair.value, path.slice(0, i + 1).join('.'), full);
    node = pair.value;
  }
  const parent = node as YAMLMap;
  const parentPath = path.slice(0, -1);
  const leafKey = path[path.length - 1]!;
  const sibling = (k: string) => [...parentPath, k].join('.');

  if (change.tag !== undefined) ed.setField(parent, parentPath, leafKey, change.tag, full);

  if (change.digest !== undefined) {
    if (leafKey !== 'tag') {
      if (change.digest !== null) {
        throw inputError('helm.noDigestKey', `there is no known place for a digest next to "${full}" (only next to a "tag" key)`, {
          location: locateNode(p, parent),
          hint: 'Deploy by tag, or point the environment at an image.tag key with a digest beside it',
        });
      }
    } else if (change.digest === null) {
      ed.removeField(parent, parentPath, 'digest', sibling('digest'), 'empty');
    } else {
      const had = findPair(parent, 'digest');
      ed.setField(parent, parentPath, 'digest', change.digest, sibling('digest'));
      if (!had) ed.warnings.push(`Added ${sibling('digest')}: the chart must use it for the digest to take effect`);
    }
  } else if (change.tag !== undefined && before.digest && change.tag !== before.tag) {
    ed.warnings.push(`${sibling('digest')} is still set to ${before.digest}; charts usually prefer the digest over the tag`);
  }

  if (change.repository !== undefined && change.repository !== before.repository) {
    const repoKey = leafKey === 'imageTag' ? 'image' : 'repository';
    const registryPair = findPair(parent, 'registry');
    if (registryPair && isAlias(registryPair.value)) throw aliasOnPath(p, registryPair.value, sibling('registry'), sibling('registry'));
    const registry = scalarString(registryPair?.value);
    let repo = change.repository;
    if (registry) {
      if (change.repository.startsWith(`${registry}/`)) repo = change.repository.slice(registry.length + 1);
      else {
        const r = registryOf(change.repository);
        if (!r.explicit) {
          throw inputError('helm.registryNeeded', `${sibling('registry')} is "${registry}", and "${change.repository}" names no registry`, {
            location: locateNode(p, registryPair!.value as Node),
            hint: `Give the repository with its registry host (e.g. docker.io/${change.repository})`,
          });
        }
        ed.setField(parent, parentPath, 'registry', r.registry, sibling('registry'));
        repo = r.path;
      }
    }
    ed.setField(parent, parentPath, repoKey, repo, sibling(repoKey));
  }
}
