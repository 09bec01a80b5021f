import { resolve } from 'node:path';
import { inputError } from '../../core/errors';
import { editImageFile } from '../../core/gitops/imageEdit';
import { parseKeyPath, type ImageLocator } from '../../core/yaml/locate';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { jsonFlag } from './common';
import type { CliCommand } from './types';

const flags = {
  file: { type: 'string', description: 'the YAML file to edit', valueName: 'F', required: true },
  path: { type: 'string', description: 'Helm values key path of the tag, e.g. image.tag', valueName: 'a.b.c' },
  'kustomize-image': { type: 'string', description: 'name of the Kustomize images: entry (added when missing)', valueName: 'NAME' },
  tag: { type: 'string', description: 'the tag to set', valueName: 'T', required: true },
  digest: { type: 'string', description: 'also pin this digest (sha256:…)', valueName: 'D' },
  json: jsonFlag,
} as const;

/** Edits one file in place (no git): the exact bytes of the tag (and digest) change, nothing else. */
export const setImage: CliCommand = {
  name: 'set-image',
  summary: 'set an image tag in a Helm values file or kustomization (no commit)',
  help: () => `Usage: gitops-pilot set-image --file F (--path a.b.c | --kustomize-image NAME) --tag T [--digest sha256:...]\n\nChanges only the bytes of the tag (and digest): comments, quoting and layout stay as they are.\nExit 2 on bad input (the file is left untouched).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'set-image');
    if ((f.path === undefined) === (f['kustomize-image'] === undefined)) {
      throw inputError('cli.badFlag', 'give exactly one of --path and --kustomize-image', { hint: 'Run: gitops-pilot set-image --help' });
    }
    const locator: ImageLocator = f.path !== undefined ? { kind: 'helm', path: parseKeyPath(f.path) } : { kind: 'kustomize', image: f['kustomize-image']! };
    const file = resolve(io.cwd, f.file!);
    const r = await editImageFile(file, locator, { tag: f.tag!, ...(f.digest !== undefined ? { digest: f.digest } : {}) });
    if (f.json) io.out(JSON.stringify({ file, changed: r.changed, before: r.before, after: r.after, lines: r.lines }, null, 2));
    else io.out(r.changed ? `${f.file}: ${r.before.tag ?? '(unset)'} -> ${r.after.tag}` : `${f.file}: already ${r.after.tag}`);
    return 0;
  },
};
