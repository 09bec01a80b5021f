/**
 * Which apps differ between two environments (issue 15): the `diff` command and the editor's compare.
 * Apps are matched by name (`<app>/<from>` with `<app>/<to>`); a single-app project compares its two
 * environments. For git-SHA tags, the number of app commits between them when the app repository is at hand.
 */
import type { Environment, Project } from '../config/model';
import { inputError, type PilotError } from '../errors';
import { readEnvironmentFile, type EnvironmentFileState } from '../gitops/environmentFile';
import { GitRepo, type GitOptions } from '../gitops/git';
import type { ImageRef } from '../gitops/message';

export type AppDiffStatus = 'same' | 'differs' | 'only-from' | 'only-to' | 'error';

export interface AppDiff {
  /** the app name, or the environment name in a single-app project */
  readonly app: string;
  readonly from?: Environment;
  readonly to?: Environment;
  readonly fromImage?: ImageRef;
  readonly toImage?: ImageRef;
  readonly status: AppDiffStatus;
  /** git-SHA tags: commits of the app repository in `from` and not in `to` (and the reverse) */
  readonly commits?: { readonly ahead: number; readonly behind: number };
  readonly error?: PilotError;
}

export interface EnvironmentDiff {
  readonly from: string;
  readonly to: string;
  readonly apps: readonly AppDiff[];
}

export interface DiffOptions {
  readonly git: GitOptions;
  /** the app's source repository (for counting commits between git-SHA tags); undefined: not at hand */
  readonly appRepo?: (app: string) => string | undefined;
}

/** The commit a tag names: a short or full hex SHA, alone or after `sha-` / `<branch>-`. */
export function shaOfTag(tag: string | undefined): string | undefined {
  const m = tag ? /(?:^|[-_.])([0-9a-f]{7,40})$/.exec(tag) : null;
  return m && /[a-f]/.test(m[1]!) && /[0-9]/.test(m[1]!) ? m[1] : undefined;
}

/** The environments named `name` (or with that id), keyed by app. */
function byApp(project: Project, name: string, flag: string): Map<string, Environment> {
  const direct = project.environments.find((e) => e.id === name && !e.app);
  if (direct) return new Map([[direct.name, direct]]);
  const envs = project.environments.filter((e) => e.name === name);
  if (!envs.length) {
    const names = [...new Set(project.environments.map((e) => e.name))];
    throw inputError('env.unknown', `${flag} ${JSON.stringify(name)}: no such environment`, { hint: `Environments: ${names.join(', ') || '(none)'}` });
  }
  return new Map(envs.map((e) => [e.app ?? e.name, e]));
}

/** The apps of `from` and `to` side by side, every app of either in the order of the project. */
export function pairApps(project: Project, from: string, to: string): { app: string; from?: Environment; to?: Environment }[] {
  const a = byApp(project, from, '--from');
  const b = byApp(project, to, '--to');
  if (a.size === 1 && b.size === 1 && ![...a.values()][0]!.app && ![...b.values()][0]!.app) {
    const [f] = a.values();
    const [t] = b.values();
    if (f!.id === t!.id) throw inputError('diff.same', `--from and --to are both ${from}`);
    return [{ app: t!.name, from: f, to: t }];
  }
  const apps = [...new Set([...a.keys(), ...b.keys()])];
  return apps.map((app) => ({ app, from: a.get(app), to: b.get(app) }));
}

function same(x: ImageRef, y: ImageRef): boolean {
  return x.tag === y.tag && (x.digest ?? null) === (y.digest ?? null);
}

/** One app's two sides compared from their files as read (the diff command, or the tree from its model). */
export function compareFiles(p: { app: string; from: Environment; to: Environment }, fa: EnvironmentFileState, ta: EnvironmentFileState): AppDiff {
  if (!fa.ok || !ta.ok) return { ...p, status: 'error', error: !fa.ok ? fa.error : !ta.ok ? ta.error : undefined };
  const fromImage: ImageRef = { repository: fa.declared.repository, tag: fa.declared.tag, digest: fa.declared.digest };
  const toImage: ImageRef = { repository: ta.declared.repository, tag: ta.declared.tag, digest: ta.declared.digest };
  return { ...p, fromImage, toImage, status: same(fromImage, toImage) ? 'same' : 'differs' };
}

export async function diffEnvironments(project: Project, from: string, to: string, opts: DiffOptions): Promise<EnvironmentDiff> {
  const pairs = pairApps(project, from, to);
  const apps = await Promise.all(
    pairs.map(async (p): Promise<AppDiff> => {
      if (!p.from || !p.to) return { ...p, status: p.from ? 'only-from' : 'only-to' };
      const [fa, ta] = await Promise.all([readEnvironmentFile(p.from), readEnvironmentFile(p.to)]);
      const d = compareFiles({ app: p.app, from: p.from, to: p.to }, fa, ta);
      const commits = d.status === 'differs' ? await countCommits(opts, p.app, d.fromImage?.tag, d.toImage?.tag) : undefined;
      return { ...d, ...(commits ? { commits } : {}) };
    }),
  );
  return { from, to, apps };
}

async function countCommits(opts: DiffOptions, app: string, fromTag: string | undefined, toTag: string | undefined): Promise<{ ahead: number; behind: number } | undefined> {
  const dir = opts.appRepo?.(app);
  const a = shaOfTag(fromTag);
  const b = shaOfTag(toTag);
  if (!dir || !a || !b) return undefined;
  try {
    const repo = await GitRepo.open(dir, opts.git);
    const [ra, rb] = await Promise.all([repo.resolve(a), repo.resolve(b)]);
    if (!ra || !rb) return undefined;
    return await repo.aheadBehind(ra, rb);
  } catch {
    // the repository is not at hand after all: the tags still say what differs
    return undefined;
  }
}

/** `12 apps · 2 differ from staging` for an environment row or a CLI summary. */
export function diffSummary(d: EnvironmentDiff): string {
  const n = d.apps.filter((a) => a.to).length;
  const differ = d.apps.filter((a) => a.status === 'differs').length;
  return `${n} app${n === 1 ? '' : 's'} · ${differ} differ${differ === 1 ? 's' : ''} from ${d.from}`;
}

/** A tag as a row shows it: the tag, else the digest's start. */
export function tagText(i: { tag?: string; digest?: string } | undefined): string {
  return i?.tag ?? (i?.digest ? `@${i.digest.slice(0, 19)}…` : '(unset)');
}

/** One app of a diff as a row says it: `1.0.0 → 1.1.0`, and `differs · 3 commits ahead` / `same` / `only in staging`. */
export function describeAppDiff(a: AppDiff, d: Pick<EnvironmentDiff, 'from' | 'to'>): { label: string; description: string; detail: string } {
  switch (a.status) {
    case 'only-from':
      return { label: a.app, description: `${d.from}: ${a.from?.relFile ?? ''}`, detail: `only in ${d.from}` };
    case 'only-to':
      return { label: a.app, description: `${d.to}: ${a.to?.relFile ?? ''}`, detail: `only in ${d.to}` };
    case 'error':
      return { label: a.app, description: 'unreadable', detail: a.error?.message ?? 'the file could not be read' };
    default: {
      const commits = a.commits ? ` · ${a.commits.ahead} commit${a.commits.ahead === 1 ? '' : 's'} ahead${a.commits.behind ? `, ${a.commits.behind} behind` : ''}` : '';
      return {
        label: a.app,
        description: a.status === 'same' ? tagText(a.toImage) : `${tagText(a.toImage)} → ${tagText(a.fromImage)}`,
        detail: a.status === 'same' ? `same in ${d.from} and ${d.to}` : `${d.to} differs from ${d.from}${commits}`,
      };
    }
  }
}
