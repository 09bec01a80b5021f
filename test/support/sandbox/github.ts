/**
 * The sandbox's GitHub (issue 17): the GitHub emulator serving the sandbox's bare GitOps repository as
 * sandbox/demo-app-gitops (as a GitHub Enterprise host, plain http on loopback), with prod changed only
 * through pull requests (`pushMode: pull-request` and `gitops.pullRequests` written into the app's
 * gitops-pilot.yaml and committed), a "CI" that reports a passing check on every new head of a pull request,
 * and the token the editor and the CLI use, in the environment the way `gh` reads it: GH_HOST names the
 * host and GH_ENTERPRISE_TOKEN its token (GITHUB_TOKEN for the CLI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { startGitHubEmulator, type GitHubEmulator } from '../github/emulator';
import { APP, git, type SandboxLayout } from './layout';

export const SANDBOX_REPOSITORY = `sandbox/${APP}-gitops`;
/** the developer's token (the sandbox's own: it opens nothing anywhere else) */
export const SANDBOX_GITHUB_TOKEN = 'ghp_sandboxDeveloperToken0123456789ab';
/** a reviewer, for approving or commenting as someone else */
export const SANDBOX_REVIEWER_TOKEN = 'ghp_sandboxReviewerToken0123456789abc';
/** the environments that change only through a pull request */
export const PULL_REQUEST_ENVIRONMENTS = ['prod'];

export interface SandboxGitHub {
  readonly emulator: GitHubEmulator;
  /** environment for the extension host and the CLI */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the emulator on the layout's bare repository and sends prod through pull requests. */
export async function startSandboxGitHub(layout: SandboxLayout, o: { requireApproval?: boolean; log?: (line: string) => void } = {}): Promise<SandboxGitHub> {
  const emulator = await startGitHubEmulator({
    repos: { [SANDBOX_REPOSITORY]: layout.gitopsBare },
    users: [
      { login: 'developer', token: SANDBOX_GITHUB_TOKEN },
      { login: 'reviewer', token: SANDBOX_REVIEWER_TOKEN },
    ],
    requireApproval: o.requireApproval ?? false,
  });
  o.log?.(`GitHub emulator at ${emulator.api} serving ${SANDBOX_REPOSITORY}`);
  sendThroughPullRequests(layout, emulator.api);
  // CI: every new head of an open pull request gets a passing check, as a pipeline would report it
  const reported = new Set<string>();
  const ci = setInterval(() => {
    for (const p of emulator.pulls) {
      if (p.state !== 'open') continue;
      let sha: string;
      try {
        sha = git(layout.root, '--git-dir', layout.gitopsBare, 'rev-parse', '--verify', '-q', `refs/heads/${p.head}`);
      } catch {
        continue; // the branch is gone (deleted after a merge)
      }
      if (!sha || reported.has(sha)) continue;
      reported.add(sha);
      emulator.setStatus(SANDBOX_REPOSITORY, sha, 'ci/validate-manifests', 'success');
    }
  }, 200);
  ci.unref();
  return {
    emulator,
    env: { GH_HOST: emulator.host, GH_ENTERPRISE_TOKEN: SANDBOX_GITHUB_TOKEN, GITHUB_TOKEN: SANDBOX_GITHUB_TOKEN },
    async stop() {
      clearInterval(ci);
      await emulator.close();
    },
  };
}

/** `gitops.pullRequests` and `pushMode: pull-request` in the app's gitops-pilot.yaml, committed like a team's change. */
function sendThroughPullRequests(layout: SandboxLayout, api: string): void {
  const file = join(layout.appRepo, 'gitops-pilot.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['gitops', 'pullRequests'], doc.createNode({ provider: 'github', api, repository: SANDBOX_REPOSITORY }, { flow: true }));
  const envs = doc.get('environments');
  if (!isSeq(envs)) throw new Error('the sandbox gitops-pilot.yaml has no environments list');
  for (const e of envs.items) if (isMap(e) && PULL_REQUEST_ENVIRONMENTS.includes(String(e.get('name')))) e.set('pushMode', 'pull-request');
  writeFileSync(file, doc.toString());
  git(layout.appRepo, 'commit', '-q', '-am', 'gitops-pilot.yaml: prod changes only through reviewed pull requests');
}
