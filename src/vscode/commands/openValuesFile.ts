import * as vscode from 'vscode';
import { pickEnvironment } from '../pick';
import type { CommandDef } from './types';

/** Opens the environment's file with the cursor on its image tag (or where it would be added). */
export const openValuesFile: CommandDef = {
  id: 'gitopsPilot.openValuesFile',
  async run(s, node) {
    const { env, file } = await pickEnvironment(s, node, { placeHolder: 'Open the file of which environment?' });
    const loc = file.ok ? file.declared.location : file.error.location;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(env.file));
    const line = Math.min(Math.max(0, (loc?.line ?? 1) - 1), doc.lineCount - 1);
    const col = Math.max(0, (loc?.col ?? 1) - 1);
    const text = doc.lineAt(line).text;
    // select the tag value itself when the cursor is on it, so typing replaces it
    const m = /^("[^"]*"|'[^']*'|[^\s#]+)/.exec(text.slice(col));
    const start = new vscode.Position(line, col);
    const end = file.ok && file.declared.present && m ? new vscode.Position(line, col + m[0].length) : start;
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(start, end), preview: false });
  },
};
