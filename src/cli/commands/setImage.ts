import { resolve } from 'node:path';
import { inputError } from '../../core/errors';
import { editImageFile } from '../../core/gitops/imageEdit';
import { parseKeyPath, type ImageLocator } from '../../core/yaml/locate';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { jsonFlag } from './common';
import type { CliCommand } from './types';

export const locatorFlags = {
  container: { type: 'string', description: 'a Kubernetes manifest: the container (or init container) whose image is set', valueName: 'NAME' },
  workload: { type: 'string', description: 'a manifest with several workloads: the one to edit (deployment/NAME, cronjob/NAME, …)', valueName: 'KIND/NAME' },
} as const;

const flags = {
  file: { type: 'string', description: 'the YAML file to edit', valueName: 'F', required: true },
  path: { type: 'string', description: 'key path of the tag or of a whole image reference, e.g. image.tag, chatops.image, containers[name=web].image', valueName: 'a.b.c' },
  'kustomize-image': { type: 'string', description: 'name of the Kustomize images: entry (added when missing)', valueName: 'NAME' },
  ...locatorFlags,
  tag: { type: 'string', description: 'the tag to set (a pinned digest is removed unless --digest gives the new one)', valueName: 'T', required: true },
  digest: { type: 'string', description: 'also pin this digest (sha256:…)', valueName: 'D' },
  json: jsonFlag,
} as const;

/** The locator the flags name: exactly one of --path, --kustomize-image, or --container/--workload. */
function locatorFrom(f: { path?: string; 'kustomize-image'?: string; container?: string; workload?: string }): ImageLocator {
  const manifest = f.container !== undefined || f.workload !== undefined;
  const given = [f.path !== undefined, f['kustomize-image'] !== undefined, manifest].filter(Boolean).length;
  if (given !== 1) {
    throw inputError('cli.badFlag', 'give exactly one of --path, --kustomize-image and --container/--workload', { hint: 'Run: gitops-pilot set-image --help' });
  }
  if (f.path !== undefined) return { kind: 'helm', path: parseKeyPath(f.path) };
  if (f['kustomize-image'] !== undefined) return { kind: 'kustomize', image: f['kustomize-image'] };
  return { kind: 'manifest', ...(f.container !== undefined ? { container: f.container } : {}), ...(f.workload !== undefined ? { workload: f.workload } : {}) };
}

/** Edits one file in place (no git): the exact bytes of the tag (and digest) change, nothing else. */
export const setImage: CliCommand = {
  name: 'set-image',
  summary: 'set an image tag in a values file, kustomization or manifest (no commit)',
  help: () =>
    `Usage: gitops-pilot set-image --file F (--path a.b.c | --kustomize-image NAME | --container C [--workload KIND/NAME]) --tag T [--digest sha256:...]\n\n` +
    `Changes only the bytes of the tag (and digest): comments, quoting, layout and the repository stay as they are.\n` +
    `A new tag without --digest removes a pinned digest (as kustomize edit set image does).\n` +
    `Exit 2 on bad input (the file is left untouched).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'set-image');
    const locator = locatorFrom(f);
    const file = resolve(io.cwd, f.file!);
    const r = await editImageFile(file, locator, { tag: f.tag!, ...(f.digest !== undefined ? { digest: f.digest } : {}) });
    if (f.json) io.out(JSON.stringify({ file, changed: r.changed, before: r.before, after: r.after, lines: r.lines, removedLines: r.removedLines }, null, 2));
    else io.out(r.changed ? `${f.file}: ${shown(r.before)} -> ${shown(r.after)}` : `${f.file}: already ${shown(r.after)}`);
    return 0;
  },
};

function shown(d: { tag?: string; digest?: string }): string {
  return `${d.tag ?? '(unset)'}${d.digest ? `@${d.digest.slice(0, 19)}…` : ''}`;
}
