import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { findConfigFile, loadProject } from '../../core/config/project';
import { configTemplate } from '../../core/config/template';
import { cancelled, inputError } from '../../core/errors';
import { requireTrust } from '../deploy/run';
import type { CommandDef } from './types';

/** Creates gitops-pilot.yaml (listing the environments already discovered) or opens the existing one. */
export const createConfig: CommandDef = {
  id: 'gitopsPilot.createConfig',
  async run(s) {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!folders.length) throw inputError('workspace.noFolder', 'Open a folder first', { hint: 'Open your app or GitOps repository, then run this command again' });
    const folder =
      folders.length === 1
        ? folders[0]!
        : await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where should gitops-pilot.yaml go? (the app repository root)' });
    if (!folder) throw cancelled();
    const root = folder.uri.fsPath;
    const existing = await findConfigFile(root);
    if (existing) {
      await vscode.window.showTextDocument(vscode.Uri.file(existing));
      return;
    }
    requireTrust('Create gitops-pilot.yaml');
    const project = await loadProject(root);
    const file = join(root, 'gitops-pilot.yaml');
    // 'wx': never overwrite a config that appeared meanwhile
    await writeFile(file, configTemplate(project, basename(root).toLowerCase().replace(/[^a-z0-9-]+/g, '-')), { flag: 'wx' });
    s.log.info(`created ${file}`);
    void s.refresh.trigger('config created');
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  },
};
