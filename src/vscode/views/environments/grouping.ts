/**
 * How the Environments view groups a project of several apps: env → apps (the default) or app → envs.
 * The choice is kept per workspace (workspaceState) and published as the context key
 * `gitopsPilot.environments.groupBy` (`environment` | `application`), which shows the other toggle
 * in the view's title.
 */
import * as vscode from 'vscode';
import type { Grouping } from '../../../core/apps/matrix';

const KEY = 'gitopsPilot.environments.groupBy';

export class EnvironmentsGrouping implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Grouping>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {
    this.publish();
  }

  get value(): Grouping {
    return this.memento.get<string>(KEY) === 'application' ? 'application' : 'environment';
  }

  async set(g: Grouping): Promise<void> {
    if (g === this.value) return;
    await this.memento.update(KEY, g);
    this.publish();
    this.changed.fire(g);
  }

  private publish(): void {
    void vscode.commands.executeCommand('setContext', KEY, this.value);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
