import type * as vscode from 'vscode';
import type { Log } from '../log';
import type { RefreshManager } from '../refreshManager';
import type { Settings } from '../settings';
import type { EnvironmentsModel } from '../views/environments/model';

/** What commands may use. Built once in activate() and passed to every command. */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: Log;
  readonly settings: Settings;
  readonly environments: EnvironmentsModel;
  readonly refresh: RefreshManager;
}

export interface CommandDef {
  /** the command id, as contributed in package.json */
  readonly id: string;
  /** handlers take (node?, nodes?) from menus, nothing from the palette */
  run(services: Services, ...args: unknown[]): unknown;
}
