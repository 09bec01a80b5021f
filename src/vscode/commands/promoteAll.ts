import * as vscode from 'vscode';
import { groupByEnvironment, type EnvironmentGroup } from '../../core/apps/matrix';
import { cancelled, inputError } from '../../core/errors';
import type { ProjectEntry } from '../../core/workspace/environments';
import { promoteAllFlow } from '../deploy/release';
import { EnvironmentGroupNode } from '../views/environments/nodes';
import type { CommandDef, Services } from './types';

/** The environments of multi-app projects that are promoted from another one (`prod` from `staging`). */
function promotable(s: Services): { p: ProjectEntry; g: EnvironmentGroup }[] {
  return s.environments.projects.flatMap((p) => (groupByEnvironment(p)?.groups ?? []).filter((g) => g.source !== undefined).map((g) => ({ p, g })));
}

/** Promote All…: an environment row of a multi-app project, or an environment name (`prod`, with the apps: no multi-select), or picked. */
export const promoteAll: CommandDef = {
  id: 'gitopsPilot.promoteAll',
  async run(s, node, apps) {
    if (node instanceof EnvironmentGroupNode) return promoteAllFlow(s, node.projectEntry, node.group);
    const given = Array.isArray(apps) && apps.every((a) => typeof a === 'string') ? (apps as string[]) : undefined;
    await s.workspace.ensureLoaded();
    const all = promotable(s);
    if (typeof node === 'string') {
      const found = all.find((x) => x.g.name === node);
      if (!found) throw inputError('env.unknown', `No environment "${node}" with several apps promoted from another one`, { hint: `Environments: ${[...new Set(all.map((x) => x.g.name))].join(', ') || '(none)'}` });
      return promoteAllFlow(s, found.p, found.g, given);
    }
    if (!all.length) {
      throw inputError('release.none', 'No environment with several apps to promote together', { hint: 'Promote All needs an apps: list in gitops-pilot.yaml (or a multi-app layout) and promoteFrom between environments' });
    }
    const multi = s.environments.projects.length > 1;
    const pick = all.length === 1 ? { x: all[0]! } : await vscode.window.showQuickPick(
      all.map((x) => ({ label: `${x.g.name}`, description: `${x.g.entries.length} apps from ${x.g.source}`, detail: multi ? x.p.project.root : undefined, x })),
      { placeHolder: 'Promote all apps of which environment?' },
    );
    if (!pick) throw cancelled();
    return promoteAllFlow(s, pick.x.p, pick.x.g);
  },
};
