/**
 * Images in a real extension host (the `images` run of launch.ts: real dockerd, ECR emulator + registry).
 * Build Image then Push Image, run as the palette runs them, land <repository>:<sha> in the registry and
 * the Images view's model lists it; Deploy to… on that tag pins the registry's digest; Set Image Tag warns
 * about a tag ECR does not have (the registry check hook); Ship does it all in one command.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import type { BuildResult } from '../../../src/core/images/build';
import type { PushResult } from '../../../src/core/images/push';
import { RegistryClient } from '../../support/registryClient';
import { note } from '../report';

const repository = process.env.GITOPS_PILOT_TEST_REPOSITORY!;
const remote = process.env.GITOPS_PILOT_TEST_REMOTE!;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('images: build, push and the Images view in the extension host', () => {
  let api: ExtensionApi;
  let root: string;
  let registry: RegistryClient;
  let built: BuildResult;
  let pushed: PushResult;

  suiteSetup(async () => {
    assert.ok(repository && remote, 'the launcher provides the emulator and the remote');
    root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    registry = new RegistryClient(JSON.parse(process.env.GITOPS_PILOT_TEST_REGISTRY!) as { url: string; username: string; password: string });
    api = await vscode.extensions.getExtension<ExtensionApi>('gitops-pilot.gitops-pilot')!.activate();
    await vscode.commands.executeCommand('gitopsPilot.images.focus');
    await until(() => api.environments.state.kind === 'loaded', 'the environments to load');
  });

  test('Build Image from the palette: <repository>:<short sha>, built from the workspace', async function () {
    this.timeout(180_000);
    const t0 = Date.now();
    built = (await vscode.commands.executeCommand<BuildResult>('gitopsPilot.buildImage'))!;
    note('images: Build Image ms', Date.now() - t0);
    assert.ok(built, 'the command returns what it built');
    const sha = git(root, 'rev-parse', '--short=7', 'HEAD');
    assert.equal(built.tag, sha);
    assert.equal(built.image, `${repository}:${sha}`);
    assert.equal(built.builder, 'classic');
  });

  test('Push Image with the tag: in the registry, confirmed in ECR, and listed by the Images view', async function () {
    this.timeout(180_000);
    const t0 = Date.now();
    pushed = (await vscode.commands.executeCommand<PushResult>('gitopsPilot.pushImage', built.tag))!;
    note('images: Push Image ms', Date.now() - t0);
    assert.ok(pushed, 'the command returns what it pushed');
    assert.equal(pushed.image, built.image);
    assert.equal((await registry.headManifest('demo-app', built.tag))?.digest, pushed.digest, 'the registry has the tag');
    // the view's model (what the tree renders): the project's repository first, the tag with its digest
    await api.images.reload();
    const repo = api.images.repositories[0]!;
    assert.equal(repo.uri, repository);
    assert.ok(repo.projects.length === 1, 'marked as this workspace\'s repository');
    await until(async () => (await api.images.images(repo, true)).some((t) => t.tag === built.tag), 'the tag in the Images view');
    const entry = (await api.images.images(repo)).find((t) => t.tag === built.tag)!;
    assert.equal(entry.image.digest, pushed.digest);
    assert.ok(entry.image.pushedAt && entry.image.sizeBytes! > 0);
    assert.equal(entry.image.scanStatus, 'COMPLETE', 'scan on push');
    // and as the tree renders it: the repository row, then the tag row with its digest
    const tree = api.imagesTree;
    const roots = (await tree.getChildren()) as unknown[];
    const items = await Promise.all(roots.map(async (r) => [r, await tree.getTreeItem(r)] as const));
    const repoRow = items.find(([, i]) => i.label === 'demo-app');
    assert.ok(repoRow, `rows: ${items.map(([, i]) => String(i.label)).join(', ')}`);
    assert.match(String(repoRow[1].description), /this workspace/);
    const tagRows = await Promise.all(((await tree.getChildren(repoRow[0])) as unknown[]).map((n) => tree.getTreeItem(n)));
    const tagRow = tagRows.find((i) => i.label === built.tag);
    assert.ok(tagRow, `tag rows: ${tagRows.map((i) => String(i.label)).join(', ')}`);
    assert.ok(String(tagRow.description).includes(pushed.digest.slice(7, 19)), String(tagRow.description));
    assert.equal(tagRow.contextValue, ';imageTag;');
  });

  test('Deploy to dev on the pushed tag: one commit on the remote, the digest from ECR pinned', async function () {
    this.timeout(60_000);
    await vscode.commands.executeCommand('gitopsPilot.deployImageTo', repository, built.tag, 'dev');
    const values = readFileSync(join(root, 'envs/dev/values.yaml'), 'utf8');
    // a short sha can read as a number (9307e90 is 9307×10⁹⁰ in YAML): then it is quoted, and stays quoted
    assert.match(values, new RegExp(`^ {2}tag: (${built.tag}|"${built.tag}") # set by GitOps Pilot$`, 'm'));
    assert.match(values, new RegExp(`^ {2}digest: ${pushed.digest}$`, 'm'));
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main'), `deploy(dev): demo-app 1.0.5 -> ${built.tag}`);
  });

  test('Set Image Tag with a tag ECR does not have changes nothing unless "Deploy Anyway" is chosen; one it has is deployed with its digest', async function () {
    this.timeout(60_000);
    const before = readFileSync(join(root, 'envs/staging/values.yaml'), 'utf8');
    const head = git(remote, 'rev-parse', 'main');
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'staging', 'f00d123');
    assert.equal(readFileSync(join(root, 'envs/staging/values.yaml'), 'utf8'), before);
    assert.equal(git(remote, 'rev-parse', 'main'), head);
    await vscode.commands.executeCommand('gitopsPilot.setImageTag', 'staging', built.tag);
    assert.match(readFileSync(join(root, 'envs/staging/values.yaml'), 'utf8'), new RegExp(`digest: ${pushed.digest}`));
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main'), `deploy(staging): demo-app 1.0.4 -> ${built.tag}`);
  });

  test('Ship: build, push and deploy the new commit to the first environment (dev) in one command', async function () {
    this.timeout(180_000);
    const head = git(root, 'rev-parse', 'HEAD');
    const outcome = (await vscode.commands.executeCommand<{ build: BuildResult; push: PushResult; env: string }>('gitopsPilot.ship'))!;
    assert.ok(outcome, 'the command returns what it shipped');
    assert.equal(outcome.env, 'dev');
    assert.equal(outcome.build.tag, head.slice(0, 7));
    assert.equal((await registry.headManifest('demo-app', outcome.build.tag))?.digest, outcome.push.digest);
    const values = readFileSync(join(root, 'envs/dev/values.yaml'), 'utf8');
    assert.match(values, new RegExp(`^ {2}tag: (${outcome.build.tag}|"${outcome.build.tag}") # set by GitOps Pilot$`, 'm'));
    assert.match(values, new RegExp(`^ {2}digest: ${outcome.push.digest}$`, 'm'));
    assert.equal(git(remote, 'log', '-1', '--format=%s', 'main'), `deploy(dev): demo-app ${built.tag} -> ${outcome.build.tag}`);
  });
});
