/**
 * Pull requests on the command line: the session bump/promote/rollback use in the pull-request push mode
 * (tokens from GITHUB_TOKEN / GH_TOKEN / GITLAB_TOKEN), and `gitops-pilot pr status|merge --env E`.
 */
import type { Project } from '../../core/config/model';
import { ExitCode, inputError } from '../../core/errors';
import type { OperationContext, OperationResult } from '../../core/gitops/operations';
import type { TransactionResult } from '../../core/gitops/transaction';
import { promotionBranchName } from '../../core/pullRequests/content';
import { closedError, connectPullRequests, describePullRequest, findPromotion, findReleasePromotion, mergePullRequest, openOrUpdatePullRequest, openOrUpdateReleasePullRequest, waitForPullRequest, type PromotionOutcome, type PullRequestSession } from '../../core/pullRequests/flow';
import { tokenFromEnv } from '../../core/pullRequests/host';
import type { PullRequest } from '../../core/pullRequests/types';
import type { ImagesCommitResult } from '../../core/release/commitImages';
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
export function deployMaybeThroughPullRequest(
  project: Project,
  io: CliIO,
  push: OperationContext['push'],
  run: () => Promise<OperationResult>,
): Promise<{ result: OperationResult; pr?: PromotionOutcome }> {
  return throughPullRequest(project, io, push, run, (s, result) => openOrUpdatePullRequest(s, result, { git: gitOptions(io) }));
}

/** The same for a release of several apps to the environment named `envName` (undefined: the ones it edits): one pull request from gitops-pilot/<env>/_release. */
export function releaseMaybeThroughPullRequest<R extends ImagesCommitResult>(project: Project, io: CliIO, push: OperationContext['push'], envName: string | undefined, run: () => Promise<R>): Promise<{ result: R; pr?: PromotionOutcome }> {
  return throughPullRequest(project, io, push, run, (s, result) => openOrUpdateReleasePullRequest(s, result, envName, { git: gitOptions(io) }));
}

async function throughPullRequest<R extends TransactionResult>(
  project: Project,
  io: CliIO,
  push: OperationContext['push'],
  run: () => Promise<R>,
  open: (s: PullRequestSession, result: R) => Promise<PromotionOutcome>,
): Promise<{ result: R; pr?: PromotionOutcome }> {
  const session = push === 'pull-request' ? await cliPullRequests(project, io) : undefined;
  const result = await run();
  if (!session || result.status !== 'pushed') return { result };
  return { result, pr: await open(session, result) };
}

const flags = {
  env: { type: 'string', description: 'the environment', valueName: 'E', required: true },
  app: { type: 'string', description: "with several apps: that app's promotion pull request (without it: the release's)", valueName: 'APP' },
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
    `Usage: gitops-pilot pr status --env E [--app APP] [--wait] [--json]\n       gitops-pilot pr merge --env E [--app APP] [--yes]\n\nThe pull request (GitHub) or merge request (GitLab) that pushMode: pull-request opened for the environment.\nWith several apps (apps: in gitops-pilot.yaml) each app's promotion has its own (branch gitops-pilot/E/APP):\n--app APP picks it; without --app it is the release's (promote --all / --app ..., branch gitops-pilot/E/_release).\nstatus exits 0 when it is merged, 3 while it is open, 1 when it was closed without merging or there is none.\nmerge merges its head commit when the host says it is mergeable. Tokens: GITHUB_TOKEN or GH_TOKEN, GITLAB_TOKEN.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f, positional } = parseFlags(argv, flags, 'pr');
    const action = positional[0];
    if (action !== 'status' && action !== 'merge') throw inputError('cli.badFlag', `pr needs an action: status or merge${action ? `, not ${JSON.stringify(action)}` : ''}`, { hint: 'Run: gitops-pilot pr --help' });
    const interval = f.interval === undefined ? 15_000 : parseDuration(f.interval);
    const timeout = f.timeout === undefined ? undefined : parseDuration(f.timeout);
    if (interval === undefined || interval <= 0) throw inputError('cli.badFlag', `--interval ${JSON.stringify(f.interval)} is not a duration`, { hint: 'Use e.g. 10s or 1m' });
    if (f.timeout !== undefined && timeout === undefined) throw inputError('cli.badFlag', `--timeout ${JSON.stringify(f.timeout)} is not a duration`, { hint: 'Use e.g. 30m' });
    const project = await requireProject(f.dir, io);
    const pick = pickPromotion(project, f.env!, f.app);
    if (action === 'merge' && pick.protected && !f.yes) {
      throw inputError('env.needsConfirmation', `${pick.label} is protected: merging its pull request deploys it and needs explicit confirmation`, { hint: 'Pass --yes' });
    }
    const session = await cliPullRequests(project, io);
    let found = await pick.find(session);
    if (!found) {
      io.err(`${pick.label}: no promotion pull request (branch ${session.target.repository}:${pick.branch})`);
      io.err(`hint: ${pick.hint}`);
      return ExitCode.failed;
    }
    const print = (p: PullRequest) => (f.json ? undefined : io.out(`${pick.label}: ${describePullRequest(p)}${p.blocked && p.state === 'open' ? ` (${p.blocked})` : ''} ${p.url}`));
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

/**
 * Which promotion pull request `--env E [--app A]` means: the environment's; with several apps, one app's
 * (`--app A`, or `--env A/E`), or without --app the release's (several apps of E in one commit).
 */
function pickPromotion(project: Project, envFlag: string, app: string | undefined): { label: string; branch: string; protected: boolean; hint: string; find(s: PullRequestSession): Promise<PullRequest | undefined> } {
  const promote = 'Promote with --push-mode pull-request (or pushMode: pull-request in gitops-pilot.yaml) to open one';
  const exact = app === undefined ? project.environments.find((e) => e.id === envFlag) : undefined;
  const named = project.environments.filter((e) => e.name === envFlag);
  if (app !== undefined || exact || named.length <= 1) {
    const env = app !== undefined ? requireEnv(project, `${app}/${envFlag}`, '--app/--env') : (exact ?? requireEnv(project, envFlag, '--env'));
    return { label: env.id, branch: promotionBranchName(env.name, { app: env.app }), protected: !!env.protected, hint: promote, find: (s) => findPromotion(s, env) };
  }
  const apps = named.map((e) => e.app ?? e.id);
  return {
    label: envFlag,
    branch: promotionBranchName(envFlag, { release: true }),
    protected: named.some((e) => e.protected),
    hint: `Without --app this is the release's pull request (promote --all or --app ..., in pull-request mode). For one app's own: --app ${apps.join(' | --app ')}`,
    find: (s) => findReleasePromotion(s, envFlag),
  };
}
