import * as vscode from 'vscode';
import { cancelled, inputError } from '../core/errors';
import type { Services } from './commands/types';
import type { EnvironmentEntry } from '../core/workspace/environments';
import { imageText } from './format';
import { EnvironmentNode } from './views/environments/nodes';

/**
 * The environment a command acts on: the tree node it was invoked on, an environment given by id
 * (`executeCommand(id, 'staging')`, keybindings, `command:` links) or as an entry of the extension
 * API's model, or else one the user picks. `filter` narrows the choice (e.g. environments that can be promoted).
 */
export async function pickEnvironment(
  s: Services,
  arg: unknown,
  opts: { placeHolder: string; filter?: (e: EnvironmentEntry) => boolean } = { placeHolder: 'Choose an environment' },
): Promise<EnvironmentEntry> {
  if (arg instanceof EnvironmentNode) return arg.entry;
  await s.workspace.ensureLoaded();
  const given = givenEnvironment(s, arg);
  if (given) return given;
  const entries = s.environments.environments.filter(opts.filter ?? (() => true));
  if (!entries.length) {
    throw inputError('env.none', 'No environments found in this workspace', { hint: 'Open a GitOps repository, or run "GitOps Pilot: Create gitops-pilot.yaml"' });
  }
  if (entries.length === 1 && opts.filter) return entries[0]!;
  const items = entries.map((e) => ({
    label: e.env.app ? `${e.env.app} / ${e.env.name}` : e.env.name,
    description: e.file.ok ? imageText(e.file.declared.repository, e.file.declared.tag) : 'error',
    detail: e.env.relFile,
    entry: e,
  }));
  const choice = await vscode.window.showQuickPick(items, { placeHolder: opts.placeHolder, matchOnDescription: true, matchOnDetail: true });
  if (!choice) throw cancelled();
  return choice.entry;
}

/** An environment named by the caller: its id, or an entry (`{ env: { id }, project: { root } }`) from the API. */
function givenEnvironment(s: Services, arg: unknown): EnvironmentEntry | undefined {
  if (typeof arg === 'string') {
    const found = s.environments.find(arg);
    if (!found) throw inputError('env.unknown', `No environment "${arg}" in this workspace`, { hint: 'Run "GitOps Pilot: Refresh Environments", or pick one from the list' });
    return found;
  }
  if (arg && typeof arg === 'object' && 'env' in arg) {
    const e = arg as { env?: { id?: unknown }; project?: { root?: unknown } };
    if (typeof e.env?.id === 'string') return s.environments.find(e.env.id, typeof e.project?.root === 'string' ? e.project.root : undefined);
  }
  return undefined;
}
