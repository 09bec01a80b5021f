/**
 * A scalar holding a whole image reference (`repo:tag`, `repo@sha256:…`, `repo:tag@sha256:…`, a registry
 * port): only the tag and digest part changes; the repository keeps its exact bytes (unless a new one is
 * asked for). Shared by Helm values (`chatops.image`), Kustomize `newName: registry/app:latest` and
 * container images in manifests.
 */
import type { Node, YAMLMap } from 'yaml';
import { inputError } from '../../errors';
import { formatImageReference, tryParseImageReference } from '../../images/reference';
import { locateNode, type ParsedYaml } from '../../yaml/document';
import type { Editor } from './splice';
import type { ImageChange, JsPath } from './types';

export interface ReferenceSlot {
  readonly p: ParsedYaml;
  readonly map: YAMLMap;
  readonly mapPath: JsPath;
  readonly key: string;
  /** the current text ('' or undefined: empty or absent) */
  readonly current: string | undefined;
  /** where to point an error */
  readonly node: Node | null | undefined;
  /** `chatops.image`, for messages */
  readonly shown: string;
}

/** The reference after `change` (validated), or undefined when the slot has no repository to keep. */
export function nextReference(slot: ReferenceSlot, change: ImageChange): string {
  const location = locateNode(slot.p, slot.node ?? slot.map);
  const cur = slot.current ? tryParseImageReference(slot.current) : undefined;
  if (slot.current && !cur) {
    throw inputError('image.notReference', `${slot.shown} holds ${JSON.stringify(slot.current)}, which is not an image reference, so the tag has no repository to go with`, {
      location,
      hint: `Write ${slot.shown} as registry/name:tag (or point the environment at the tag's own key), then try again; nothing was changed`,
    });
  }
  if (!cur && change.repository === undefined) {
    throw inputError('image.noRepository', `${slot.shown} is empty, so a tag alone would deploy an image named after the tag`, {
      location,
      hint: `Write the image (repository:tag) in ${slot.shown} by hand once; later changes keep its repository`,
    });
  }
  const repository = change.repository ?? cur!.repository;
  const tag = change.tag !== undefined ? change.tag : cur?.tag;
  const digest = change.digest === undefined ? cur?.digest : (change.digest ?? undefined);
  const next = formatImageReference({ repository, tag, digest });
  if (!tryParseImageReference(next)) {
    throw inputError('image.invalidResult', `${slot.shown} would become ${JSON.stringify(next)}, which is not a valid image reference`, {
      location,
      hint: 'Check the tag and digest; nothing was changed',
    });
  }
  return next;
}

/** Plans the change of a reference scalar: the new text is spliced in place, keeping its quotes and comment. */
export function planReference(ed: Editor, slot: ReferenceSlot, change: ImageChange): void {
  ed.setField(slot.map, slot.mapPath, slot.key, nextReference(slot, change), slot.shown);
}
