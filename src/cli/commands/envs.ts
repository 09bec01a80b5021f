import { loadProject } from '../../core/config/project';
import { ExitCode, formatLocation, inputError, type PilotError } from '../../core/errors';
import { readEnvironmentFile } from '../../core/gitops/environmentFile';
import { flagHelp, parseFlags } from '../args';
import { table, type CliIO } from '../io';
import type { CliCommand } from './types';

const flags = {
  json: { type: 'boolean', description: 'print one JSON document' },
  dir: { type: 'string', description: 'project folder (default: the current directory)', valueName: 'DIR' },
} as const;

export function problemJson(e: PilotError): Record<string, unknown> {
  return { code: e.code, message: e.message, hint: e.hint, ...(e.location ? { file: e.location.file, line: e.location.line, col: e.location.col } : {}) };
}

export const envs: CliCommand = {
  name: 'envs',
  summary: 'list the environments with the image each declares',
  help: () => `Usage: gitops-pilot envs [--json] [--dir DIR]\n\nLists environments from gitops-pilot.yaml or discovered by convention.\nExit 0 when everything reads; 2 when the config or an environment file is invalid (the list is still printed).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'envs');
    const dir = f.dir ?? io.cwd;
    const project = await loadProject(dir);
    if (!project) {
      throw inputError('env.none', `no environments found in ${dir}`, { hint: 'Add gitops-pilot.yaml, or use envs/<env>/values.yaml or overlays/<env>/kustomization.yaml' });
    }
    const states = await Promise.all(project.environments.map(async (env) => ({ env, file: await readEnvironmentFile(env) })));
    const problems = [...project.problems, ...states.flatMap((s) => (s.file.ok ? [] : [s.file.error]))];
    if (f.json) {
      io.out(
        JSON.stringify(
          {
            root: project.root,
            configFile: project.configFile ?? null,
            gitopsRoot: project.gitopsRoot,
            environments: states.map(({ env, file }) => ({
              id: env.id,
              name: env.name,
              app: env.app ?? null,
              file: env.relFile,
              kind: env.locator.kind,
              ...(env.locator.kind === 'helm' ? { path: env.locator.path.join('.') } : env.locator.kind === 'kustomize' ? { kustomizeImage: env.locator.image ?? null } : { container: env.locator.container ?? null }),
              repository: file.ok ? (file.declared.repository ?? null) : null,
              tag: file.ok ? (file.declared.tag ?? null) : null,
              digest: file.ok ? (file.declared.digest ?? null) : null,
              promoteFrom: env.promoteFrom ?? null,
              promotesTo: env.promotesTo,
              protected: env.protected,
              cluster: env.cluster ?? null,
              workload: env.workload ? `${env.workload.kind}/${env.workload.name}` : null,
              argocd: env.argocd ?? null,
              error: file.ok ? null : problemJson(file.error),
            })),
            problems: project.problems.map(problemJson),
          },
          null,
          2,
        ),
      );
    } else {
      const rows = [['ENVIRONMENT', 'TAG', 'REPOSITORY', 'FILE', 'PROMOTES TO']];
      for (const { env, file } of states) {
        rows.push([
          env.id + (env.protected ? ' (protected)' : ''),
          file.ok ? (file.declared.tag ?? '-') : 'ERROR',
          file.ok ? (file.declared.repository ?? '-') : '-',
          env.relFile,
          env.promotesTo.join(', ') || '-',
        ]);
      }
      io.out(table(rows));
      for (const p of problems) io.err(`error: ${p.location ? `${formatLocation(p.location)}: ` : ''}${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    }
    return problems.some((p) => p.kind === 'input') ? ExitCode.badInput : problems.length ? ExitCode.failed : ExitCode.ok;
  },
};
