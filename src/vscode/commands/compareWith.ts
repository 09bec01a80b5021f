import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { pickEnvironment } from '../pick';
import { imageText } from '../format';
import type { CommandDef } from './types';

/** Compare with…: the two environments' files side by side in the diff editor. */
export const compareWith: CommandDef = {
  id: 'gitopsPilot.compareWith',
  async run(s, node) {
    const a = await pickEnvironment(s, node, { placeHolder: 'Compare which environment?' });
    const others = s.environments.environments.filter((e) => e.env.file !== a.env.file);
    // the promotion neighbours first: that is what people compare
    const near = new Set([a.env.promoteFrom, ...a.env.promotesTo]);
    others.sort((x, y) => Number(near.has(y.env.id)) - Number(near.has(x.env.id)));
    const pick = await vscode.window.showQuickPick(
      others.map((e) => ({ label: e.env.app ? `${e.env.app} / ${e.env.name}` : e.env.name, description: e.file.ok ? imageText(e.file.declared.repository, e.file.declared.tag) : 'error', detail: e.env.relFile, e })),
      { placeHolder: `Compare ${a.env.name} with…` },
    );
    if (!pick) throw cancelled();
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(a.env.file), vscode.Uri.file(pick.e.env.file), `${a.env.name} ↔ ${pick.e.env.name}`);
  },
};
