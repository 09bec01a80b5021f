/**
 * Promotion to prod through a pull request, in the real UI on the sandbox with its GitHub emulator (prod has
 * `pushMode: pull-request`; the token comes from the sandbox's environment, GH_HOST / GH_ENTERPRISE_TOKEN),
 * clicked the way a user would, with a screenshot at every step (out/test-results/e2e-pull-request/):
 *
 *   1. staging gets 1.0.1 (Set Image Tag…), rolled out.
 *   2. Right-click staging → Promote to production, type "prod": the pull request opens (the emulator has it,
 *      from gitops-pilot/prod; main is untouched) and the notification links it.
 *   3. The prod row shows `PR #1 · 1/1 checks ✓` (the sandbox's CI passed) and offers Merge.
 *   4. Merge from the tree, type "prod": the bare remote's main has the promotion.
 *   5. Sync the Argo CD app (prod syncs by hand in the sandbox): the status bar and the tree follow prod's
 *      rollout to 1.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gitOut as git, sessionStep } from '../support/e2eSteps';
import { repoRoot } from '../support/paths';
import { pushSyntheticImage, RegistryClient } from '../support/registryClient';
import { SANDBOX_REPOSITORY } from '../support/sandbox/github';
import { APP } from '../support/sandbox/layout';
import { startSandbox, type Sandbox } from '../support/sandbox/sandbox';
import { startVSCodeServer, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type Workbench } from '../support/workbench';

const TIMINGS = { scheduleMs: 100, sandboxMs: 150, pullMs: 300, startMs: 200, readyMs: 1200, terminateMs: 300, crashAfterMs: 800, timeFactor: 0.1 };
const NEXT = '1.0.1';

describe('e2e: promote to prod through a pull request, merge it from the tree, follow the rollout', { timeout: 10 * 60_000 }, () => {
  let tmp: string;
  let sandbox: Sandbox;
  let server: VSCodeServer;
  let wb: Workbench;
  const bare = () => sandbox.layout.gitopsBare;
  const remoteTag = (env: string, ref = 'main') => /^\s*tag:\s*"?([^"\s]+)"?/m.exec(git(bare(), 'show', `${ref}:envs/${env}/values.yaml`))?.[1];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-e2e-pr-'));
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), speed: 'realistic', timings: TIMINGS, agentPollMs: 300, docker: false, pullRequests: true });
    assert.ok(sandbox.ecr && sandbox.github, `the registry and the GitHub emulator: ${sandbox.notes.join(' ')}`);
    // the image staging moves to (made without Docker), so the registry guard finds it and pods can pull it
    const registry = new RegistryClient({ url: sandbox.ecr.registry.url, username: sandbox.ecr.registry.username, password: sandbox.ecr.registry.password });
    await pushSyntheticImage(registry, APP, [NEXT], { seed: `${APP}-${NEXT}` });
    server = await startVSCodeServer({ workspace: sandbox.layout.workspaceFile, userSettings: sandbox.userSettings, env: sandbox.env });
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e-pull-request', timeoutMs: 60_000 });
  });

  after(async () => {
    await wb?.closeReportingConsole();
    await server?.stop();
    await sandbox?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** A step of the session: on failure, a screenshot of what the user would have seen, and the notifications. */
  const step = (name: string, fn: () => Promise<void>) => sessionStep(() => wb, name, fn, () => server);

  async function shot(name: string): Promise<void> {
    await wb.moveMouseAway();
    await wb.screenshot(name);
  }

  test('1. staging gets 1.0.1 and rolls out', { timeout: 180_000 }, step('1', async () => {
    await wb.openView('GitOps Pilot');
    await wb.waitForRows((r) => ['dev', 'staging', 'prod'].every((env) => r.some((x) => x.label === env && /1\.0\.0.*Synced.*Healthy/.test(x.description ?? ''))), 'the environments at 1.0.0, Healthy');
    await wb.contextMenu('staging', 'Set Image Tag…');
    await wb.answerInput(NEXT);
    await wb.waitForDialog(/Deploy 1\.0\.1 to staging\?/);
    await wb.clickDialogButton('Deploy');
    await wb.until(async () => remoteTag('staging') === NEXT, () => `staging on the remote at ${NEXT}`);
    await wb.waitForStatusBarItem({ text: /staging 1\.0\.1/ });
    await wb.waitForRow('staging', { description: /1\.0\.1.*Healthy/ });
    await shot('staging-at-1.0.1');
  }));

  test('2. Promote to production opens the pull request; main is untouched', { timeout: 180_000 }, step('2', async () => {
    const mainBefore = git(bare(), 'rev-parse', 'main');
    await wb.contextMenu('staging', 'Promote to production');
    await wb.waitForPlaceholder('prod');
    await wb.answerInput('prod', { placeholder: 'prod' });
    // the work's end is state (the pull request in the GitHub emulator); then the user is told, in a toast
    // that hides itself after a while, so read the Notification Center if it already went
    const github = sandbox.github!.emulator;
    await wb.until(async () => github.pulls.length > 0, () => 'the pull request in the GitHub emulator', 120_000);
    const note = await wb.waitForShownNotification(/Opened PR #1 · .*for prod/, Number(process.env.E2E_TOAST_MS ?? 10_000));
    assert.match(note, /promote\(prod\): demo-app 1\.0\.0 -> 1\.0\.1/);
    await shot('pull-request-opened');
    const pulls = github.pulls;
    assert.equal(pulls.length, 1);
    assert.deepEqual([pulls[0]!.head, pulls[0]!.base, pulls[0]!.state, pulls[0]!.title], ['gitops-pilot/prod', 'main', 'open', 'promote(prod): demo-app 1.0.0 -> 1.0.1']);
    assert.equal(remoteTag('prod', 'gitops-pilot/prod'), NEXT, 'the promotion branch has it');
    assert.equal(git(bare(), 'rev-parse', 'main'), mainBefore, 'nothing went to main');
    assert.equal(remoteTag('prod'), '1.0.0');
    // as a reviewer sees it through the REST API
    const res = await fetch(`${sandbox.github!.emulator.api}/repos/${SANDBOX_REPOSITORY}/pulls/1`, { headers: { authorization: `token ${sandbox.env.GH_ENTERPRISE_TOKEN}` } });
    const pr = (await res.json()) as { head: { sha: string }; body: string };
    assert.equal(pr.head.sha, git(bare(), 'rev-parse', 'gitops-pilot/prod'));
    assert.match(pr.body, /^\+ {2}tag: "1\.0\.1"$/m);
  }));

  test('3. the prod row shows the pull request with its passing check', { timeout: 60_000 }, step('3', async () => {
    // the pull request shows at once; its check arrives from CI a moment later: Refresh reads it (as the interval would)
    await wb.waitForRow('prod', { description: /PR #1/ });
    await wb.runCommand('GitOps Pilot: Refresh Environments');
    await wb.waitForRow('prod', { description: /PR #1 · 1\/1 checks ✓/ });
    const items = await wb.openContextMenu('prod');
    assert.ok(items.includes('Merge Pull Request…') && items.includes('Open Pull Request in Browser'), `context menu of prod: ${JSON.stringify(items)}`);
    await shot('pull-request-in-tree');
    await wb.chooseMenuItem('Merge Pull Request…');
    await wb.waitForPlaceholder('prod');
    await shot('merge-confirm');
    await wb.answerInput('prod', { placeholder: 'prod' });
  }));

  test('4. merged: the bare remote main has the promotion', { timeout: 60_000 }, step('4', async () => {
    await wb.waitForNotification(/Merged PR #1 into main/);
    await wb.until(async () => remoteTag('prod') === NEXT, () => `prod on the remote main at ${NEXT}; it is ${remoteTag('prod')}`);
    assert.equal(sandbox.github!.emulator.pulls[0]!.state, 'closed');
    assert.equal(git(bare(), 'log', '-1', '--format=%P', 'main').split(' ').length, 2, 'a merge commit');
    // the clone caught up: the prod row no longer shows an open pull request
    await wb.waitForRows((r) => r.some((x) => x.label === 'prod' && !/PR #1/.test(x.description ?? '')), 'prod without an open pull request');
    await shot('pull-request-merged');
  }));

  test('5. Sync the Argo CD app: the status bar and the tree follow prod to 1.0.1', { timeout: 180_000 }, step('5', async () => {
    await wb.contextMenu('prod', 'Sync Argo CD App');
    await wb.waitForStatusBarItem({ text: /prod 1\.0\.1/ });
    await wb.waitForRow('prod', { description: /1\.0\.1.*Synced.*Healthy/ });
    await shot('prod-rolled-out');
  }));
});
