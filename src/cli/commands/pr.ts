/**
 * Pull requests on the command line: the session bump/promote/rollback use in the pull-request push mode
 * (tokens from GITHUB_TOKEN / GH_TOKEN / GITLAB_TOKEN), and `gitops-pilot pr status|merge --env E`.
 */
import type { Project } from '../../core/config/model';
import { ExitCode, inputError } from '../../core/errors';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import { closedError, connectPullRequests, describePullRequest, findPromotion, mergePullRequest, openOrUpdatePullRequest, waitForPullRequest, type PromotionOutcome, type PullRequestSession } from '../../core/pullRequests/flow';
import { tokenFromEnv } from '../../core/pullRequests/host';
import type { PullRequest } from '../../core/pullRequests/types';
import { parseDuration } from '../../core/util/time';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag, requireEnv, requireProject } from './common';
import type { CliCommand } from './types';

function gitOptions(io: CliIO) {
  return { log: io.log, signal: io.signal, gitPath: io.env.GITOPS_PILOT_GIT || undefined };
}

export function cliPullRequests(project: Project, io: CliIO): Promise<PullRequestSession> {
  return connectPullRequests(project, { git: gitOptions(io), log: io.log, signal: io.signal, token: async (t) => tokenFromEnv(t.provider, io.env) });
}

/**
 * Runs a deployment in the given push mode; in the pull-request mode the host and token are checked
 * first (nothing is written without them) and the pull request is opened or updated after the push.
 */
export async function deployMaybeThroughPullRequest(
  project: Project,
  io: CliIO,
  push: OperationContext['push'],
  run: () => Promise<OperationResult>,
): Promise<{ result: OperationResult; pr?: PromotionOutcome }> {
  const session = push === 'pull-request' ? await cliPullRequests(project, io) : undefined;
  const result = await run();
  if (!session || result.status !== 'pushed') return { result };
  return { result, pr: await openOrUpdatePullRequest(session, result, { git: gitOptions(io) }) };
}

const flags = {
  env: { type: 'string', description: 'the environment', valueName: 'E', required: true },
  wait: { type: 'boolean', description: 'status: follow the pull request until it is merged (exit 0) or closed (exit 1)' },
  interval: { type: 'string', description: 'status --wait: how often to ask the host (default 15s)', valueName: 'DURATION' },
  timeout: { type: 'string', description: 'status --wait: give up after this long with exit 3 (default: no limit)', valueName: 'DURATION' },
  yes: { type: 'boolean', description: 'merge: confirm a protected environment (required for them)' },
  dir: dirFlag,
  json: jsonFlag,
} as const;

function toJson(pr: PullRequest): Record<string, unknown> {
  return { ...pr, summary: describePullRequest(pr) };
}

export const pr: CliCommand = {
  name: 'pr',
  summary: "an environment's promotion pull request: status [--wait], merge",
  help: () =>
    `Usage: gitops-pilot pr status --env E [--wait] [--json]\n       gitops-pilot pr merge --env E [--yes]\n\nThe pull request (GitHub) or merge request (GitLab) that pushMode: pull-request opened for the environment.\nstatus exits 0 when it is merged, 3 while it is open, 1 when it was closed without merging or there is none.\nmerge merges its head commit when the host says it is mergeable. Tokens: GITHUB_TOKEN or GH_TOKEN, GITLAB_TOKEN.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f, positional } = parseFlags(argv, flags, 'pr');
    const action = positional[0];
    if (action !== 'status' && action !== 'merge') throw inputError('cli.badFlag', `pr needs an action: status or merge${action ? `, not ${JSON.stringify(action)}` : ''}`, { hint: 'Run: gitops-pilot pr --help' });
    const interval = f.interval === undefined ? 15_000 : parseDuration(f.interval);
    const timeout = f.timeout === undefined ? undefined : parseDuration(f.timeout);
    if (interval === undefined || interval <= 0) throw inputError('cli.badFlag', `--interval ${JSON.stringify(f.interval)} is not a duration`, { hint: 'Use e.g. 10s or 1m' });
    if (f.timeout !== undefined && timeout === undefined) throw inputError('cli.badFlag', `--timeout ${JSON.stringify(f.timeout)} is not a duration`, { hint: 'Use e.g. 30m' });
    const project = await requireProject(f.dir, io);
    const env = requireEnv(project, f.env!, '--env');
    if (action === 'merge' && env.protected && !f.yes) {
      throw inputError('env.needsConfirmation', `${env.name} is protected: merging its pull request deploys it and needs explicit confirmation`, { hint: 'Pass --yes' });
    }
    const session = await cliPullRequests(project, io);
    let found = await findPromotion(session, env);
    if (!found) {
      io.err(`${env.name}: no promotion pull request (branch ${session.target.repository}:gitops-pilot/${env.name})`);
      io.err(`hint: Promote with --push-mode pull-request (or pushMode: pull-request in gitops-pilot.yaml) to open one`);
      return ExitCode.failed;
    }
    const print = (p: PullRequest) => (f.json ? undefined : io.out(`${env.name}: ${describePullRequest(p)}${p.blocked && p.state === 'open' ? ` (${p.blocked})` : ''} ${p.url}`));
    if (action === 'merge') {
      const merged = await mergePullRequest(session, found);
      if (f.json) io.out(JSON.stringify(toJson(merged), null, 2));
      else print(merged);
      return merged.state === 'merged' ? ExitCode.ok : ExitCode.failed;
    }
    if (f.wait && found.state === 'open') {
      const end = timeout === undefined ? undefined : Date.now() + timeout;
      found = await waitForPullRequest(session, found.number, { intervalMs: interval, signal: io.signal, onChange: print, deadline: end === undefined ? undefined : () => Date.now() >= end });
    } else print(found);
    if (f.json) io.out(JSON.stringify(toJson(found), null, 2));
    if (found.state === 'merged') return ExitCode.ok;
    if (found.state === 'closed') {
      const e = closedError(found);
      io.err(`error: ${e.message}`);
      io.err(`hint: ${e.hint}`);
      return ExitCode.failed;
    }
    return ExitCode.progressing;
  },
};
