/** Pieces the deployment commands share: the project, an environment by name, output of a result. */
import { loadProject } from '../../core/config/project';
import type { Environment, Project } from '../../core/config/model';
import { inputError } from '../../core/errors';
import { imageString } from '../../core/gitops/message';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import { describePullRequest, type PromotionOutcome } from '../../core/pullRequests/flow';
import type { CliIO } from '../io';

export const dirFlag = { type: 'string', description: 'project folder (default: the current directory)', valueName: 'DIR' } as const;
export const jsonFlag = { type: 'boolean', description: 'print one JSON document' } as const;
export const pushFlags = {
  'no-push': { type: 'boolean', description: 'commit locally, do not push' },
  'push-mode': {
    type: 'string',
    description: "direct: push the deployment branch; branch: push a new branch gitops-pilot/<env>/<tag>; pull-request: push gitops-pilot/<env> and open or update its pull request (default: the environment's pushMode, else direct)",
    valueName: 'MODE',
  },
} as const;

export async function requireProject(dir: string | undefined, io: CliIO): Promise<Project> {
  const root = dir ?? io.cwd;
  const project = await loadProject(root);
  if (!project) throw inputError('env.none', `no environments found in ${root}`, { hint: 'Add gitops-pilot.yaml, or run from the GitOps repository' });
  const fatal = project.problems.find((p) => p.code.startsWith('config.') && p.code !== 'config.noEnvironments');
  if (fatal && !project.environments.length) throw fatal;
  return project;
}

export function requireEnv(project: Project, name: string, flag: string): Environment {
  const env = project.environments.find((e) => e.id === name) ?? project.environments.find((e) => e.name === name);
  if (!env) {
    throw inputError('env.unknown', `${flag} ${JSON.stringify(name)}: no such environment`, {
      hint: `Environments: ${project.environments.map((e) => e.id).join(', ') || '(none)'}`,
    });
  }
  return env;
}

/** --no-push, else --push-mode, else the environment's configured pushMode, else direct. */
export function pushMode(flags: { 'no-push': boolean; 'push-mode': string | undefined }, env?: Environment): OperationContext['push'] {
  if (flags['no-push']) return false;
  const mode = flags['push-mode'] ?? env?.pushMode ?? 'direct';
  if (mode !== 'direct' && mode !== 'branch' && mode !== 'pull-request') throw inputError('cli.badFlag', `--push-mode must be direct, branch or pull-request, not ${JSON.stringify(mode)}`);
  return mode;
}

export function operationContext(project: Project, io: CliIO, push: OperationContext['push']): OperationContext {
  return {
    project,
    push,
    git: { log: io.log, signal: io.signal, gitPath: io.env.GITOPS_PILOT_GIT || undefined },
    onProgress: (m) => io.log.info(m),
  };
}

/** A pull request a deployment opened or updated, in --json output. */
export function outcomeJson(pr: PromotionOutcome): Record<string, unknown> {
  return { action: pr.action, number: pr.pullRequest.number, url: pr.pullRequest.url, state: pr.pullRequest.state, head: pr.pullRequest.head, base: pr.pullRequest.base, ...(pr.closedBefore ? { closedBefore: pr.closedBefore.number } : {}) };
}

/** The push and the pull request it opened or updated, for people. */
export function printOutcome(r: { commit?: string; remote?: string; pushedTo?: string }, pr: PromotionOutcome, io: CliIO): void {
  io.out(`  pushed ${r.commit?.slice(0, 7)} to ${r.remote}/${r.pushedTo}`);
  io.out(`  ${pr.action} ${describePullRequest(pr.pullRequest)}: ${pr.pullRequest.url}`);
  if (pr.closedBefore) io.out(`  (the previous one, ${describePullRequest(pr.closedBefore)}, had been closed without merging)`);
}

export function printResult(r: OperationResult, json: boolean, io: CliIO, pr?: PromotionOutcome): number {
  if (json) {
    io.out(
      JSON.stringify(
        {
          status: r.status,
          environment: r.env.id,
          file: r.env.relFile,
          before: r.before,
          after: r.after,
          commit: r.commit ?? null,
          remote: r.remote ?? null,
          pushedTo: r.pushedTo ?? null,
          attempts: r.attempts,
          ...(pr ? { pullRequest: outcomeJson(pr) } : {}),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (r.status === 'unchanged') io.out(`${r.env.id}: already at ${imageString(r.after.tag ? r.after : r.before)} — nothing to commit`);
  else {
    io.out(r.message?.split('\n')[0] ?? '');
    if (pr) {
      printOutcome(r, pr, io);
      return 0;
    }
    io.out(`  ${r.status === 'pushed' ? `pushed ${r.commit?.slice(0, 7)} to ${r.remote}/${r.pushedTo}` : `committed ${r.commit?.slice(0, 7)} locally (not pushed)`}`);
  }
  return 0;
}
