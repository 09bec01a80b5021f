import * as vscode from 'vscode';
import type { Environment } from '../../core/config/model';
import { cancelled } from '../../core/errors';
import { TagChoice, type TagItem, type TagSuggestion } from '../../core/gitops/tagChoice';

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

export type { TagSuggestion } from '../../core/gitops/tagChoice';

/**
 * A quick pick of suggested tags that also accepts any valid tag typed in. It opens at once and shows the
 * suggestions when they have loaded; Enter takes what the user typed unless they moved to a suggestion
 * after it was shown (TagChoice decides, whatever the timing of the items).
 */
export async function pickTag(title: string, suggestions: Promise<readonly TagSuggestion[]>, current?: string): Promise<string> {
  const choice = new TagChoice(current);
  const qp = vscode.window.createQuickPick<TagItem>();
  qp.title = title;
  qp.placeholder = 'Loading tags… or type one (e.g. sha-1a2b3c4 or 1.0.5)';
  qp.ignoreFocusOut = true;
  qp.matchOnDescription = true;
  qp.busy = true;
  const subs = [
    qp.onDidChangeValue((v) => {
      qp.items = choice.setValue(v);
    }),
    qp.onDidChangeActive((items) => choice.activeChanged(items[0])),
  ];
  void suggestions.then(
    (list) => {
      qp.items = choice.addSuggestions(list);
      qp.placeholder = list.length ? 'Pick a tag, or type one' : 'Type the image tag (e.g. sha-1a2b3c4 or 1.0.5)';
      qp.busy = false;
    },
    () => {
      qp.placeholder = 'Type the image tag (e.g. sha-1a2b3c4 or 1.0.5)';
      qp.busy = false;
    },
  );
  try {
    return await new Promise<string>((resolve, reject) => {
      subs.push(
        qp.onDidAccept(() => {
          const tag = choice.accept(qp.value, qp.selectedItems[0]);
          if (tag !== undefined) resolve(tag);
        }),
        qp.onDidHide(() => reject(cancelled())),
      );
      qp.show();
    });
  } finally {
    for (const d of subs) d.dispose();
    qp.dispose();
  }
}
