/**
 * A release of three apps promoted in the real UI, on the three-app sandbox (`npm start`'s: demo-app, api and
 * worker in one GitOps repository whose gitops-pilot.yaml lists them under apps:; dev and staging run 1.1.0,
 * prod 1.0.0), clicked the way a platform engineer would, with a screenshot at every step
 * (out/test-results/e2e-release/):
 *
 *   1. The Environments view shows the matrix: each environment with its apps, prod `3 apps · 3 differ from
 *      staging`; demo-app's own repository still shows its developer's dev, staging and prod.
 *   2. Right-click prod → Promote All…: a multi-select of the three apps, all preselected; the typed
 *      confirmation (prod is protected); ONE commit on the remote with three `Image:` trailers.
 *   3. Sync Argo CD App on each of prod's apps (prod syncs by hand): the tree shows prod with staging's tags,
 *      Synced and Healthy, and kubectl says every rollout completed.
 *
 * Every wait is on state (a tree row, a quick input, a commit on the bare remote, a Deployment), never on
 * time; the status bar is not read (what it says while several rollouts run is another feature's).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Locator } from 'playwright-core';
import { Kubectl, kubectlInstalled } from '../support/kubesim/kubectl';
import { gitOut, sessionStep } from '../support/e2eSteps';
import { repoRoot } from '../support/paths';
import { RELEASE_TAG, THREE_APPS } from '../support/sandbox/apps';
import { INITIAL_TAG } from '../support/sandbox/layout';
import { startSandbox, type Sandbox } from '../support/sandbox/sandbox';
import { startVSCodeServer, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type TreeRow, type Workbench } from '../support/workbench';

/** Pods take about two seconds from scheduling to Ready, as in the loop test. */
const TIMINGS = { scheduleMs: 100, sandboxMs: 150, pullMs: 300, startMs: 200, readyMs: 1200, terminateMs: 300, crashAfterMs: 800, timeFactor: 0.1 };
const RELEASE = RELEASE_TAG.replace(/\./g, '\\.');
/** Screenshots the README shows (copied into media/ when GITOPS_PILOT_UPDATE_SCREENSHOTS=1), as the loop test does. */
const README_SHOTS = new Map<string, string>();

/** The DOM as the page evaluates it (the tests are compiled without the DOM library). */
interface DomEl {
  getAttribute(name: string): string | null;
  querySelector(selector: string): (DomEl & { checked?: boolean }) | null;
  readonly textContent: string | null;
}

const git = gitOut;

describe('e2e: promote a release of three apps in the real UI on the three-app sandbox', { timeout: 20 * 60_000 }, () => {
  let tmp: string;
  let sandbox: Sandbox;
  let server: VSCodeServer;
  let wb: Workbench;
  let before0 = '';
  const bare = (...args: string[]) => git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, ...args);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-e2e-release-'));
    const started = Date.now();
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), apps: 3, speed: 'realistic', timings: TIMINGS, agentPollMs: 300, docker: false });
    assert.ok(sandbox.ecr, `the release needs the registry: ${sandbox.notes.join(' ')}`);
    server = await startVSCodeServer({ workspace: sandbox.layout.workspaceFile, userSettings: sandbox.userSettings, env: sandbox.env });
    // tall enough that both projects' rows (17) are rendered without scrolling
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e-release', timeoutMs: 60_000, viewport: { width: 1400, height: 1200 } });
    console.log(`  three-app sandbox and VS Code up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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
    // a tooltip left from the last click (the activity bar's) closes once the mouse is away; it is cosmetic, so no failure if it lingers
    await wb.page.locator('.workbench-hover-container').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    const file = await wb.screenshot(name);
    if (readme) README_SHOTS.set(readme, file);
  }

  /** An app's row under an environment's row (`api` under `prod`): its accessible label names the environment. */
  const appRow = (env: string, app: string) =>
    wb.view().locator(`.monaco-list-row[aria-label^="Environment ${env},"]`).filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${app}$`) }) }).first();
  /** Right-clicks a row and returns its context menu's items (the menu stays open), as Workbench.openContextMenu does for a label. */
  async function openMenu(row: Locator): Promise<string[]> {
    await row.click({ button: 'right' });
    const menu = wb.page.locator('.monaco-menu').last();
    await menu.locator('.action-menu-item').first().waitFor();
    return (await menu.locator('.action-menu-item .action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }
  const appRowDescription = async (env: string, app: string) => ((await appRow(env, app).count()) ? ((await appRow(env, app).locator('.label-description').textContent()) ?? '').trim() : '(no row)');

  /** demo-app's own project (the app developer's view): dev and staging at the release's tag, prod at the first, all Healthy */
  const ownRowsReady = (rows: readonly TreeRow[]) =>
    ['dev', 'staging', 'prod'].every((env) => rows.some((x) => x.label === env && x.description.includes(env === 'prod' ? INITIAL_TAG : RELEASE_TAG) && /Healthy/.test(x.description)));

  test('1. the matrix: environments with their apps, prod three apps behind staging', { timeout: 240_000 }, step('1', async () => {
    await wb.openView('GitOps Pilot');
    // the first load: two projects, twelve environments and their live state (slower on a loaded machine)
    let rows: TreeRow[] = [];
    await wb.until(
      async () => {
        rows = await wb.treeRows();
        return (
          rows.some((x) => x.label === 'prod' && x.description === '3 apps · 3 differ from staging') &&
          rows.some((x) => x.label === 'staging' && x.description === '3 apps · 0 differ from dev') &&
          rows.filter((x) => THREE_APPS.includes(x.label as (typeof THREE_APPS)[number]) && /Synced.*Healthy/.test(x.description)).length === 9 &&
          // the app developer's view beside it (demo-app's own project) connects to the cluster on its own time
          ownRowsReady(rows)
        );
      },
      () => `prod: 3 apps · 3 differ from staging, and every app row Synced and Healthy; rows: ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`,
      180_000,
    );
    assert.ok(ownRowsReady(rows), `demo-app's own dev, staging and prod: ${JSON.stringify(rows)}`);
    for (const app of THREE_APPS) assert.match(await appRowDescription('prod', app), new RegExp(`${INITIAL_TAG.replace(/\./g, '\\.')}.*Synced.*Healthy`));
    await shot('release-matrix', 'matrix');
  }));

  test('2. right-click prod → Promote All…: three apps preselected, the typed confirmation, ONE commit with three Image: trailers', { timeout: 180_000 }, step('2', async () => {
    before0 = bare('rev-parse', 'main');
    // the environment row of the matrix (demo-app's own prod row is labelled prod too, with a tag)
    const items = await openMenu(await wb.waitForRow('prod', { description: '3 apps · 3 differ from staging' }));
    assert.ok(items.includes('Promote All…'), `context menu of prod: ${JSON.stringify(items)}`);
    await wb.chooseMenuItem('Promote All…');

    // the multi-select: every app that differs, all checked
    await wb.waitForPlaceholder(/3 of 3 apps differ/);
    const picks = await wb.quickInput().locator('.quick-input-list .monaco-list-row').evaluateAll((els: DomEl[]) =>
      els.map((el) => ({
        label: el.querySelector('.label-name')?.textContent?.trim() ?? '',
        // the row's own state, else its checkbox's (an <input> in older workbenches, a custom toggle in newer ones)
        checked: el.getAttribute('aria-checked') ?? el.querySelector('input[type=checkbox]')?.checked?.toString() ?? el.querySelector('.monaco-checkbox, .monaco-custom-toggle')?.getAttribute('aria-checked') ?? 'unknown',
      })),
    );
    assert.deepEqual(picks.map((p) => p.label).sort(), [...THREE_APPS].sort(), JSON.stringify(picks));
    assert.ok(picks.every((p) => p.checked === 'true'), `all preselected: ${JSON.stringify(picks)}`);
    await shot('promote-all-pick', 'promote-all');
    await wb.quickInput().locator('.quick-input-box input').press('Enter');

    // prod is protected: type its name
    await wb.waitForPlaceholder('prod');
    assert.equal(bare('rev-parse', 'main'), before0, 'nothing is committed before the confirmation');
    await shot('promote-all-confirm');
    await wb.answerInput('prod');

    await wb.until(async () => bare('rev-parse', 'main') !== before0, () => 'a commit on the remote', 120_000);
    assert.equal(bare('rev-parse', 'main~1'), before0, 'ONE commit');
    const message = bare('log', '-1', '--format=%B', 'main');
    assert.match(message, /^promote\(prod\): 3 apps from staging/);
    assert.deepEqual(message.match(/^Image: .*$/gm)?.sort(), THREE_APPS.map((a) => `Image: ${sandbox.repositoryOf(a)}:${RELEASE_TAG}`).sort(), message);
    assert.deepEqual(bare('diff', '--name-only', 'main~1', 'main').split('\n').sort(), THREE_APPS.map((a) => `${a}/envs/prod/values.yaml`).sort());
    // the files match staging now; the cluster does not yet (prod syncs by hand): the row adds what its live state says
    await wb.waitForRow('prod', { description: /^3 apps · 0 differ from staging( · .*)?$/ });
    await shot('release-committed');
  }));

  test('3. Sync Argo CD App on each app of prod: prod runs staging\'s tags, Synced and Healthy; every rollout completes', { timeout: 600_000 }, step('3', async () => {
    assert.notEqual(before0, '', 'step 2 committed');
    const runs = (app: string) => sandbox.sim.store.get('deployments', 'prod', app).spec.template.spec.containers[0].image === `${sandbox.repositoryOf(app)}:${RELEASE_TAG}`;
    for (const app of THREE_APPS) {
      // prod syncs by hand: the agent has seen the commit (the product asked it to refresh after the push)
      await wb.until(async () => /OutOfSync/.test(await appRowDescription('prod', app)), async () => `${app} in prod OutOfSync; it shows "${await appRowDescription('prod', app)}"`);
      // A context menu that a live tree's refresh closes loses its click (chooseMenuItem only sees the menu
      // gone). Until the sync reached the cluster (the agent applies it at once), right-click again, as a user would.
      for (let attempt = 1; ; attempt++) {
        const items = await openMenu(appRow('prod', app));
        assert.ok(items.includes('Sync Argo CD App'), `context menu of ${app} in prod: ${JSON.stringify(items)}`);
        await wb.chooseMenuItem('Sync Argo CD App');
        try {
          await wb.until(async () => runs(app), () => `${app} in prod synced to ${RELEASE_TAG}`, 20_000);
          break;
        } catch (err) {
          console.log(`  Sync Argo CD App on ${app} (attempt ${attempt}) did not reach the cluster; notifications: ${JSON.stringify(await wb.notifications().catch(() => []))}`);
          if (attempt === 3) throw err;
        }
      }
      // its rollout done before the next app's menu (fewer refreshes under the next right-click)
      await wb.until(async () => new RegExp(`${RELEASE}.*Synced.*Healthy`).test(await appRowDescription('prod', app)), async () => `${app} in prod at ${RELEASE_TAG}, Synced and Healthy; it shows "${await appRowDescription('prod', app)}"`, 120_000);
    }
    await wb.waitForRow('prod', { description: '3 apps · 0 differ from staging' });
    if (kubectlInstalled()) {
      const kubectl = new Kubectl(sandbox.sim);
      try {
        for (const app of THREE_APPS) await kubectl.ok(['rollout', 'status', `deployment/${app}`, '-n', 'prod', '--timeout=120s'], 130_000);
      } finally {
        kubectl.dispose();
      }
    }
    for (const app of THREE_APPS) {
      assert.equal(sandbox.sim.store.get('deployments', 'prod', app).spec.template.spec.containers[0].image, `${sandbox.repositoryOf(app)}:${RELEASE_TAG}`);
    }
    await shot('release-rolled-out');
  }));
});
