import * as vscode from 'vscode';
import { isCancelled, PilotError, toPilotError } from '../../core/errors';
import type { CommandDef, Services } from './types';

/**
 * Registers every command with one error policy: a cancellation is silent; a PilotError shows its
 * message and next step (with "Show Log"); anything else is logged with its stack and shown briefly.
 */
export function registerCommands(services: Services, defs: readonly CommandDef[]): vscode.Disposable[] {
  return defs.map((def) =>
    vscode.commands.registerCommand(def.id, async (...args: unknown[]) => {
      try {
        return await def.run(services, ...args);
      } catch (err) {
        reportError(services, def.id, err);
        return undefined;
      }
    }),
  );
}

export function reportError(services: Pick<Services, 'log'>, what: string, err: unknown): void {
  if (isCancelled(err)) {
    services.log.debug(`${what}: cancelled`);
    return;
  }
  const e = err instanceof PilotError ? err : toPilotError(err);
  services.log.error(`${what}: ${e.toUserString()}`, e.detail ?? (e.cause instanceof Error ? e.cause : ''));
  const show = e.kind === 'input' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  void show(e.toUserString(), 'Show Log').then((choice) => {
    if (choice === 'Show Log') services.log.show();
  });
}
