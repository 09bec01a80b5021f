/**
 * The comment-preserving image edit: sets an image tag (and optionally its digest or repository) in Helm
 * values, a Kustomize `images:` entry, or a container of a Kubernetes manifest, changing only the bytes of
 * the edited scalar (or inserting whole lines for a key that is not there yet).
 *
 * How: the file is parsed with source ranges; each change is a splice of the original text at a scalar's
 * range (edit/splice.ts), planned by one planner per file kind (edit/helm.ts, edit/kustomize.ts,
 * edit/manifest.ts). The result is parsed again and must hold the new values, as strings, and every other
 * value exactly as before; otherwise nothing is returned or written. Anything the engine cannot change
 * safely (block scalars, values spanning lines, paths through aliases, duplicate keys, malformed YAML) is
 * refused with file:line:col.
 */
import { readFile } from 'node:fs/promises';
import { inputError } from '../errors';
import { validateDigest, validateRepository, validateTag } from '../images/reference';
import { atomicWriteFile } from '../util/atomicWrite';
import { parseYaml } from '../yaml/document';
import { describeLocator, type ImageLocator } from '../yaml/locate';
import { planHelm } from './edit/helm';
import { planKustomize } from './edit/kustomize';
import { editManifest } from './edit/manifest';
import { Editor } from './edit/splice';
import type { EditFileOptions, EditResult, ImageChange } from './edit/types';
import { readDeclaredImage, readDeclaredImageFrom, type DeclaredImage } from './readImage';

export type { ManifestLocator } from '../yaml/locate';
export type { EditFileOptions, EditResult, ImageChange } from './edit/types';
export { plainRoundTrips, renderScalar } from './edit/scalar';
/** every locator can be edited (manifests included): kept as a name for callers */
export type EditLocator = ImageLocator;

// ---------------------------------------------------------------------------------------------------
// public API

/** Computes the edit of `text`; pure. Throws an input PilotError (with a location when one applies). */
export function editImage(text: string, file: string, locator: EditLocator, requested: ImageChange): EditResult {
  validateChange(requested);
  const change = digestRule(requested);
  if (locator.kind === 'manifest') return editManifest(text, file, locator, change);
  const p = parseYaml(text, file);
  const before = readDeclaredImageFrom(p, locator);
  const ed = new Editor(p.text, file, [p]);
  if (locator.kind === 'helm') planHelm(ed, p, locator.path, change, before);
  else planKustomize(ed, p, locator.image, change, before);
  return ed.finish(before, change, describeLocator(locator), (t) => {
    const q = parseYaml(t, file);
    return { js: q.doc.toJS(), image: readDeclaredImageFrom(q, locator) };
  });
}

/**
 * Reads `file`, edits it, and (unless nothing changed or `dryRun`) replaces it atomically. Refuses when the
 * file is not the `expectText` the user confirmed, or when it changes on disk while the edit is computed.
 */
export async function editImageFile(file: string, locator: EditLocator, change: ImageChange, opts: EditFileOptions = {}): Promise<EditResult & { written: boolean }> {
  validateChange(change);
  const raw = await readFile(file);
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) {
    throw inputError('file.encoding', `${file} is not UTF-8 text`, { location: { file, line: 1, col: 1 }, hint: 'Save the file as UTF-8; nothing was changed' });
  }
  if (opts.expectText !== undefined && opts.expectText !== text) {
    throw inputError('file.changed', `${file} changed since it was read`, {
      location: { file, line: firstDifferentLine(opts.expectText, text), col: 1 },
      hint: 'Review the change again; nothing was written',
    });
  }
  const r = editImage(text, file, locator, change);
  if (!r.changed || opts.dryRun) return { ...r, written: false };
  await atomicWriteFile(file, r.text, { expectContent: raw });
  return { ...r, written: true };
}

/** Reads the image a locator designates (every form). */
export function readImageAt(text: string, file: string, locator: EditLocator): DeclaredImage {
  return readDeclaredImage(text, file, locator);
}

/**
 * The one digest rule, kustomize's `edit set image NAME=*:TAG[@DIGEST]`: a new tag without a digest removes
 * a pinned digest (it would keep the old image running while git says the new tag), a tag with a digest sets
 * both, a digest alone leaves the tag. The repository (Helm `repository`, Kustomize `newName`) is kept.
 * set-image, bump, promote, rollback and the editor all edit through here.
 */
export function digestRule(change: ImageChange): ImageChange {
  return change.tag !== undefined && change.digest === undefined ? { ...change, digest: null } : change;
}

// ---------------------------------------------------------------------------------------------------
// validation

function validateChange(change: ImageChange): void {
  if (change.tag === undefined && change.digest === undefined && change.repository === undefined) {
    throw inputError('edit.empty', 'nothing to change: give a tag, a digest or a repository');
  }
  if (change.tag !== undefined) validateTag(change.tag);
  if (change.digest !== undefined && change.digest !== null) validateDigest(change.digest);
  if (change.repository !== undefined) validateRepository(change.repository);
}

function firstDifferentLine(a: string, b: string): number {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  return i + 1;
}
