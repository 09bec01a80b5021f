/** What most extension-host suites start with: the Environments view shown, the extension active, its first load done. */
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import { until } from './until';

export async function activateWithEnvironments(): Promise<ExtensionApi> {
  await vscode.commands.executeCommand('gitopsPilot.environments.focus');
  const api = await vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
  await until((f) => api.environments.onDidChange(f), () => api.environments.state.kind === 'loaded', 'the first load');
  return api;
}
