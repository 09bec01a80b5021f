import * as vscode from 'vscode';
import { groupByEnvironment } from '../../core/apps/matrix';
import { cancelled, inputError } from '../../core/errors';
import { describeAppDiff, diffEnvironments, type EnvironmentDiff } from '../../core/release/diff';
import type { ProjectEntry } from '../../core/workspace/environments';
import { EnvironmentGroupNode, EnvironmentNode } from '../views/environments/nodes';
import type { CommandDef, Services } from './types';

/** The environment names of a project, in its order (`dev`, `staging`, `prod`). */
function envNames(p: ProjectEntry): string[] {
  return [...new Set(p.environments.map((e) => e.env.name))];
}

async function pickProject(s: Services): Promise<ProjectEntry> {
  await s.workspace.ensureLoaded();
  const projects = s.environments.projects.filter((p) => envNames(p).length > 1);
  if (!projects.length) throw inputError('env.none', 'No project with two environments to compare', { hint: 'Open a GitOps repository, or run "GitOps Pilot: Create gitops-pilot.yaml"' });
  if (projects.length === 1) return projects[0]!;
  const pick = await vscode.window.showQuickPick(projects.map((p) => ({ label: p.project.root, p })), { placeHolder: 'Compare environments of which project?' });
  if (!pick) throw cancelled();
  return pick.p;
}

async function pickName(names: readonly string[], placeHolder: string, first?: string): Promise<string> {
  const ordered = first ? [first, ...names.filter((n) => n !== first)] : names;
  const pick = await vscode.window.showQuickPick(ordered, { placeHolder });
  if (!pick) throw cancelled();
  return pick;
}

/**
 * Compare Environments…: which apps differ between two environments (tags; for git-SHA tags the commits
 * between them when the app repository is open). From an environment row: it and its source. Picking an
 * app opens its two files side by side.
 */
export const compareEnvironments: CommandDef = {
  id: 'gitopsPilot.compareEnvironments',
  async run(s, node, toArg) {
    let p: ProjectEntry;
    let from: string;
    let to: string;
    if (node instanceof EnvironmentGroupNode && node.group.source !== undefined) {
      p = node.projectEntry;
      from = node.group.source;
      to = node.group.name;
    } else {
      p = node instanceof EnvironmentGroupNode ? node.projectEntry : node instanceof EnvironmentNode ? s.environments.projects.find((x) => x.project.root === node.project.root)! : await pickProject(s);
      const names = envNames(p);
      const given = node instanceof EnvironmentGroupNode ? node.group.name : node instanceof EnvironmentNode ? node.env.name : typeof node === 'string' ? node : undefined;
      from = given ?? (await pickName(names, 'Compare which environment?'));
      const near = groupByEnvironment(p)?.groups.find((g) => g.source === from)?.name ?? p.environments.find((e) => e.env.name === from && e.env.promotesTo.length)?.env.promotesTo[0]?.split('/').pop();
      to = typeof toArg === 'string' ? toArg : await pickName(names.filter((n) => n !== from), `Compare ${from} with…`, near);
    }
    const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
    // git-SHA tags: count the commits in the open app repository, when it is the project's own folder
    const appRepo = p.project.root !== p.project.gitopsRoot ? () => p.project.root : undefined;
    const diff = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Comparing ${from} and ${to}…` }, () => diffEnvironments(p.project, from, to, { git, ...(appRepo ? { appRepo } : {}) }));
    void showDiff(diff);
    return diff;
  },
};

/** The apps that differ first; picking one opens its two files in the diff editor. */
async function showDiff(diff: EnvironmentDiff): Promise<void> {
  const order = { differs: 0, 'only-from': 1, 'only-to': 1, error: 2, same: 3 } as const;
  const apps = [...diff.apps].sort((a, b) => order[a.status] - order[b.status]);
  const differ = apps.filter((a) => a.status !== 'same').length;
  const pick = await vscode.window.showQuickPick(
    apps.map((a) => ({ ...describeAppDiff(a, diff), a })),
    { title: `${diff.from} → ${diff.to}: ${differ} of ${apps.length} differ`, placeHolder: 'Pick an app to open its two files side by side', matchOnDescription: true, matchOnDetail: true },
  );
  if (!pick?.a.from || !pick.a.to) return;
  await vscode.commands.executeCommand('vscode.diff', vscode.Uri.file(pick.a.from.file), vscode.Uri.file(pick.a.to.file), `${pick.a.app}: ${diff.from} ↔ ${diff.to}`);
}
