/**
 * Which pull request Open in Browser and Merge act on: a release's (the environment row of several apps or its
 * Release pull request row; a name such as `prod` that is a release's environment and no environment's id;
 * from the palette, picked beside the environments' own), else an environment's (pickEnvironment).
 */
import * as vscode from 'vscode';
import { groupByEnvironment, type EnvironmentGroup } from '../../core/apps/matrix';
import { cancelled } from '../../core/errors';
import { describePullRequest } from '../../core/pullRequests/flow';
import type { PullRequest } from '../../core/pullRequests/types';
import type { EnvironmentEntry, ProjectEntry } from '../../core/workspace/environments';
import type { Services } from '../commands/types';
import { pickEnvironment } from '../pick';
import { releaseOf } from '../views/environments/nodes';

export interface ReleaseChoice {
  readonly projectEntry: ProjectEntry;
  readonly group: EnvironmentGroup;
}

export type PullRequestChoice = { readonly release: ReleaseChoice } | { readonly entry: EnvironmentEntry };

/** The environments of several apps whose releases go through a pull request, with the one last read. */
function releases(s: Services): (ReleaseChoice & { pr: PullRequest | undefined })[] {
  const model = s.workspace.pullRequests;
  if (!model) return [];
  return s.environments.projects.flatMap((projectEntry) =>
    (groupByEnvironment(projectEntry)?.groups ?? [])
      .filter((group) => model.releaseState({ project: projectEntry.project, name: group.name }) !== undefined)
      .map((group) => ({ projectEntry, group, pr: model.currentRelease({ project: projectEntry.project, name: group.name }) })),
  );
}

export async function pickPullRequest(s: Services, node: unknown, o: { placeHolder: string; wanted: (pr: PullRequest | undefined) => boolean }): Promise<PullRequestChoice> {
  const given = releaseOf(node);
  if (given) return { release: given };
  const model = s.workspace.pullRequests;
  const envFilter = (e: EnvironmentEntry) => o.wanted(model?.current(e));
  if (node !== undefined && typeof node !== 'string') return { entry: await pickEnvironment(s, node, { placeHolder: o.placeHolder, filter: envFilter }) };
  await s.workspace.ensureLoaded();
  if (typeof node === 'string') {
    const named = !s.environments.find(node) ? releases(s).find((r) => r.group.name === node) : undefined;
    return named ? { release: named } : { entry: await pickEnvironment(s, node, { placeHolder: o.placeHolder, filter: envFilter }) };
  }
  // the palette: the releases' pull requests beside the environments' own
  const rel = releases(s).filter((r) => o.wanted(r.pr));
  if (!rel.length) return { entry: await pickEnvironment(s, node, { placeHolder: o.placeHolder, filter: envFilter }) };
  const items = [
    ...rel.map((r) => ({ label: `${r.group.name} (release)`, description: r.pr ? describePullRequest(r.pr) : '', detail: r.pr?.title, choice: { release: r } as PullRequestChoice })),
    ...s.environments.environments.filter(envFilter).map((e) => {
      const pr = model?.current(e);
      return { label: e.env.app ? `${e.env.app} / ${e.env.name}` : e.env.name, description: pr ? describePullRequest(pr) : '', detail: pr?.title, choice: { entry: e } as PullRequestChoice };
    }),
  ];
  const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: o.placeHolder, matchOnDescription: true });
  if (!picked) throw cancelled();
  return picked.choice;
}
