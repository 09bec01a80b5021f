/**
 * The whole loop in the real UI, on the sandbox (`npm start`'s registry + ECR API, Docker engine, GitOps
 * repository, Kubernetes simulator and Argo-CD-like agent), clicked the way a user would, with a
 * screenshot at every step (out/test-results/e2e-loop/; the README's screenshots come from here):
 *
 *   1. GitOps Pilot lists dev, staging and prod with their tags, Synced and Healthy.
 *   2. Ship: build → push → deploy to dev (diff + confirmation); the status bar follows the rollout from
 *      progressing to done; dev shows the new tag; the Images view lists it.
 *   3. Right-click dev → Promote to staging: same tag on staging, the commit is on the remote, the
 *      rollout completes.
 *   4. A tag that was never pushed, deployed to dev past the registry guard: the rollout fails with
 *      ImagePullBackOff in the status bar and the tree; Roll Back restores the tag and the rollout recovers.
 *   5. Promote to production asks for the typed confirmation; cancelling changes nothing.
 *
 * Steps depend on each other, as a user's session does.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gitOut, sessionStep } from '../support/e2eSteps';
import { repoRoot } from '../support/paths';
import { startSandbox, type Sandbox } from '../support/sandbox/sandbox';
import { startVSCodeServer, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type Workbench } from '../support/workbench';

/** Pods take about two seconds from scheduling to Ready: slow enough to see a rollout progress, fast enough for CI. */
const TIMINGS = { scheduleMs: 100, sandboxMs: 150, pullMs: 300, startMs: 200, readyMs: 1200, terminateMs: 300, crashAfterMs: 800, timeFactor: 0.1 };

/** Screenshots the README shows (copied into media/ when GITOPS_PILOT_UPDATE_SCREENSHOTS=1). */
const README_SHOTS = new Map<string, string>();

const git = gitOut;

describe('e2e: build, push, deploy, promote, fail, roll back — in the real UI on the sandbox', { timeout: 15 * 60_000 }, () => {
  let tmp: string;
  let sandbox: Sandbox;
  let server: VSCodeServer;
  let wb: Workbench;
  let shipped = '';
  const bare = () => sandbox.layout.gitopsBare;
  const remoteFile = (env: string) => git(bare(), 'show', `main:envs/${env}/values.yaml`);
  const remoteTag = (env: string) => /^\s*tag:\s*"?([^"\s]+)"?/m.exec(remoteFile(env))?.[1];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-e2e-loop-'));
    const started = Date.now();
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), speed: 'realistic', timings: TIMINGS, agentPollMs: 300, pullRequests: true });
    assert.ok(sandbox.ecr && sandbox.docker, `the loop needs the registry and Docker: ${sandbox.notes.join(' ')}`);
    server = await startVSCodeServer({ workspace: sandbox.layout.workspaceFile, userSettings: sandbox.userSettings, env: sandbox.env });
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e-loop', timeoutMs: 60_000 });
    console.log(`  sandbox and VS Code up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await wb?.closeReportingConsole();
    await server?.stop();
    await sandbox?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (process.env.GITOPS_PILOT_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(repoRoot, 'media/screenshots'), { recursive: true });
      for (const [name, file] of README_SHOTS) copyFileSync(file, join(repoRoot, 'media/screenshots', `${name}.png`));
    }
  });

  /** A step of the session: on failure, a screenshot of what the user would have seen, and the notifications. */
  const step = (name: string, fn: () => Promise<void>) => sessionStep(() => wb, name, fn, () => server);

  async function shot(name: string, readme?: string): Promise<void> {
    await wb.moveMouseAway();
    const file = await wb.screenshot(name);
    if (readme) README_SHOTS.set(readme, file);
  }

  test('1. the environments are listed with their tags, Synced and Healthy', { timeout: 120_000 }, step('1', async () => {
    await wb.openView('GitOps Pilot');
    const rows = await wb.waitForRows(
      (r) => ['dev', 'staging', 'prod'].every((env) => r.some((x) => x.label === env && /1\.0\.0.*Synced.*Healthy/.test(x.description ?? ''))),
      'dev, staging and prod at 1.0.0, Synced and Healthy',
    );
    assert.deepEqual(rows.filter((r) => ['dev', 'staging', 'prod'].includes(r.label)).map((r) => r.label), ['dev', 'staging', 'prod']);
    await shot('environments-healthy');
  }));

  test('2. Ship builds, pushes and deploys to dev; the status bar follows the rollout to done', { timeout: 300_000 }, step('2', async () => {
    const appHead = git(sandbox.layout.appRepo, 'rev-parse', '--short=7', 'HEAD');
    await wb.runCommand('GitOps Pilot: Ship (Build, Push, Deploy)');
    // build and push run in a notification; then the diff of dev's values file and the confirmation
    const dialog = await wb.waitForDialog(/Deploy .* to dev\?/);
    shipped = /Deploy (\S+) to dev/.exec(dialog.message)![1]!;
    assert.match(shipped, new RegExp(`^${appHead}`), `the sha tag policy tags the app's HEAD ${appHead}`);
    await shot('ship-confirm-diff');
    await wb.clickDialogButton('Deploy');
    // Argo CD (the agent) syncs, the pods roll: progressing with counts, then done
    await wb.waitForStatusBarItem({ text: /dev \d+\/\d+/ });
    await shot('rollout-progressing', 'rollout');
    await wb.waitForStatusBarItem({ text: new RegExp(`dev ${shipped}`) });
    await shot('rollout-done');
    assert.equal(remoteTag('dev'), shipped, 'the deployment commit is on the remote');
    await wb.waitForRow('dev', { description: new RegExp(`${shipped}.*Healthy`) });
    // the Images view lists the pushed tag
    await wb.openView('GitOps Pilot');
    await wb.waitForRow(/demo-app/, { view: 'Images' });
    if (!(await wb.treeRows('Images')).some((r) => r.label === shipped)) await wb.row(/demo-app/, { view: 'Images' }).click();
    await wb.waitForRow(shipped, { view: 'Images' });
    await shot('images-view');
  }));

  test('3. right-click dev → Promote to staging: the same tag lands on the remote and rolls out', { timeout: 180_000 }, step('3', async () => {
    assert.ok(shipped, 'step 2 shipped a tag');
    const before = git(bare(), 'rev-parse', 'main');
    const items = await wb.openContextMenu('dev');
    assert.ok(items.includes('Promote to staging'), `context menu of dev: ${JSON.stringify(items)}`);
    assert.ok(!items.includes('Promote to production'), 'dev does not promote to production');
    await shot('context-menu-promote');
    await wb.chooseMenuItem('Promote to staging');
    await wb.waitForDialog(new RegExp(`Promote ${shipped} from dev to staging\\?`));
    await wb.clickDialogButton('Promote');
    await wb.until(async () => remoteTag('staging') === shipped, () => `staging on the remote at ${shipped}; it is ${remoteTag('staging')}`);
    assert.equal(git(bare(), 'rev-parse', 'main~1'), before, 'one new commit');
    assert.match(git(bare(), 'log', '-1', '--format=%s', 'main'), new RegExp(`^promote\\(staging\\): demo-app 1\\.0\\.0 -> ${shipped}`));
    await wb.waitForStatusBarItem({ text: new RegExp(`staging ${shipped}`) });
    await wb.waitForRow('staging', { description: new RegExp(`${shipped}.*Healthy`) });
    await shot('promoted-to-staging');
  }));

  test('4. a tag that was never pushed fails with ImagePullBackOff; Roll Back recovers', { timeout: 240_000 }, step('4', async () => {
    await wb.contextMenu('dev', 'Set Image Tag…');
    await wb.answerInput('9.9.9-never-pushed');
    const guard = await wb.waitForDialog(/is not in the registry.*Deploy it to dev anyway\?/);
    assert.match(guard.detail, /ImagePullBackOff/);
    await wb.clickDialogButton('Deploy Anyway');
    await wb.waitForDialog(/Deploy 9\.9\.9-never-pushed to dev\?/);
    await wb.clickDialogButton('Deploy');
    await wb.waitForStatusBarItem({ text: /dev .*(ImagePullBackOff|ErrImagePull)/ });
    await wb.waitForRow('dev', { description: /ImagePullBackOff|ErrImagePull/ });
    // the tree says why: the pod's reason and the event's message
    await wb.row('dev').click();
    await wb.waitForRow('Events', {});
    await wb.row('Events').click();
    const pullEvent = (x: { label: string; description: string }) => /^(Failed|BackOff)$/.test(x.label) && /pull.*9\.9\.9-never-pushed/i.test(x.description ?? '');
    const rows = await wb.waitForRows((r) => r.some(pullEvent), 'a warning event about pulling 9.9.9-never-pushed');
    assert.ok(rows.some((x) => /ImagePullBackOff|ErrImagePull/.test(x.description ?? '') && x.label.startsWith('demo-app-')), 'the pod row says ImagePullBackOff');
    await shot('rollout-failed', 'failed');
    await wb.row('dev').click(); // collapse again

    await wb.contextMenu('dev', 'Roll Back…');
    await wb.pickQuickItem(new RegExp(`${shipped}`));
    await wb.waitForDialog(new RegExp(`Roll back dev to ${shipped}\\?`));
    await wb.clickDialogButton('Roll Back');
    await wb.until(async () => remoteTag('dev') === shipped, () => `dev on the remote back at ${shipped}; it is ${remoteTag('dev')}`);
    await wb.waitForStatusBarItem({ text: new RegExp(`dev ${shipped}`) });
    await wb.waitForRow('dev', { description: new RegExp(`${shipped}.*Healthy`) });
    await shot('rolled-back');
  }));

  test('5. Promote to production asks for the typed confirmation; cancelling changes nothing', { timeout: 120_000 }, step('5', async () => {
    const before = git(bare(), 'rev-parse', 'main');
    const prodFile = readFileSync(join(sandbox.layout.gitopsClone, 'envs/prod/values.yaml'), 'utf8');
    await wb.contextMenu('staging', 'Promote to production');
    await wb.waitForPlaceholder('prod');
    await shot('promote-production-confirm', 'production-gate');
    assert.match(await wb.inputMessage(), /prod/);
    await wb.closeQuickInput();
    // nothing moved: no commit, the file as it was, no new rollout
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(git(bare(), 'rev-parse', 'main'), before);
    assert.equal(readFileSync(join(sandbox.layout.gitopsClone, 'envs/prod/values.yaml'), 'utf8'), prodFile);
    assert.equal(remoteTag('prod'), '1.0.0');
    await shot('production-unchanged');
  }));
});
