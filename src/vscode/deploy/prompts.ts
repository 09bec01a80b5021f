import * as vscode from 'vscode';
import type { Environment } from '../../core/config/model';
import { cancelled } from '../../core/errors';
import { isValidTag } from '../../core/images/reference';

/** Protected environments: the user types the environment's name (like GitHub's "type the repository name"). */
export async function confirmProtected(env: Environment, action: string): Promise<void> {
  const typed = await vscode.window.showInputBox({
    title: `${action} — ${env.name} ${env.protected ? 'is protected' : 'needs approval'}`,
    prompt: `Type "${env.name}" to confirm`,
    placeHolder: env.name,
    ignoreFocusOut: true,
    validateInput: (v) => (v === env.name ? undefined : `Type ${env.name} exactly to confirm`),
  });
  if (typed !== env.name) throw cancelled();
}

/** A modal "do it?" with the summary; resolves when confirmed, throws a (silent) cancellation otherwise. */
export async function confirmDeployment(message: string, detail: string, action: string): Promise<void> {
  const choice = await vscode.window.showInformationMessage(message, { modal: true, detail }, action);
  if (choice !== action) throw cancelled();
}

export interface TagSuggestion {
  readonly tag: string;
  readonly description?: string;
  readonly detail?: string;
}

/** A quick pick of suggested tags that also accepts any valid tag typed in. */
export async function pickTag(title: string, suggestions: readonly TagSuggestion[], current?: string): Promise<string> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { tag?: string }>();
  qp.title = title;
  qp.placeholder = suggestions.length ? 'Pick a tag, or type one' : 'Type the image tag (e.g. sha-1a2b3c4 or 1.0.5)';
  qp.ignoreFocusOut = true;
  qp.matchOnDescription = true;
  const base = suggestions.filter((s) => s.tag !== current).map((s) => ({ label: s.tag, description: s.description, detail: s.detail, tag: s.tag }));
  qp.items = base;
  qp.onDidChangeValue((v) => {
    const typed = v.trim();
    if (!typed || base.some((b) => b.tag === typed)) {
      qp.items = base;
      return;
    }
    const item = isValidTag(typed)
      ? { label: typed, description: 'use this tag', tag: typed, alwaysShow: true }
      : { label: typed, description: 'not a valid tag: letters, digits, _ . - (max 128), not starting with . or -', alwaysShow: true };
    qp.items = [item, ...base];
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      qp.onDidAccept(() => {
        const sel = qp.selectedItems[0];
        if (sel?.tag) resolve(sel.tag);
      });
      qp.onDidHide(() => reject(cancelled()));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}
