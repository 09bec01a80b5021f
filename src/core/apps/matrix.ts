/**
 * The app × environment matrix of a multi-app project (issue 15), as the Environments tree shows it:
 * one row per environment name with its apps as children, and a summary of how the environment compares
 * with the one its apps are promoted from. Computed from the model's already-read files: no I/O.
 */
import type { EnvironmentEntry, ProjectEntry } from '../workspace/environments';
import { compareFiles, diffSummary, pairApps, type AppDiff, type EnvironmentDiff } from '../release/diff';

export interface EnvironmentGroup {
  /** the environment's name (`prod`), shared by its apps' environments `<app>/prod` */
  readonly name: string;
  /** its apps' environments, in the order of the project */
  readonly entries: readonly EnvironmentEntry[];
  /** the environment most of its apps are promoted from (`staging`); undefined: none */
  readonly source?: string;
}

export interface EnvironmentGrouping {
  readonly groups: readonly EnvironmentGroup[];
  /** environments that belong to no app (a single-app block next to apps:) */
  readonly rest: readonly EnvironmentEntry[];
}

/** The apps of a project, in the order of its environments. */
export function appsOf(p: ProjectEntry): string[] {
  return [...new Set(p.environments.map((e) => e.env.app).filter((a): a is string => a !== undefined))];
}

/** env → apps when the project has several apps; undefined: a single-app project, shown as before. */
export function groupByEnvironment(p: ProjectEntry): EnvironmentGrouping | undefined {
  if (appsOf(p).length < 2) return undefined;
  const byName = new Map<string, EnvironmentEntry[]>();
  const rest: EnvironmentEntry[] = [];
  for (const e of p.environments) {
    if (e.env.app === undefined) {
      rest.push(e);
      continue;
    }
    const list = byName.get(e.env.name) ?? [];
    if (!list.length) byName.set(e.env.name, list);
    list.push(e);
  }
  const byId = new Map(p.environments.map((e) => [e.env.id, e]));
  const groups = [...byName].map(([name, entries]) => ({ name, entries, source: mostCommon(entries.map((e) => (e.env.promoteFrom ? byId.get(e.env.promoteFrom)?.env.name : undefined))) }));
  return { groups, rest };
}

function mostCommon(names: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of names) if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
  let best: string | undefined;
  for (const [n, c] of counts) if (best === undefined || c > counts.get(best)!) best = n;
  return best;
}

/** Which apps differ between two environments of the project, from the files as the model read them. */
export function diffFromModel(p: ProjectEntry, from: string, to: string): EnvironmentDiff {
  const byId = new Map(p.environments.map((e) => [e.env.id, e]));
  const apps = pairApps(p.project, from, to).map((pair): AppDiff => {
    const fa = pair.from && byId.get(pair.from.id);
    const ta = pair.to && byId.get(pair.to.id);
    if (!pair.from || !pair.to || !fa || !ta) return { ...pair, status: pair.from && fa ? 'only-from' : 'only-to' };
    return compareFiles({ app: pair.app, from: pair.from, to: pair.to }, fa.file, ta.file);
  });
  return { from, to, apps };
}

/** The group compared with its source; undefined when it has none (the first environment). */
export function groupDiff(p: ProjectEntry, g: EnvironmentGroup): EnvironmentDiff | undefined {
  return g.source === undefined ? undefined : diffFromModel(p, g.source, g.name);
}

/** `12 apps · 2 differ from staging · 1 degraded` for an environment row. */
export function groupSummary(p: ProjectEntry, g: EnvironmentGroup, degraded = 0): string {
  const d = groupDiff(p, g);
  const n = g.entries.length;
  const parts = [d ? diffSummary(d) : `${n} app${n === 1 ? '' : 's'}`];
  const errors = g.entries.filter((e) => !e.file.ok).length;
  if (errors) parts.push(`${errors} unreadable`);
  if (degraded) parts.push(`${degraded} degraded`);
  return parts.join(' · ');
}
