import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode } from '../../core/errors';
import { imageString } from '../../core/gitops/message';
import { diffEnvironments, diffSummary, type AppDiff } from '../../core/release/diff';
import { flagHelp, parseFlags } from '../args';
import { table, type CliIO } from '../io';
import { dirFlag, jsonFlag, requireProject } from './common';
import { problemJson } from './envs';
import type { CliCommand } from './types';

const flags = {
  from: { type: 'string', description: 'the environment images come from, e.g. staging', valueName: 'A', required: true },
  to: { type: 'string', description: 'the environment they go to, e.g. prod', valueName: 'B', required: true },
  'app-repo': {
    type: 'string',
    description: 'the app repository (one app), or a folder with a clone per app (DIR/<app>), to count commits between git-SHA tags (default: the folder of gitops-pilot.yaml when it is not the GitOps repository)',
    valueName: 'DIR',
  },
  dir: dirFlag,
  json: jsonFlag,
} as const;

function tagText(a: AppDiff, side: 'fromImage' | 'toImage'): string {
  const i = a[side];
  if (!i) return a.status === 'error' ? 'ERROR' : '-';
  return i.tag ?? (i.digest ? i.digest.slice(0, 19) : '(unset)');
}

function note(a: AppDiff): string {
  if (a.status === 'error') return a.error?.message ?? 'unreadable';
  if (a.status === 'only-from') return 'not in the target';
  if (a.status === 'only-to') return 'not in the source';
  if (a.status === 'same') return 'same';
  if (!a.commits) return 'differs';
  return `differs: ${a.commits.ahead} commit${a.commits.ahead === 1 ? '' : 's'} ahead${a.commits.behind ? `, ${a.commits.behind} behind` : ''}`;
}

export const diff: CliCommand = {
  name: 'diff',
  summary: 'which apps differ between two environments (tags, and commits between git-SHA tags)',
  help: () =>
    `Usage: gitops-pilot diff --from staging --to prod [--json] [--app-repo DIR]\n\nLists every app of either environment: same, differs (with the number of app commits between git-SHA tags\nwhen the app repository is at hand), or present on one side only. Exit 0; 2 when a file cannot be read.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'diff');
    const project = await requireProject(f.dir, io);
    const base = f['app-repo'] !== undefined ? resolve(io.cwd, f['app-repo']) : project.configFile && project.root !== project.gitopsRoot ? project.root : undefined;
    const appRepo = (app: string) => (base === undefined ? undefined : existsSync(join(base, app)) ? join(base, app) : base);
    const d = await diffEnvironments(project, f.from!, f.to!, { git: { log: io.log, signal: io.signal, gitPath: io.env.GITOPS_PILOT_GIT || undefined }, appRepo });
    if (f.json) {
      io.out(
        JSON.stringify(
          {
            from: d.from,
            to: d.to,
            summary: diffSummary(d),
            apps: d.apps.map((a) => ({
              app: a.app,
              status: a.status,
              from: a.from ? { environment: a.from.id, file: a.from.relFile, ...(a.fromImage ?? {}) } : null,
              to: a.to ? { environment: a.to.id, file: a.to.relFile, ...(a.toImage ?? {}) } : null,
              commits: a.commits ?? null,
              error: a.error ? problemJson(a.error) : null,
            })),
          },
          null,
          2,
        ),
      );
    } else {
      const rows = [['APP', d.from.toUpperCase(), d.to.toUpperCase(), '']];
      for (const a of d.apps) rows.push([a.app, tagText(a, 'fromImage'), tagText(a, 'toImage'), note(a)]);
      io.out(table(rows));
      io.out(diffSummary(d));
      for (const a of d.apps.filter((x) => x.status === 'differs' && x.fromImage)) io.log.debug(`${a.app}: ${imageString(a.fromImage!)} vs ${imageString(a.toImage ?? {})}`);
    }
    return d.apps.some((a) => a.status === 'error') ? ExitCode.badInput : ExitCode.ok;
  },
};
