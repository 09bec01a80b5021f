/**
 * The extension in a real extension host, on a copy of test/fixtures/workspaces/demo-gitops
 * (envs/dev|staging|prod/values.yaml, tags 1.0.5 / 1.0.4 / 1.0.3). The workspace copy is ours to change.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { EnvironmentsModel } from '../../../src/core/workspace/environments';
import { note, print } from '../report';

const EXTENSION_ID = 'gitops-pilot.gitops-pilot';

suite('activation', () => {
  let ext: vscode.Extension<ExtensionApi>;
  let api: ExtensionApi;
  let root: string;

  suiteSetup(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the launcher opens the fixture workspace');
    root = folder.uri.fsPath;
    const found = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is loaded (extensionDevelopmentPath)`);
    ext = found;
    // what a user does: open the view; VS Code activates the extension for it (onView). The view being
    // visible also matters: the refresh manager reloads on file changes only while something shows the data.
    await vscode.commands.executeCommand('gitopsPilot.environments.focus');
    api = await ext.activate();
  });

  test('activates on the fixture workspace when its view opens, and exports its API', () => {
    assert.equal(ext.isActive, true);
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.environments, 'the API exposes the environments model');
    note('activationMs', api.activationMs);
    print(`    VS Code ${vscode.version}, extension host ${process.version}, activate() took ${api.activationMs.toFixed(1)} ms`);
  });

  test('every contributed command is registered, and every registered gitopsPilot.* command is contributed', async () => {
    const pkg = JSON.parse(readFileSync(join(ext.extensionPath, 'package.json'), 'utf8')) as {
      contributes: { commands: { command: string }[]; views: Record<string, { id: string }[]> };
    };
    const contributed = pkg.contributes.commands.map((c) => c.command);
    const registered = await vscode.commands.getCommands(true);
    const missing = contributed.filter((c) => !registered.includes(c));
    assert.deepEqual(missing, [], 'contributed but not registered');
    // VS Code itself registers <viewId>.focus, .resetViewLocation, ... for each contributed view
    const viewIds = Object.values(pkg.contributes.views).flat().map((v) => v.id);
    const ours = registered.filter((c) => c.startsWith('gitopsPilot.') && !viewIds.some((v) => c.startsWith(`${v}.`)));
    const extra = ours.filter((c) => !contributed.includes(c));
    assert.deepEqual(extra, [], 'registered but not contributed in package.json');
  });

  test('lists dev, staging, prod with their tags, in promotion order', async () => {
    await waitForModel(api.environments, (m) => m.state.kind === 'loaded', 'the first load');
    assert.deepEqual(tags(api.environments), [
      ['dev', '1.0.5'],
      ['staging', '1.0.4'],
      ['prod', '1.0.3'],
    ]);
  });

  test('a values file changed on disk refreshes the model', async () => {
    const file = join(root, 'envs/staging/values.yaml');
    const before = readFileSync(file, 'utf8');
    const changed = waitForModel(api.environments, (m) => tagOf(m, 'staging') === '1.0.9', 'staging to show 1.0.9', 10_000);
    writeFileSync(file, before.replace('"1.0.4"', '"1.0.9"'));
    const t0 = Date.now();
    await changed;
    note('fileChangeToModelMs', Date.now() - t0);
    assert.deepEqual(tags(api.environments), [
      ['dev', '1.0.5'],
      ['staging', '1.0.9'],
      ['prod', '1.0.3'],
    ]);
  });

  test('a broken values file shows as an error with its location, and recovers when fixed', async () => {
    const file = join(root, 'envs/prod/values.yaml');
    const good = readFileSync(file, 'utf8');
    try {
      const broken = waitForModel(api.environments, (m) => m.find('prod')?.file.ok === false, 'prod to show an error', 10_000);
      writeFileSync(file, good.replace("tag: '1.0.3'", 'tag: [1.0.3'));
      await broken;
      const prod = api.environments.find('prod')!;
      assert.equal(prod.file.ok, false);
      if (prod.file.ok) return;
      const loc = prod.file.error.location;
      assert.ok(loc, `the error has a location: ${prod.file.error.message}`);
      assert.equal(loc.file, file);
      assert.ok(loc.line >= 4 && loc.col >= 1, `location ${loc.line}:${loc.col} points into the file`);
      print(`    error shown: ${prod.file.error.toUserString()}`);
      // the other environments are still listed
      assert.equal(tagOf(api.environments, 'dev'), '1.0.5');
    } finally {
      const fixed = waitForModel(api.environments, (m) => tagOf(m, 'prod') === '1.0.3', 'prod to recover', 10_000);
      writeFileSync(file, good);
      await fixed;
    }
  });

  test('Open Values File opens the environment file with the cursor on the tag line', async () => {
    const staging = api.environments.find('staging');
    assert.ok(staging);
    const tag = tagOf(api.environments, 'staging');
    await vscode.commands.executeCommand('gitopsPilot.openValuesFile', staging);
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.equal(editor.document.uri.fsPath, join(root, 'envs/staging/values.yaml'));
    assert.equal(editor.selection.active.line, 3, 'line 4 (0-based 3) holds the tag');
    assert.equal(editor.document.getText(editor.selection), `"${tag}"`, 'the tag value is selected, so typing replaces it');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Open Values File takes an environment id too', async () => {
    await vscode.commands.executeCommand('gitopsPilot.openValuesFile', 'prod');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, join(root, 'envs/prod/values.yaml'));
    assert.equal(editor?.selection.active.line, 3);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

function tagOf(model: EnvironmentsModel, id: string): string | undefined {
  const e = model.find(id);
  return e?.file.ok ? e.file.declared.tag : undefined;
}

function tags(model: EnvironmentsModel): [string, string | undefined][] {
  return model.environments.map((e) => [e.env.name, e.file.ok ? e.file.declared.tag : `error: ${e.file.error.message}`]);
}

/** Resolves when `check` holds, re-checking on every `onDidChange` (no polling); rejects after `timeoutMs`. */
function waitForModel(model: EnvironmentsModel, check: (m: EnvironmentsModel) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (check(model)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; model is ${model.state.kind}: ${JSON.stringify(tags(model))}`));
    }, timeoutMs);
    const sub = model.onDidChange(() => {
      if (!check(model)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}
