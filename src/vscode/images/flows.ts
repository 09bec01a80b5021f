/**
 * The editor's image flows: Build Image, Push Image, Ship and Deploy to…, each with a cancellable progress
 * notification that shows the current step, the full docker output in the log, questions as modal dialogs
 * (build a dirty tree as <tag>-dirty? create the missing repository?), and a result message that offers
 * the next step. Deployments go through the GitOps engine's own flow (setImageFlow → runDeployment).
 */
import { resolve, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Project } from '../../core/config/model';
import { cancelled, inputError, PilotError } from '../../core/errors';
import { planBuild, runBuild, type BuildPlan, type BuildResult } from '../../core/images/build';
import { listImagesCall } from '../../core/images/docker';
import { pushImage, type PushResult } from '../../core/images/push';
import { ship, shipTarget } from '../../core/images/ship';
import type { ImageOpContext } from '../../core/images/context';
import { timeAgo } from '../../core/util/time';
import type { Services } from '../commands/types';
import { reviewSetImage, setImageFlow } from '../deploy/flows';
import { operationContext, reportDeployment, requireTrust } from '../deploy/run';
import { shortImage } from '../format';
import type { EnvironmentEntry } from '../../core/workspace/environments';
import type { ImageFeature } from './feature';
import { requireImageProject } from './support';

export function imageFeature(s: Services): ImageFeature {
  if (!s.images) throw new PilotError('images.unavailable', 'the image feature is not available');
  return s.images;
}

/** The project to build: the one holding a Dockerfile given from the explorer, one named by root, the only one, or a pick. */
export async function pickImageProject(s: Services, arg: unknown): Promise<{ project: Project; dockerfile?: string }> {
  await s.workspace.ensureLoaded();
  const projects = requireImageProject(s.environments.projects.map((p) => p.project));
  if (arg instanceof vscode.Uri) {
    const file = arg.fsPath;
    const owners = projects.filter((p) => file === p.root || file.startsWith(p.root.endsWith(sep) ? p.root : p.root + sep)).sort((a, b) => b.root.length - a.root.length);
    if (!owners[0]) {
      throw inputError('image.noProjectForFile', `${file} is not inside a folder whose gitops-pilot.yaml names an image`, {
        hint: 'Add image: { repository: … } to the gitops-pilot.yaml of its project',
      });
    }
    return { project: owners[0], dockerfile: file };
  }
  // a project root, an entry of the API ({ project: { root } }), or a repository row of the Images view
  const a = arg as { project?: { root?: unknown }; root?: unknown; entry?: { projects?: readonly { root?: unknown }[] } } | undefined;
  const root = typeof arg === 'string' ? arg : (a?.project?.root ?? a?.root ?? a?.entry?.projects?.[0]?.root);
  if (typeof root === 'string') {
    const p = projects.find((x) => x.root === resolve(root));
    if (!p) throw inputError('image.unknownProject', `${root} is not a project with an image`, { hint: `Projects: ${projects.map((x) => x.root).join(', ')}` });
    return { project: p };
  }
  if (projects.length === 1) return { project: projects[0]! };
  const choice = await vscode.window.showQuickPick(
    projects.map((p) => ({ label: p.config!.image!.repository!, description: p.root, project: p })),
    { placeHolder: 'Which image?', matchOnDescription: true },
  );
  if (!choice) throw cancelled();
  return { project: choice.project };
}

/** A cancellable notification around an image operation; docker's lines go to the log. */
async function withImageProgress<T>(s: Services, title: string, work: (ctx: ImageOpContext) => Promise<T>): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const ctx = imageFeature(s).support.context({
        signal: abort.signal,
        onProgress: (message) => progress.report({ message }),
        onOutput: (line) => s.log.info(line),
      });
      return await work(ctx);
    } finally {
      sub.dispose();
    }
  });
}

/** Plans a build; a dirty tree asks whether to build it as <tag>-dirty. */
async function planWithDirtyPrompt(s: Services, project: Project, dockerfile: string | undefined, action: string): Promise<BuildPlan> {
  const ctx = imageFeature(s).support.context();
  const plan = (allowDirty: boolean) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Preparing the image build…' }, () => planBuild(ctx, { project, ...(dockerfile ? { dockerfile } : {}), allowDirty }));
  try {
    return await plan(false);
  } catch (err) {
    if (!(err instanceof PilotError && err.code === 'tag.dirtyTree')) throw err;
    const dirty = await plan(true);
    const choice = await vscode.window.showWarningMessage(
      `The working tree has uncommitted changes in the build inputs.`,
      { modal: true, detail: `${err.message.replace(/^the working tree has uncommitted changes in the build inputs /, 'Changed: ')}.\n\nCommit them for a clean tag, or ${action.toLowerCase()} this build as ${dirty.tag.tag}.` },
      `${action} as ${dirty.tag.tag}`,
    );
    if (!choice) throw cancelled();
    return dirty;
  }
}

export async function buildFlow(s: Services, project: Project, dockerfile?: string): Promise<BuildResult> {
  requireTrust('Build Image');
  const plan = await planWithDirtyPrompt(s, project, dockerfile, 'Build');
  s.log.info(`Build Image: ${plan.image} (${plan.tag.source})`);
  const built = await withImageProgress(s, `Building ${shortImage(plan.image)}`, (ctx) => runBuild(ctx, plan));
  void vscode.window.showInformationMessage(`Built ${shortImage(built.image)}${built.dirty ? ' (uncommitted changes)' : ''}.`, 'Push Image', 'Show Log').then((c) => {
    if (c === 'Push Image') void vscode.commands.executeCommand('gitopsPilot.pushImage', built.tag, project.root);
    if (c === 'Show Log') s.log.show();
  });
  return built;
}

/** Asks before creating an ECR repository (modal). */
function askCreateRepository(name: string): Promise<boolean> {
  return Promise.resolve(
    vscode.window.showWarningMessage(`The ECR repository ${name} does not exist.`, { modal: true, detail: 'Create it (scan on push on), then push?' }, 'Create Repository').then((c) => c === 'Create Repository'),
  );
}

/** The local tags of the project's image, the tag policy's for this commit first. */
async function pickLocalTag(s: Services, project: Project): Promise<{ tag: string; repository: string }> {
  const ctx = imageFeature(s).support.context();
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Listing local images…' }, () => planBuild(ctx, { project, allowDirty: true }));
  const local = await ctx.docker.run(listImagesCall(plan.repository), { timeoutMs: 60_000 });
  if (!local.length) {
    throw inputError('image.notBuilt', `there is no local image of ${plan.repository}`, { hint: 'Build it first (GitOps Pilot: Build Image)' });
  }
  const items = local.map((i) => ({
    label: i.tag,
    description: [i.tag === plan.tag.tag ? 'this commit' : '', i.createdAt ? `built ${timeAgo(i.createdAt.replace(/ \+0000 UTC$/, 'Z').replace(' ', 'T'))}` : '', i.size].filter(Boolean).join(' · '),
    tag: i.tag,
  }));
  items.sort((a, b) => Number(b.tag === plan.tag.tag) - Number(a.tag === plan.tag.tag));
  const choice = await vscode.window.showQuickPick(items, { placeHolder: `Push which tag of ${plan.repository}?`, matchOnDescription: true });
  if (!choice) throw cancelled();
  return { tag: choice.tag, repository: plan.repository };
}

export async function pushFlow(s: Services, project: Project, tag?: string): Promise<PushResult> {
  requireTrust('Push Image');
  imageFeature(s);
  const chosen = tag !== undefined ? { tag, repository: undefined } : await pickLocalTag(s, project);
  const pushed = await withImageProgress(s, `Pushing ${chosen.tag}`, (ctx) =>
    pushImage(ctx, { project, tag: chosen.tag, ...(chosen.repository ? { repository: chosen.repository } : {}), createRepository: askCreateRepository }),
  );
  void s.refresh.imagePushed(pushed.repository);
  offerDeploy(s, project, pushed);
  return pushed;
}

/** "Pushed …" with "Deploy to <first environment>" when the project has one. */
function offerDeploy(s: Services, project: Project, pushed: PushResult): void {
  let first: EnvironmentEntry | undefined;
  try {
    const env = shipTarget(project);
    first = s.environments.find(env.id, project.root);
  } catch {
    first = undefined;
  }
  const deploy = first ? `Deploy to ${first.env.name}` : undefined;
  const buttons = [...(deploy ? [deploy] : []), 'Copy Digest'];
  void vscode.window.showInformationMessage(`Pushed ${shortImage(pushed.image)} (${pushed.digest.slice(0, 19)}…), confirmed in ECR.`, ...buttons).then(async (c) => {
    try {
      if (c === deploy && first) await setImageFlow(s, first, pushed.tag);
      if (c === 'Copy Digest') await vscode.env.clipboard.writeText(pushed.pinned);
    } catch (err) {
      const { reportError } = await import('../commands/registry');
      reportError(s, 'Deploy', err);
    }
  });
}

export interface ShipOutcome {
  readonly build: BuildResult;
  readonly push: PushResult;
  readonly env: string;
}

/**
 * Build → push → deploy to the first environment (its diff and confirmation as usual) → watch: the core's
 * ship, as the CLI runs it, with the editor's review as its deploy step, so both make the same commit.
 */
export async function shipFlow(s: Services, project: Project): Promise<ShipOutcome> {
  requireTrust('Ship');
  if (!project.environments.length && project.problems.length) throw project.problems[0];
  const env = shipTarget(project);
  const entry = s.environments.find(env.id, project.root);
  if (!entry) throw inputError('env.unknown', `environment ${env.name} is not loaded`, { hint: 'Run "GitOps Pilot: Refresh Environments"' });
  if (!entry.file.ok) throw entry.file.error;
  const plan = await planWithDirtyPrompt(s, project, undefined, 'Ship');
  const r = await withImageProgress(s, `Shipping ${plan.tag.tag} to ${env.name}`, (ctx) =>
    ship(
      ctx,
      // confirmed: the review asks (a protected environment by its typed name); what it refuses anyway is refused before the build
      { project, env: env.id, plan, confirmed: true, createRepository: askCreateRepository, onPushed: (p) => void s.refresh.imagePushed(p.repository) },
      {
        operation: operationContext(s, project, ctx.signal ?? new AbortController().signal, (m) => ctx.onProgress?.(m)),
        review: (_env, plan) => {
          ctx.onProgress?.(`review the change of ${env.relFile}`);
          return reviewSetImage(s, entry, plan);
        },
      },
    ),
  );
  reportDeployment(s, r.deploy);
  return { build: r.build, push: r.push, env: env.id };
}

/** Environments that deploy `repository` (by their declared image), else all environments of the workspace. */
export function environmentsFor(s: Services, repository: string): EnvironmentEntry[] {
  const all = s.environments.environments.filter((e) => e.file.ok);
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  const matching = all.filter((e) => e.file.ok && e.file.declared.repository !== undefined && (e.file.declared.repository === repository || e.file.declared.repository.endsWith(`/${name}`)));
  return matching.length ? matching : all;
}
