/**
 * The app × environment matrix of a multi-app project (issue 15), as the Environments tree shows it:
 * one row per environment name with its apps as children, and a summary of how the environment compares
 * with the one its apps are promoted from. Computed from the model's already-read files: no I/O.
 */
import type { LiveHealth } from '../kube/liveState';
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

/**
 * `12 apps · 2 differ from staging · 1 degraded · 1 rolling out` for an environment row; `health`: the live
 * health of each of its apps as the tree knows it (undefined: no cluster state for that app).
 */
export function groupSummary(p: ProjectEntry, g: EnvironmentGroup, health: readonly (LiveHealth | undefined)[] = []): string {
  const d = groupDiff(p, g);
  const n = g.entries.length;
  const parts = [d ? diffSummary(d) : `${n} app${n === 1 ? '' : 's'}`];
  const errors = g.entries.filter((e) => !e.file.ok).length;
  if (errors) parts.push(`${errors} unreadable`);
  parts.push(...liveParts(tallyHealth(health)));
  return parts.join(' · ');
}

/** How many apps are in each live state (the ones with no cluster state are not counted). */
export type HealthTally = Readonly<Record<LiveHealth, number>>;

export function tallyHealth(health: readonly (LiveHealth | undefined)[]): HealthTally {
  const t: Record<LiveHealth, number> = { connecting: 0, progressing: 0, healthy: 0, degraded: 0, drift: 0, error: 0 };
  for (const h of health) if (h !== undefined) t[h]++;
  return t;
}

/** The parts of a summary worth a glance, worst first: `1 degraded`, `2 rolling out`, `1 drift`, `1 cluster unavailable`. */
export function liveParts(t: HealthTally): string[] {
  const parts: string[] = [];
  if (t.degraded) parts.push(`${t.degraded} degraded`);
  if (t.progressing) parts.push(`${t.progressing} rolling out`);
  if (t.drift) parts.push(`${t.drift} drift`);
  if (t.error) parts.push(`${t.error} cluster unavailable`);
  return parts;
}

/** The state a row of several apps shows by its icon: the worst of them; undefined when none has cluster state. */
export function worstHealth(t: HealthTally): LiveHealth | undefined {
  const order: LiveHealth[] = ['degraded', 'error', 'drift', 'progressing', 'connecting', 'healthy'];
  return order.find((h) => t[h] > 0);
}

/** The grouping the Environments view shows a multi-app project in (a toggle in its title). */
export type Grouping = 'environment' | 'application';

export interface AppGroup {
  readonly app: string;
  /** the app's environments, in the order of the project (its promotion chain) */
  readonly entries: readonly EnvironmentEntry[];
}

/** app → environments when the project has several apps; undefined: a single-app project, shown as before. */
export function groupByApp(p: ProjectEntry): { groups: readonly AppGroup[]; rest: readonly EnvironmentEntry[] } | undefined {
  const apps = appsOf(p);
  if (apps.length < 2) return undefined;
  return {
    groups: apps.map((app) => ({ app, entries: p.environments.filter((e) => e.env.app === app) })),
    rest: p.environments.filter((e) => e.env.app === undefined),
  };
}

/**
 * `3 environments · 1 behind · 1 degraded` for an app row: how many of its environments differ from the one
 * they are promoted from (so a promotion is waiting), unreadable files, and the live states of its environments.
 */
export function appSummary(p: ProjectEntry, g: AppGroup, health: readonly (LiveHealth | undefined)[] = []): string {
  const n = g.entries.length;
  const parts = [`${n} environment${n === 1 ? '' : 's'}`];
  const byId = new Map(p.environments.map((e) => [e.env.id, e]));
  let behind = 0;
  for (const e of g.entries) {
    const src = e.env.promoteFrom === undefined ? undefined : byId.get(e.env.promoteFrom);
    if (src && compareFiles({ app: g.app, from: src.env, to: e.env }, src.file, e.file).status === 'differs') behind++;
  }
  if (behind) parts.push(`${behind} behind`);
  const errors = g.entries.filter((e) => !e.file.ok).length;
  if (errors) parts.push(`${errors} unreadable`);
  parts.push(...liveParts(tallyHealth(health)));
  return parts.join(' · ');
}
