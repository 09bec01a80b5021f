/**
 * The loop once on the Flux sandbox (`npm start -- --flux`: a GitRepository on the bare GitOps repository
 * and a HelmRelease per environment, reconciled by the simulator's Flux controllers), in the real UI with
 * a screenshot at every step (out/test-results/e2e-flux/):
 *
 *   1. Each environment shows its Flux row: the HelmRelease Ready, applied at the chart version that
 *      carries the GitOps repository's commit.
 *   2. Set Image Tag… on dev with a tag that is in the registry: the status bar waits for Flux to bring it
 *      (`dev → TAG`), then follows the rollout (`dev n/2`) to done; the Flux row then shows the pushed
 *      commit as applied, and the source GitRepository handled the reconcile request made after the push.
 *   3. Suspend: the row says Suspended and offers Resume instead of Reconcile; Reconcile from the palette
 *      is refused with what to do next.
 *   4. Resume, then Reconcile now: Flux handles both requests (source first) and the row is Ready again.
 *
 * Steps depend on each other, as a user's session does. The tag is pushed to the registry beforehand
 * (no Docker build: Ship is the Argo CD loop's test), so the whole session takes well under a minute.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REQUESTED_AT } from '../support/kubesim/controllers/flux';
import { sessionStep } from '../support/e2eSteps';
import { repoRoot } from '../support/paths';
import { RegistryClient, pushSyntheticImage } from '../support/registryClient';
import { APP, FLUX_SOURCE, fluxRelease, git } from '../support/sandbox/layout';
import { startSandbox, type Sandbox } from '../support/sandbox/sandbox';
import { startVSCodeServer, type VSCodeServer } from '../support/vscodeServer';
import { openWorkbench, type TreeRow, type Workbench } from '../support/workbench';

/** Pods ready in about a second and Flux's intervals at a tenth (the GitRepository's 1m is 6 s): the push's reconcile request, not the interval, must bring the commit. */
const TIMINGS = { scheduleMs: 100, sandboxMs: 150, pullMs: 300, startMs: 200, readyMs: 1000, terminateMs: 300, crashAfterMs: 800, timeFactor: 0.1 };
const TAG = '1.0.1';

/** What the status bar's items showed, in order, recorded in the page as they change (no sampling gaps). */
const RECORD_STATUS_BAR = `(() => {
  const seen = (window.__gitopsPilotStatus = window.__gitopsPilotStatus || []);
  const read = () => {
    for (const el of document.querySelectorAll('.part.statusbar .statusbar-item')) {
      const t = (el.textContent || '').trim();
      if (t && seen[seen.length - 1] !== t && !seen.includes(t)) seen.push(t);
    }
  };
  new MutationObserver(read).observe(document.querySelector('.part.statusbar'), { subtree: true, childList: true, characterData: true });
  read();
})()`;

describe('e2e: the loop on the Flux sandbox — push, Flux applies the commit, the rollout, Suspend / Reconcile / Resume', { timeout: 10 * 60_000 }, () => {
  let tmp: string;
  let sandbox: Sandbox;
  let server: VSCodeServer;
  let wb: Workbench;
  let initial = '';
  let pushed = '';
  const head = () => git(sandbox.layout.root, '--git-dir', sandbox.layout.gitopsBare, 'rev-parse', 'refs/heads/main');
  const release = (env: string) => sandbox.sim.store.get('helmreleases', 'flux-system', fluxRelease(env));
  const source = () => sandbox.sim.store.get('gitrepositories', 'flux-system', FLUX_SOURCE);
  /** the Flux row of an environment (each names its HelmRelease first) */
  const fluxRow = (env: string) => (r: TreeRow) => r.label === 'Flux' && r.description.startsWith(`${fluxRelease(env)} ·`);

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gitops-pilot-e2e-flux-'));
    const started = Date.now();
    sandbox = await startSandbox({ dir: join(tmp, 'sandbox'), speed: 'realistic', timings: TIMINGS, docker: false, engine: 'flux' });
    const ecr = sandbox.ecr;
    assert.ok(ecr, `the loop needs the registry: ${sandbox.notes.join(' ')}`);
    // the tag to deploy is in the registry, as a pipeline would have pushed it
    await pushSyntheticImage(new RegistryClient({ url: ecr.registry.url, username: ecr.registry.username, password: ecr.registry.password }), APP, [TAG], { seed: `${APP}-${TAG}` });
    initial = head();
    server = await startVSCodeServer({ workspace: sandbox.layout.workspaceFile, userSettings: sandbox.userSettings, env: sandbox.env });
    wb = await openWorkbench(server.url({ extensionDevelopmentPath: repoRoot }), { suite: 'e2e-flux', timeoutMs: 30_000 });
    console.log(`  Flux sandbox and VS Code up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
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

  /** Expands an environment (its children load from the cluster) unless it is expanded. */
  async function expand(env: string): Promise<void> {
    const row = (await wb.treeRows()).find((r) => r.label === env && r.level === 1);
    if (row?.expanded !== true) await wb.row(env).click();
    await wb.waitForRows((r) => r.some((x) => x.label === env && x.expanded === true), `${env} expanded`);
  }

  async function collapse(env: string): Promise<void> {
    const row = (await wb.treeRows()).find((r) => r.label === env && r.level === 1);
    if (row?.expanded === true) await wb.row(env).click();
    await wb.waitForRows((r) => r.some((x) => x.label === env && x.expanded === false), `${env} collapsed`);
  }

  /**
   * After a Flux row's menu item was clicked: waits until `done()`. The live tree may replace the row between
   * the menu opening and the click; VS Code then runs the command without its row and the command asks which
   * environment, as from the palette: the user answers dev.
   */
  async function afterRowAction(what: string, done: () => boolean): Promise<void> {
    const asked = wb.quickInput().locator('.quick-input-box input[placeholder$="which environment?"]');
    await wb.until(async () => done() || (await asked.isVisible()), () => what);
    if (!done()) {
      await wb.pickQuickItem('dev');
      await wb.until(async () => done(), () => what);
    }
  }

  /** Drags the side bar's edge so the Flux rows' descriptions fit in the screenshots. */
  async function widenSideBar(by: number): Promise<void> {
    const sideBar = wb.page.locator('.part.sidebar');
    const box = (await sideBar.boundingBox())!;
    const y = box.y + box.height / 2;
    await wb.page.mouse.move(box.x + box.width, y);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + box.width + by, y, { steps: 5 });
    await wb.page.mouse.up();
    await wb.until(async () => ((await sideBar.boundingBox())?.width ?? 0) > box.width + by / 2, () => `the side bar wider than ${box.width} px`);
  }

  test('1. every environment shows its HelmRelease Ready, applied at the GitOps repository\'s commit', { timeout: 120_000 }, step('1', async () => {
    await wb.openView('GitOps Pilot');
    await widenSideBar(260);
    await wb.waitForRows(
      (r) => ['dev', 'staging', 'prod'].every((env) => r.some((x) => x.label === env && /^demo-app 1\.0\.0 · Flux Ready · Healthy( · .*)?$/.test(x.description))),
      'dev, staging and prod at 1.0.0, Flux Ready, Healthy',
    );
    const applied = `applied 0.1.0+${initial.slice(0, 12)}`;
    for (const env of ['prod', 'staging', 'dev']) {
      await expand(env);
      const rows = await wb.waitForRows((r) => r.some((x) => fluxRow(env)(x) && x.description === `${fluxRelease(env)} · Ready · ${applied}`), `the Flux row of ${env}: Ready, ${applied}`);
      assert.equal(rows.filter((x) => x.label === 'Flux').length, 1, 'one environment expanded at a time');
      if (env === 'dev') await shot('flux-rows-ready');
      else await collapse(env);
    }
  }));

  test(`2. Set Image Tag ${TAG} on dev: the status bar waits for Flux to apply the pushed commit, then follows the rollout to done`, { timeout: 120_000 }, step('2', async () => {
    const t0 = Date.now();
    await wb.page.evaluate(RECORD_STATUS_BAR);
    const handledBefore = source().status?.lastHandledReconcileAt;
    await wb.contextMenu('dev', 'Set Image Tag…');
    await wb.answerInput(TAG);
    await wb.waitForDialog(new RegExp(`Deploy ${TAG.replace(/\./g, '\\.')} to dev\\?`));
    await wb.clickDialogButton('Deploy');
    await wb.waitForStatusBarItem({ text: new RegExp(`dev ${TAG.replace(/\./g, '\\.')}$`) });
    pushed = head();
    assert.notEqual(pushed, initial, 'the deployment commit is on the remote');
    const seen = (await wb.page.evaluate('window.__gitopsPilotStatus')) as string[];
    const dev = seen.filter((t) => /^dev\b/.test(t));
    const waiting = dev.indexOf(`dev → ${TAG}`);
    const progressing = dev.findIndex((t) => /^dev \d\/2$/.test(t));
    const done = dev.indexOf(`dev ${TAG}`);
    assert.ok(waiting >= 0 && progressing > waiting && done > progressing, `waiting for Flux, then the rollout's counts, then done; the status bar showed ${JSON.stringify(dev)}`);
    await shot('rollout-done');
    await wb.runCommand('View: Close All Editors');
    // the reconcile request after the push brought the commit (the source's own interval is 6 s here)
    const src = source();
    assert.notEqual(src.status.lastHandledReconcileAt, handledBefore, 'the GitRepository handled a reconcile request made after the push');
    assert.equal(src.status.artifact.revision, `main@sha1:${pushed}`);
    const hr = release('dev');
    assert.equal(hr.status.history[0].chartVersion, `0.1.0+${pushed.slice(0, 12)}`);
    assert.equal(sandbox.sim.store.get('deployments', 'dev', APP).spec.template.spec.containers[0].image, `${sandbox.repository}:${TAG}`);
    // the tree: dev at the new tag, and its Flux row at the pushed commit
    await wb.waitForRow('dev', { description: new RegExp(`^demo-app ${TAG.replace(/\./g, '\\.')} · Flux Ready · Healthy$`) });
    await wb.waitForRows((r) => r.some((x) => fluxRow('dev')(x) && x.description === `${fluxRelease('dev')} · Ready · applied 0.1.0+${pushed.slice(0, 12)}`), 'the Flux row of dev at the pushed commit');
    await shot('flux-applied-pushed-commit');
    console.log(`  push → Flux → rollout done in ${((Date.now() - t0) / 1000).toFixed(1)} s; status bar: ${JSON.stringify(dev)}`);
  }));

  test('3. Suspend: the row says Suspended and offers Resume; Reconcile now is refused with the next step', { timeout: 90_000 }, step('3', async () => {
    const items = await wb.openContextMenu(/^Flux$/);
    assert.ok(items.includes('Reconcile with Flux Now') && items.includes('Suspend Flux Reconciliation'), `Flux row menu while active: ${JSON.stringify(items)}`);
    assert.ok(!items.includes('Resume Flux Reconciliation'));
    await wb.chooseMenuItem('Suspend Flux Reconciliation');
    await afterRowAction('spec.suspend set on the HelmRelease', () => release('dev').spec.suspend === true);
    await wb.waitForRows((r) => r.some((x) => fluxRow('dev')(x) && x.description.startsWith(`${fluxRelease('dev')} · Suspended`)), 'the Flux row of dev Suspended');
    await wb.waitForRow('dev', { description: /· Flux Suspended ·/ });
    assert.equal(release('dev').spec.suspend, true, 'spec.suspend is set on the HelmRelease');
    const suspendedMenu = await wb.openContextMenu(/^Flux$/);
    assert.ok(suspendedMenu.includes('Resume Flux Reconciliation'), `Flux row menu while suspended: ${JSON.stringify(suspendedMenu)}`);
    assert.ok(!suspendedMenu.includes('Reconcile with Flux Now') && !suspendedMenu.includes('Suspend Flux Reconciliation'), `no Reconcile / Suspend while suspended: ${JSON.stringify(suspendedMenu)}`);
    await shot('flux-suspended-menu');
    await wb.page.keyboard.press('Escape');
    // the palette has no row to hide the command on: it says why, and what to do
    const requested = release('dev').metadata.annotations?.[REQUESTED_AT];
    await wb.runCommand('GitOps Pilot: Reconcile with Flux Now');
    await wb.pickQuickItem('dev');
    const refused = await wb.waitForNotification(/HelmRelease flux-system\/demo-app-dev is suspended/);
    assert.match(refused, /Resume/);
    assert.equal(release('dev').metadata.annotations?.[REQUESTED_AT], requested, 'no reconcile was requested');
    await shot('flux-reconcile-refused');
  }));

  test('4. Resume, then Reconcile now: Flux handles the requests (source first) and the row is Ready again', { timeout: 90_000 }, step('4', async () => {
    await wb.contextMenu(/^Flux$/, 'Resume Flux Reconciliation');
    await afterRowAction('spec.suspend cleared on the HelmRelease', () => release('dev').spec.suspend !== true);
    await wb.waitForRows((r) => r.some((x) => fluxRow('dev')(x) && x.description === `${fluxRelease('dev')} · Ready · applied 0.1.0+${pushed.slice(0, 12)}`), 'the Flux row of dev Ready again');
    const resumed = release('dev');
    assert.notEqual(resumed.spec.suspend, true);
    assert.equal(resumed.status.lastHandledReconcileAt, resumed.metadata.annotations?.[REQUESTED_AT], 'resuming asked for a reconcile, and Flux handled it');

    const sourceBefore = source().status.lastHandledReconcileAt;
    const releaseBefore = resumed.status.lastHandledReconcileAt;
    await wb.contextMenu(/^Flux$/, 'Reconcile with Flux Now');
    await afterRowAction('HelmRelease demo-app-dev to handle the reconcile request', () => {
      const hr = release('dev');
      return hr.status.lastHandledReconcileAt !== releaseBefore && hr.status.lastHandledReconcileAt === hr.metadata.annotations?.[REQUESTED_AT];
    });
    const src = source();
    assert.notEqual(src.status.lastHandledReconcileAt, sourceBefore, 'the source was reconciled too (--with-source)');
    assert.equal(src.status.lastHandledReconcileAt, release('dev').status.lastHandledReconcileAt, 'one request: the source, then the HelmRelease');
    await wb.waitForRows((r) => r.some((x) => fluxRow('dev')(x) && x.description === `${fluxRelease('dev')} · Ready · applied 0.1.0+${pushed.slice(0, 12)}`), 'the Flux row of dev Ready');
    await wb.waitForRow('dev', { description: new RegExp(`^demo-app ${TAG.replace(/\./g, '\\.')} · Flux Ready · Healthy$`) });
    await shot('flux-reconciled');
  }));
});
