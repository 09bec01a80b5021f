/**
 * One Ship, one bump: the editor and a pipeline make the same commit. Two clones of one app repository at
 * the same commit; in one, the core runs as the editor calls it (Ship: a plan made first, the review step
 * showing the diff and returning the approved text; Set Image Tag: planSetImage with the registry check,
 * the diff, commitSetImage of the plan); in the other, the bundled CLI runs `ship` / `bump`. The
 * commit objects (tree, parent, message with its trailers, with author and dates fixed) are compared byte
 * for byte. Real git, dockerd and the ECR emulator.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../../../src/core/config/model';
import { loadProject } from '../../../src/core/config/project';
import { commitSetImage, planSetImage, type OperationContext } from '../../../src/core/gitops/operations';
import { planBuild } from '../../../src/core/images/build';
import { ecrSettingsFor, type ImageOpContext } from '../../../src/core/images/context';
import { checkImageInEcr } from '../../../src/core/images/registryCheck';
import { ship } from '../../../src/core/images/ship';
import { cliPath } from '../../support/cliProcess';
import { ensureBaseImage, removeImages, startDockerd, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { git, gitEnv } from '../../support/gitRepos';
import { run } from '../../support/proc';
import { tempDir } from '../../support/tmp';
import { capture, cliImageEnv, imageContext, makeApp, useEmulatorCredentials } from './helpers';

/** The same author, committer and dates in this process (the editor's git) and in the CLI's. */
const IDENTITY = {
  GIT_AUTHOR_NAME: gitEnv.GIT_AUTHOR_NAME,
  GIT_AUTHOR_EMAIL: gitEnv.GIT_AUTHOR_EMAIL,
  GIT_COMMITTER_NAME: gitEnv.GIT_COMMITTER_NAME,
  GIT_COMMITTER_EMAIL: gitEnv.GIT_COMMITTER_EMAIL,
  GIT_AUTHOR_DATE: '2026-12-06T10:00:00Z',
  GIT_COMMITTER_DATE: '2026-12-06T10:00:00Z',
};

/** HEAD's commit object, as git stores it. */
function commitObject(dir: string): Buffer {
  return execFileSync('git', ['cat-file', 'commit', 'HEAD'], { cwd: dir, env: gitEnv });
}

describe('one Ship, one bump: the editor and the CLI make byte-identical commits', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let base: string;
  let cliEnv: NodeJS.ProcessEnv;
  let configDir: string;
  const saved: Record<string, string | undefined> = {};
  let n = 0;

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    tmp = tempDir('gitops-pilot-same-commit-');
    base = await ensureBaseImage(daemon);
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    useEmulatorCredentials(stack.ecr, tmp.dir);
    cliEnv = { ...cliImageEnv(daemon, configDir, stack.ecr, tmp.dir), ...IDENTITY };
    for (const [k, v] of Object.entries(IDENTITY)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });

  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  /** An app repository (the editor's workspace) and a clone of it at the same commit (the pipeline's checkout). */
  async function twins(): Promise<{ editor: Project; ctx: ImageOpContext; pipeline: string }> {
    const dir = join(tmp.dir, `editor${n}`);
    await makeApp(dir, { repository: stack.ecr.repositoryUri('demo-app'), base, environments: true });
    const pipeline = join(tmp.dir, `pipeline${n++}`);
    git(tmp.dir, 'clone', '-q', dir, pipeline);
    const ctx = imageContext({ daemon, ecr: stack.ecr, configDir, captured: capture() });
    return { editor: (await loadProject(dir))!, ctx, pipeline };
  }

  /** What the editor's operationContext gives the core: its push mode and the image feature's registry check. */
  function editorOperation(project: Project, ctx: ImageOpContext): OperationContext {
    return {
      project,
      push: false,
      git: { log: ctx.log },
      checkImage: (image) => checkImageInEcr(image, [project], (target) => ctx.clients.get(ecrSettingsFor(ctx.ecr, target)), ctx.log),
    };
  }

  async function cli(cwd: string, ...args: string[]): Promise<string> {
    const r = await run(process.execPath, [cliPath, ...args], { cwd, env: cliEnv, timeoutMs: 180_000 });
    assert.equal(r.code, 0, `gitops-pilot ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  test('Ship: the editor (core ship with its review step) and `gitops-pilot ship` commit the same bytes, Source-Commit included', { timeout: 300_000 }, async () => {
    const { editor, ctx, pipeline } = await twins();
    const sha = git(editor.root, 'rev-parse', 'HEAD');
    const plan = await planBuild(ctx, { project: editor });
    const reviewed: string[] = [];
    const r = await ship(
      ctx,
      { project: editor, plan, confirmed: true, createRepository: async () => false },
      {
        operation: editorOperation(editor, ctx),
        review: async (_env, plan) => {
          reviewed.push(plan.edit.text);
          return plan.text;
        },
      },
    );
    ctx.clients.dispose();
    assert.equal(r.deploy.status, 'committed');
    assert.equal(reviewed.length, 1, 'the review step saw the change once');
    assert.equal(readFileSync(join(editor.root, 'envs/dev/values.yaml'), 'utf8'), reviewed[0], 'what was reviewed is what was committed');

    const j = JSON.parse(await cli(pipeline, 'ship', '--no-push', '--json')) as { push: { digest: string }; deploy: { status: string } };
    assert.equal(j.deploy.status, 'committed');
    assert.equal(j.push.digest, r.push.digest, 'the same image (same build inputs, same daemon) was pushed');

    const fromEditor = commitObject(editor.root);
    const fromCli = commitObject(pipeline);
    assert.equal(fromCli.toString('utf8'), fromEditor.toString('utf8'));
    assert.ok(fromCli.equals(fromEditor), 'byte for byte');
    assert.match(fromEditor.toString('utf8'), new RegExp(`^Source-Commit: ${sha}$`, 'm'));
    assert.match(fromEditor.toString('utf8'), new RegExp(`^Image: .*/demo-app:${sha.slice(0, 7)}@${r.push.digest}$`, 'm'));
  });

  test('Set Image Tag (registry check, diff, planned change) and `gitops-pilot bump` commit the same bytes, digest pinned', { timeout: 300_000 }, async () => {
    const { editor, ctx, pipeline } = await twins();
    const pushed = JSON.parse(await cli(pipeline, 'build', '--push', '--json')) as { build: { tag: string }; push: { digest: string } };
    const tag = pushed.build.tag;
    const env = editor.environments.find((e) => e.id === 'staging')!;
    const op = editorOperation(editor, ctx);
    const plan = await planSetImage(op, { env, tag, confirmed: true });
    assert.equal(plan.change.digest, pushed.push.digest, "the registry's digest is pinned");
    const r = await commitSetImage(op, plan, { expectText: plan.text });
    ctx.clients.dispose();
    assert.equal(r.status, 'committed');

    await cli(pipeline, 'bump', '--env', 'staging', '--tag', tag, '--no-push');
    const fromEditor = commitObject(editor.root);
    assert.ok(commitObject(pipeline).equals(fromEditor), `byte for byte:\n${commitObject(pipeline).toString('utf8')}\n---\n${fromEditor.toString('utf8')}`);
    assert.match(fromEditor.toString('utf8'), new RegExp(`^Image: .*/demo-app:${tag}@${pushed.push.digest}$`, 'm'));
  });
});
