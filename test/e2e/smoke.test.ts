/**
 * The real VS Code UI with the extension loaded (no test runner inside): open the GitOps Pilot view,
 * see the environments with their tags, right-click staging → Open Values File, and land on the tag's
 * line. Screenshots of every step go to out/test-results/e2e/.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../support/paths';
import { startVSCodeServer, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type Workbench } from '../support/workbench';

describe('e2e smoke: Environments view → Open Values File', { timeout: 120_000 }, () => {
  let tmp: string;
  let server: VSCodeServer;
  let wb: Workbench;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-e2e-'));
    const workspace = join(tmp, 'demo-gitops');
    cpSync(join(repoRoot, 'test/fixtures/workspaces/demo-gitops'), workspace, { recursive: true });
    server = await startVSCodeServer({ workspace });
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e' });
  });

  after(async () => {
    await wb?.closeReportingConsole();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('shows dev, staging and prod with their tags, and opens staging’s values file at the tag', { timeout: 90_000 }, async () => {
    await wb.openView('GitOps Pilot');
    const rows = await wb.waitForRows((r) => r.length >= 3 && r.every((x) => x.description), 'three environments with tags');
    assert.deepEqual(
      rows.map((r) => [r.label, r.description]),
      [
        ['dev', 'demo-app 1.0.5'],
        ['staging', 'demo-app 1.0.4'],
        // protected prod shows its promotion gate (no cluster here: nothing blocks it)
        ['prod', 'demo-app 1.0.3 · ready'],
      ],
    );
    await wb.moveMouseAway();
    await wb.screenshot('environments');

    const items = await wb.openContextMenu('staging');
    assert.ok(items.includes('Open Values File'), `context menu items: ${JSON.stringify(items)}`);
    await wb.screenshot('context-menu');
    await wb.chooseMenuItem('Open Values File');

    const editor = await wb.waitForActiveEditor({ path: /\/envs\/staging\/values\.yaml$/, line: 4 });
    assert.equal(editor.fileName, 'values.yaml');
    assert.equal(editor.selected, '"1.0.4"'.length, 'the tag value is selected');
    const text = await wb.visibleEditorText();
    assert.match(text.split('\n')[3] ?? '', /^\s*tag: "1\.0\.4"/, `line 4 is the tag line:\n${text}`);
    await wb.moveMouseAway();
    await wb.screenshot('values-file-at-tag');

  });

  test('from the command palette, Open Values File asks which environment', { timeout: 60_000 }, async () => {
    await wb.runCommand('GitOps Pilot: Open Values File');
    const items = await wb.quickPickItems();
    assert.deepEqual(items.map((i) => i.label), ['dev', 'staging', 'prod']);
    await wb.screenshot('palette-pick-environment');
    await wb.pickQuickItem('prod', { placeholder: 'Open the file of which environment?' });
    const editor = await wb.waitForActiveEditor({ path: /\/envs\/prod\/values\.yaml$/, line: 4 });
    assert.equal(editor.selected, "'1.0.3'".length);
    const selection = await wb.waitForStatusBarItem({ id: 'status.editor.selection' });
    assert.match(selection.text, /^Ln 4, Col \d+ \(7 selected\)$/);
    await wb.moveMouseAway();
    await wb.screenshot('prod-values-file');
  });

  test('the workbench stayed offline and the extension logged no errors', () => {
    assert.deepEqual(wb.blockedRequests, [], 'the workbench asked for nothing outside the loopback server');
    const ours = wb.consoleErrors.filter((e) => /gitops/i.test(e));
    assert.deepEqual(ours, [], 'no console errors from the extension');
  });
});
