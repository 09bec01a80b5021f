/**
 * A key path in a YAML mapping (Helm values, Argo CD Application parameters, HelmRelease values, any
 * manifest): a tag with its digest, repository and registry beside it, or a whole reference in one scalar.
 */
import { isAlias, isScalar, type Node } from 'yaml';
import { inputError } from '../../errors';
import { registryOf } from '../../images/reference';
import { findPair, locateNode, scalarString, type ParsedYaml } from '../../yaml/document';
import { resolveHelmPath } from '../../yaml/locate';
import type { DeclaredImage } from '../readImage';
import { aliasOnPath } from './aliases';
import { planReference } from './reference';
import type { Editor } from './splice';
import type { ImageChange } from './types';

export function planHelm(ed: Editor, p: ParsedYaml, path: readonly string[], change: ImageChange, before: DeclaredImage): void {
  const full = path.join('.');
  // missing / non-mapping intermediate keys, selectors that pick nothing, a non-scalar leaf: located errors
  const leaf = resolveHelmPath(p, path);
  if (leaf.alias) throw aliasOnPath(p, leaf.alias.node, leaf.alias.shown, full);
  const { parent, parentPath, leafKey } = leaf;
  const sibling = (k: string) => [...path.slice(0, -1), k].join('.');

  if (before.form === 'reference') {
    const current = isScalar(leaf.value) ? scalarString(leaf.value) : undefined;
    planReference(ed, { p, map: parent, mapPath: parentPath, key: leafKey, current, node: leaf.value ?? leaf.pair?.key, shown: full }, change);
    return;
  }

  if (before.form === 'tag@digest') {
    // one scalar `TAG@DIGEST`: the digest rule as everywhere (a new tag without a digest drops the old one)
    const tag = change.tag ?? before.tag!;
    const digest = change.digest === undefined ? before.digest : change.digest;
    ed.setField(parent, parentPath, leafKey, digest ? `${tag}@${digest}` : tag, full);
    return;
  }

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
