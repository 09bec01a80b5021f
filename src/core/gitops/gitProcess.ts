/**
 * How git runs for GitRepo (git.ts): the process environment (the user's, without editors and pagers,
 * never prompting), simple-git loaded on first use, and git's failure text mapped to PilotErrors that
 * say what to do next.
 */
import type { SimpleGit } from 'simple-git';
import { PilotError } from '../errors';
import type { GitOptions } from './git';

/** Variables git would use to start an editor or pager: never wanted (every commit passes -m). */
const DROPPED_ENV = ['EDITOR', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'PAGER', 'GIT_PAGER', 'GIT_EXTERNAL_DIFF', 'GIT_TEMPLATE_DIR', 'GIT_EXEC_PATH', 'PREFIX'];

/**
 * The environment for git: the user's own (it carries their SSH agent, credential helpers and proxy),
 * minus editors and pagers, plus no terminal prompts. simple-git refuses some variables unless told
 * they are wanted; those that come from the user's environment (never from workspace settings) and
 * serve authentication are allowed.
 */
export function gitEnvironment(base: NodeJS.ProcessEnv = process.env): { env: Record<string, string>; unsafe: Record<string, boolean> } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !DROPPED_ENV.includes(k.toUpperCase())) env[k] = v;
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  env.LC_ALL = 'C';
  const has = (...keys: string[]) => keys.some((k) => env[k] !== undefined);
  return {
    env,
    unsafe: {
      allowUnsafeSshCommand: has('GIT_SSH', 'GIT_SSH_COMMAND'),
      allowUnsafeAskPass: has('GIT_ASKPASS', 'SSH_ASKPASS'),
      allowUnsafeGitProxy: has('GIT_PROXY_COMMAND'),
      allowUnsafeConfigPaths: has('GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM'),
      allowUnsafeConfigEnvCount: has('GIT_CONFIG_COUNT'),
    },
  };
}

/**
 * simple-git (and its `debug` dependency) is loaded on the first git operation, not when the extension
 * activates: evaluating it is most of what loading the extension's bundle would otherwise cost.
 */
export async function makeGit(baseDir: string, opts: GitOptions): Promise<SimpleGit> {
  const { simpleGit } = await import('simple-git');
  const { env, unsafe } = gitEnvironment();
  return simpleGit({
    baseDir,
    binary: opts.gitPath || 'git',
    maxConcurrentProcesses: 2,
    abort: opts.signal,
    timeout: { block: opts.blockTimeoutMs ?? 120_000 },
    trimmed: false,
    unsafe,
  }).env(env);
}

/**
 * Whether a failed push means the remote moved (someone pushed first), as opposed to a real failure.
 * The porcelain line on stdout (`[rejected] … (fetch first)`) is not always part of the error; the hints
 * on stderr are ("Updates were rejected because the remote contains work that you do not have locally").
 */
export function isPushRejected(text: string): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|\(stale info\)|cannot lock ref|failed to update ref|incorrect old value|Updates were rejected because the (remote contains work|tip of your current branch is behind)/i.test(text);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Maps git's failure text to a message with a next step. */
export function translate(err: unknown, context: string, code = 'git.failed', hint?: string): PilotError {
  if (err instanceof PilotError) return err;
  const text = errorText(err);
  const last = text.trim().split('\n').filter((l) => l.trim()).slice(-3).join(' ').slice(0, 400);
  const known: [RegExp, string, string, string][] = [
    [/ENOENT|spawn .* ENOENT|not found: git/i, 'git.notInstalled', 'git was not found', 'Install git, or set gitopsPilot.git.path to its location'],
    [/Authentication failed|could not read Username|Permission denied \(publickey|terminal prompts disabled|401|403 Forbidden/i, 'git.authFailed', 'the git remote refused the credentials', 'Check that you can push from a terminal (credential helper or SSH key), then try again'],
    [/Could not resolve host|unable to access|Could not read from remote|does not appear to be a git repository|Connection refused|timed out/i, 'git.remoteUnreachable', 'the git remote cannot be reached', 'Check the network and the remote URL (git remote -v); your commit, if any, stays local'],
    [/protected branch|GH006|pre-receive hook declined/i, 'git.protectedBranch', 'the remote refused the push (protected branch or hook)', 'Deploy through a pull request: pushMode: pull-request for this environment in gitops-pilot.yaml (or --push-mode pull-request)'],
    [/Author identity unknown|Please tell me who you are|empty ident name/i, 'git.noIdentity', 'git does not know who you are (no user.name / user.email)', 'Run git config --global user.name "Your Name" and git config --global user.email you@example.com'],
    [/index\.lock|Unable to create .*\.lock/i, 'git.locked', 'another git process is running in this repository', 'Wait for it to finish (or remove a stale .git/index.lock), then try again'],
    [/would be overwritten|Your local changes/i, 'git.localChanges', 'uncommitted local changes are in the way', 'Commit or stash them, then try again'],
  ];
  for (const [re, c, m, h] of known) if (re.test(text)) return new PilotError(c, `${context}: ${m}`, { hint: h, detail: text, cause: err });
  return new PilotError(code, `${context}: ${last}`, { hint, detail: text, cause: err });
}
