/** git for the extension-host runs' fixtures: one identity (CI machines have none), stdout trimmed, stderr in the error. */
import { spawnSync } from 'node:child_process';

/** CI machines have no global git identity; the fixtures and the extension host commit as this one. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'GitOps Pilot Tests',
  GIT_AUTHOR_EMAIL: 'tests@gitops-pilot.invalid',
  GIT_COMMITTER_NAME: 'GitOps Pilot Tests',
  GIT_COMMITTER_EMAIL: 'tests@gitops-pilot.invalid',
};

/** `git ARGS` in `cwd` as GIT_IDENTITY; its stdout, trimmed. Throws with stderr when git fails. */
export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_IDENTITY }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
