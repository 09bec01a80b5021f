import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { timeAgo } from '../../core/util/time';
import { rollbackFlow } from '../deploy/flows';
import { requireTrust } from '../deploy/run';
import { pickEnvironment } from '../pick';
import type { CommandDef } from './types';

/** Roll Back…: undo the last deployment (git revert), or go back to an earlier one from the history. */
export const rollBack: CommandDef = {
  id: 'gitopsPilot.rollBack',
  async run(s, node) {
    requireTrust('Roll Back');
    const entry = await pickEnvironment(s, node, { placeHolder: 'Roll back which environment?', filter: (e) => e.file.ok });
    const history = await s.history.get(entry.env);
    const [last, ...earlier] = history;
    const items = [
      ...(last?.before?.tag ? [{ label: `$(discard) Undo the last deployment`, description: `${last.after?.tag ?? '∅'} → ${last.before.tag}`, detail: `git revert ${last.sha.slice(0, 7)}: ${last.subject}`, sha: undefined as string | undefined }] : []),
      ...earlier.filter((r) => r.after?.tag).map((r) => ({ label: `Go back to ${r.after!.tag}`, description: `${r.author}, ${timeAgo(r.date)}`, detail: `${r.sha.slice(0, 7)} ${r.subject}`, sha: r.sha as string | undefined })),
    ];
    if (!items.length) {
      void vscode.window.showInformationMessage(`${entry.env.name} has no earlier image in its git history to roll back to.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { placeHolder: `Roll back ${entry.env.name} (now ${entry.file.ok ? entry.file.declared.tag : '?'})`, matchOnDetail: true });
    if (!pick) throw cancelled();
    await rollbackFlow(s, entry, pick.sha);
  },
};
