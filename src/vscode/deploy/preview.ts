import * as vscode from 'vscode';
import { DisposableOwner } from '../../core/util/lifecycle';

export const PREVIEW_SCHEME = 'gitops-pilot-preview';

/**
 * Read-only documents holding "the file after the change", shown on the right of VS Code's diff editor
 * against the real file on the left. Nothing is written until the user confirms.
 */
export class PreviewDocuments extends DisposableOwner implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private counter = 0;

  constructor() {
    super();
    this.register(vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Opens a read-only document (a release's plan: what several files will say). */
  async showText(name: string, text: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${++this.counter}/${name}` });
    this.texts.set(uri.toString(), text);
    if (this.texts.size > 20) this.texts.delete(this.texts.keys().next().value!);
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri;
  }

  /** Opens the diff of `file` (left) against `after` (right). */
  async showDiff(file: string, after: string, title: string): Promise<vscode.Uri> {
    const name = file.split(/[\\/]/).pop() ?? 'file';
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${++this.counter}/${name}` });
    this.texts.set(uri.toString(), after);
    // keep a handful: old previews are closed or replaced quickly
    if (this.texts.size > 20) this.texts.delete(this.texts.keys().next().value!);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(file), uri, title, { preview: true });
    return uri;
  }
}
