/** Reading an environment's file and the image it declares, with errors a tree row can show. */
import { readFile, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { inputError, PilotError, toPilotError } from '../errors';
import type { Environment } from '../config/model';
import { readDeclaredImage, type DeclaredImage } from './readImage';

export type EnvironmentFileState =
  | { readonly ok: true; readonly declared: DeclaredImage; readonly text: string }
  | { readonly ok: false; readonly error: PilotError };

/** Reads the file, refusing one that resolves (through symlinks) outside the GitOps repository. */
export async function readEnvironmentText(env: Environment): Promise<string> {
  let real: string;
  try {
    real = await realpath(env.file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw inputError('env.fileMissing', `${env.relFile} does not exist`, {
        hint: env.source === 'config' ? `Create it, or fix file: for "${env.name}" in gitops-pilot.yaml` : 'Create it',
      });
    }
    throw toPilotError(err, 'env.fileUnreadable', `${env.relFile} cannot be read: ${(err as Error).message}`);
  }
  const root = await realpath(env.gitopsRoot).catch(() => env.gitopsRoot);
  const r = relative(root, real);
  if (r.startsWith('..') || r.split(sep)[0] === '..') {
    throw inputError('config.fileOutsideRepo', `${env.relFile} resolves outside the GitOps repository (${real})`, {
      hint: 'Environment files must live inside the GitOps repository',
    });
  }
  return readFile(real, 'utf8');
}

export async function readEnvironmentFile(env: Environment): Promise<EnvironmentFileState> {
  try {
    const text = await readEnvironmentText(env);
    return { ok: true, text, declared: readDeclaredImage(text, env.file, env.locator) };
  } catch (err) {
    return { ok: false, error: toPilotError(err) };
  }
}
