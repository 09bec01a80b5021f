/**
 * Many apps in the editor (issue 15), in a real extension host: the workspace is a git repository of three
 * apps × dev/staging/prod (envs/<env>/<app>.yaml, an apps: template in gitops-pilot.yaml) whose origin is a bare
 * repository; staging runs on the Kubernetes simulator, synced by an Argo-CD-like agent (./setup.ts). The tree
 * groups env → apps (or app → envs) with a summary per row; Promote All moves the chosen apps in one commit
 * (confirmation modals off, the apps given) and the status bar follows the release; a release commit's History
 * row rolls it back as a whole.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateWithEnvironments } from '../activate';
import { until } from '../until';
import type { ExtensionApi } from '../../../src/extension';
import type { EnvironmentDiff } from '../../../src/core/release/diff';
import type { RolloutItemState } from '../../../src/vscode/statusBar';

const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();


suite('many apps in the Environments view', () => {
  let api: ExtensionApi;
  let root: string;

  const rows = async (parent?: unknown) => {
    const nodes = ((await api.environmentsTree.getChildren(parent as never)) ?? []) as unknown[];
    return Promise.all(nodes.map(async (n) => ({ node: n, item: await api.environmentsTree.getTreeItem(n as never) })));
  };
  const summary = async (env: string) => (await rows()).find((r) => r.item.label === env)?.item.description;
  /** the status bar's release indicator of an environment, once `ok` holds for it (a guard, not a wait) */
  const releaseIndicator = async (env: string, ok: (i: RolloutItemState) => boolean, what: string): Promise<RolloutItemState> => {
    const find = () => api.rollouts.indicators.find((i) => i.key.startsWith('release:') && i.env === env && ok(i));
    const seen = () => `${what}; the indicators then: ${JSON.stringify(api.rollouts.indicators.map((i) => ({ key: i.key, state: i.state, text: i.text, tooltip: i.tooltip })))}`;
    await until(api.rollouts.onDidChangeIndicators, () => find() !== undefined, seen, 60_000);
    return find()!;
  };

  /** the model declares `tag` for the app environment `id` (after a commit here, in a terminal or by the extension) */
  const declared = (id: string, tag: string, what: string) =>
    until(api.environments.onDidChange, () => {
      const e = api.environments.find(id);
      return e?.file.ok === true && e.file.declared.tag === tag;
    }, () => {
      const f = api.environments.find(id)?.file;
      return `${what}: ${id} declares ${tag}; it declares ${f?.ok ? f.declared.tag : 'nothing readable'}; the last commits: ${git(root, 'log', '-3', '--format=%s')}`;
    }, 60_000);

  suiteSetup(async () => {
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    api = await activateWithEnvironments();
  });

  test('env → apps: a row per environment with its apps, summed up against its source', async () => {
    const top = await rows();
    assert.deepEqual(top.map((r) => r.item.label), ['dev', 'staging', 'prod']);
    assert.deepEqual(top.map((r) => r.item.description), ['3 apps', '3 apps · 2 differ from dev', '3 apps · 1 differs from staging']);
    assert.match(String(top[1]!.item.contextValue), /;canPromoteAll;/);
    assert.doesNotMatch(String(top[0]!.item.contextValue), /;canPromoteAll;/, 'dev is promoted from nothing');
    const apps = await rows(top[1]!.node);
    assert.deepEqual(apps.map((r) => r.item.label), ['api', 'web', 'worker']);
    assert.match(String(apps[0]!.item.contextValue), /;env;/, 'an app row is an environment row (its menus and live state as before)');
  });

  test('Group by Application: app rows with their environments, summed up; and back', async () => {
    assert.equal(await vscode.commands.executeCommand('gitopsPilot.groupByApplication'), 'application');
    const top = await rows();
    assert.deepEqual(top.map((r) => r.item.label), ['api', 'web', 'worker']);
    // each app has one environment behind the one it is promoted from (api and worker: staging; web: prod)
    assert.deepEqual(top.map((r) => String(r.item.description).split(' · ').slice(0, 2).join(' · ')), ['3 environments · 1 behind', '3 environments · 1 behind', '3 environments · 1 behind']);
    assert.match(String(top[0]!.item.contextValue), /;appGroup;/);
    const envs = await rows(top[1]!.node);
    assert.deepEqual(envs.map((r) => r.item.label), ['dev', 'staging', 'prod']);
    assert.match(String(envs[1]!.item.contextValue), /;env;/, 'an environment under its app is an environment row (menus, live state)');
    assert.equal(api.workspace.environments.find('web/staging')?.env.app, 'web');
    assert.equal(await vscode.commands.executeCommand('gitopsPilot.groupByEnvironment'), 'environment');
    assert.deepEqual((await rows()).map((r) => r.item.label), ['dev', 'staging', 'prod']);
  });

  test('Promote All to staging: the two apps that differ in one commit, the tree follows', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const web = readFileSync(join(root, 'envs/staging/web.yaml'), 'utf8');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['api', 'worker']);
    assert.equal(git(root, 'rev-list', '--count', `${head}..HEAD`), '1', 'one commit');
    assert.equal(git(root, 'log', '-1', '--format=%s'), 'promote(staging): 2 apps from dev');
    const body = git(root, 'log', '-1', '--format=%b');
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/api:1\.1\.0$/m);
    assert.match(body, /^Image: 127\.0\.0\.1:5000\/worker:3\.1\.0$/m);
    assert.deepEqual(git(root, 'diff', '--name-only', `${head}..HEAD`).split('\n').sort(), ['envs/staging/api.yaml', 'envs/staging/worker.yaml']);
    assert.match(readFileSync(join(root, 'envs/staging/api.yaml'), 'utf8'), /^ {2}tag: "1\.1\.0"$/m);
    assert.equal(readFileSync(join(root, 'envs/staging/web.yaml'), 'utf8'), web, 'web was the same: untouched');
    assert.equal(git(root, 'status', '--porcelain'), '', 'nothing left uncommitted');
    assert.equal(git(remote, 'rev-parse', 'main'), git(root, 'rev-parse', 'HEAD'), 'one push');
    await until(api.environments.onDidChange, () => {
      const e = api.environments.find('api/staging');
      return e?.file.ok === true && e.file.declared.tag === '1.1.0';
    }, 'the model to read staging again');
    assert.equal(await summary('prod'), '3 apps · 3 differ from staging');
  });

  test('the status bar follows the release: one indicator, ready/moved, done when both apps rolled out', async function () {
    this.timeout(120_000);
    const done = await releaseIndicator('staging', (i) => i.state === 'done', 'the release into staging to be rolled out');
    assert.equal(done.text, '$(check) staging 2/2');
    assert.match(done.tooltip, /^api: done$/m);
    assert.match(done.tooltip, /^worker: done$/m);
    assert.doesNotMatch(done.tooltip, /^web:/m, 'web did not move');
    assert.equal(api.rollouts.indicators.filter((i) => i.env === 'staging').length, 1, 'no indicator per app');
    // the environment row sums its apps' live state; rolled out and in sync, nothing to flag
    await until(api.rollouts.live.onDidChange, () => ['api', 'worker'].every((a) => api.rollouts.live.state(api.environments.find(`${a}/staging`)!)?.health === 'healthy'), 'staging healthy', 60_000);
    assert.equal(await summary('staging'), '3 apps · 0 differ from dev');
  });

  test('Promote All when nothing differs changes nothing', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['web']);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
  });

  test('Compare Environments: which apps differ between two environments', async () => {
    const d = await vscode.commands.executeCommand<EnvironmentDiff>('gitopsPilot.compareEnvironments', 'staging', 'prod');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.deepEqual(d.apps.map((a) => [a.app, a.status, a.toImage?.tag, a.fromImage?.tag]), [
      ['api', 'differs', '1.0.0', '1.1.0'],
      ['web', 'differs', '1.9.0', '2.0.0'],
      ['worker', 'differs', '3.0.0', '3.1.0'],
    ]);
  });

  test('Roll Back Release on the History row of the release commit: every app it moved goes back, in one commit', async function () {
    this.timeout(120_000);
    const release = git(root, 'log', '-1', '--format=%H', '--grep=^promote(staging): 2 apps from dev');
    assert.ok(release, 'the release commit');
    const entry = api.environments.find('api/staging')!;
    await api.workspace.history.get(entry.env);
    const staging = (await rows()).find((r) => r.item.label === 'staging')!;
    const apiRow = (await rows(staging.node)).find((r) => r.item.label === 'api')!;
    const history = (await rows(apiRow.node)).find((r) => r.item.label === 'History')!;
    const records = await rows(history.node);
    const row = records.find((r) => (r.node as { record?: { sha: string } }).record?.sha === release)!;
    assert.ok(row, 'the release is in api/staging\'s History');
    assert.match(String(row.item.contextValue), /;release;/, 'its row offers Roll Back Release');
    assert.ok(records.filter((r) => r !== row).every((r) => !/;release;/.test(String(r.item.contextValue))), 'single deployments do not');
    const head = git(root, 'rev-parse', 'HEAD');
    await vscode.commands.executeCommand('gitopsPilot.rollBackRelease', row.node);
    assert.equal(git(root, 'rev-list', '--count', `${head}..HEAD`), '1', 'one commit');
    assert.equal(git(root, 'log', '-1', '--format=%s'), `rollback(staging): 2 apps of ${release.slice(0, 7)}`);
    assert.deepEqual(git(root, 'diff', '--name-only', `${head}..HEAD`).split('\n').sort(), ['envs/staging/api.yaml', 'envs/staging/worker.yaml']);
    assert.match(readFileSync(join(root, 'envs/staging/api.yaml'), 'utf8'), /^ {2}tag: "1\.0\.0"$/m);
    assert.equal(git(remote, 'rev-parse', 'main'), git(root, 'rev-parse', 'HEAD'), 'pushed');
    // the rollback is a release too: followed as one in the status bar
    const back = await releaseIndicator('staging', (i) => i.state === 'done' && i.text === '$(check) staging 2/2' && api.rollouts.live.state(api.environments.find('api/staging')!)?.workload?.images.some((x) => x.image.endsWith(':1.0.0')) === true, 'the rollback rolled out');
    assert.equal(back.state, 'done');
  });

  test('a release whose app cannot roll out ends in that failure: which app, why, and a click shows it', async function () {
    this.timeout(120_000);
    const file = join(root, 'envs/dev/web.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/tag: "[^"]+"/, 'tag: "2.1.0-missing"'));
    git(root, 'commit', '-qam', 'dev: web 2.1.0-missing');
    await vscode.commands.executeCommand('gitopsPilot.refreshEnvironments');
    await until(api.environments.onDidChange, () => {
      const e = api.environments.find('web/dev');
      return e?.file.ok === true && e.file.declared.tag === '2.1.0-missing';
    }, 'the model to read dev again');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['web', 'worker', 'api']);
    assert.equal(git(root, 'log', '-1', '--format=%s'), 'promote(staging): 3 apps from dev');
    const failed = await releaseIndicator('staging', (i) => i.state === 'failed', 'the release into staging to fail');
    assert.equal(failed.text, '$(error) staging web: ImagePullBackOff', failed.tooltip);
    assert.equal(failed.envId, 'web/staging', 'a click shows the failed app');
    assert.match(failed.tooltip, /^The release into staging failed: web — /);
    // the click: the view selects the app's row (a round trip through the workbench). A tree refresh from the
    // release's live updates can land at the same moment and swallow the reveal: like a user, click again.
    const selected = () => api.environmentsView.selection.map((n) => (n as { id?: string }).id).includes(`env:${failed.projectRoot}:web/staging`);
    for (let attempt = 0; ; attempt++) {
      await vscode.commands.executeCommand('gitopsPilot.showRolloutDetails', failed.envId, failed.projectRoot);
      const shown = await until(api.environmentsView.onDidChangeSelection, selected, 'web/staging revealed and selected', 10_000).then(() => true, () => false);
      if (shown || attempt === 3) break;
    }
    assert.ok(selected(), 'web/staging revealed and selected');
    // staging has onFailure: rollback: web, and web alone, goes back to what it ran before the release
    await declared('web/staging', '2.0.0', 'web rolled back automatically');
    const apiStaging = api.environments.find('api/staging')?.file;
    assert.equal(apiStaging?.ok ? apiStaging.declared.tag : undefined, '1.1.0', 'api rolled out: kept');
  });

  test('onFailure: rollback in a release: EVERY app whose rollout fails is rolled back, not only the first to fail', async function () {
    this.timeout(120_000);
    const head = git(root, 'rev-parse', 'HEAD');
    for (const [app, tag] of [['api', '1.2.0-missing'], ['worker', '3.2.0-missing']] as const) {
      const file = join(root, `envs/dev/${app}.yaml`);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/tag: "[^"]+"/, `tag: "${tag}"`));
    }
    git(root, 'commit', '-qam', 'dev: api and worker that cannot be pulled');
    await vscode.commands.executeCommand('gitopsPilot.refreshEnvironments');
    await declared('worker/dev', '3.2.0-missing', 'the model to read dev again');
    await declared('api/dev', '1.2.0-missing', 'the model to read dev again');
    await vscode.commands.executeCommand('gitopsPilot.promoteAll', 'staging', ['api', 'worker']);
    const release = git(root, 'rev-parse', 'HEAD');
    assert.equal(git(root, 'log', '-1', '--format=%s'), 'promote(staging): 2 apps from dev');
    await releaseIndicator('staging', (i) => i.state === 'failed', 'the release into staging to fail');
    // both fail with ImagePullBackOff; the first failure fails the release, the other is still followed and rolled back too
    await declared('api/staging', '1.1.0', 'api rolled back automatically');
    await declared('worker/staging', '3.1.0', 'worker rolled back automatically');
    const after = git(root, 'log', '--format=%s', `${release}..HEAD`).split('\n').sort();
    assert.equal(after.length, 2, `one rollback commit per failed app: ${JSON.stringify(after)}`);
    assert.match(after[0]!, /^rollback\(staging\): api 1\.2\.0-missing -> 1\.1\.0$/);
    assert.match(after[1]!, /^rollback\(staging\): worker 3\.2\.0-missing -> 3\.1\.0$/);
    assert.ok(git(root, 'rev-list', '--count', `${head}..HEAD`) === '4', 'dev commit, release, two rollbacks');
    assert.equal(git(remote, 'rev-parse', 'main'), git(root, 'rev-parse', 'HEAD'), 'pushed');
  });
});
