import * as vscode from 'vscode';
import { cancelled, inputError } from '../../core/errors';
import { pullRequestEnvironments, pullRequestTarget } from '../../core/pullRequests/flow';
import { label, type Provider } from '../../core/pullRequests/host';
import { requireTrust } from '../deploy/run';
import { tokenHost } from '../pullRequests/auth';
import type { CommandDef, Services } from './types';

interface HostChoice {
  readonly provider: Provider;
  readonly host: string;
  readonly repositories: string[];
}

/** The hosts the workspace's pull-request environments go to (config, else the GitOps clone's remote). */
async function hostsInWorkspace(s: Services): Promise<{ hosts: HostChoice[]; problems: string[] }> {
  await s.workspace.ensureLoaded();
  const git = { log: s.log, gitPath: s.settings.get('gitPath') || undefined };
  const hosts = new Map<string, HostChoice>();
  const problems: string[] = [];
  const projects = [...new Map(pullRequestEnvironments(s.environments.environments).map((e) => [e.project.root, e.project])).values()];
  for (const project of projects) {
    try {
      const t = await pullRequestTarget(project, git);
      const host = tokenHost(t);
      const key = `${t.provider}:${host}`;
      const h = hosts.get(key) ?? { provider: t.provider, host, repositories: [] };
      h.repositories.push(t.repository);
      hosts.set(key, h);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { hosts: [...hosts.values()], problems };
}

/**
 * GitOps Pilot: Set Pull Request Token… — a token for a GitHub or GitLab host, kept in SecretStorage for
 * that host only (used when VS Code's own GitHub sign-in does not cover it). Arguments (for tests and
 * keybindings): (provider, host, token); an empty token removes it.
 */
export const setPullRequestToken: CommandDef = {
  id: 'gitopsPilot.setPullRequestToken',
  async run(s, providerArg, hostArg, tokenArg) {
    requireTrust('Set Pull Request Token');
    const feature = s.pullRequests;
    if (!feature) throw inputError('pr.unavailable', 'Pull requests are not available in this window', { hint: 'Reload the window' });
    let choice: { provider: Provider; host: string } | undefined;
    if ((providerArg === 'github' || providerArg === 'gitlab') && typeof hostArg === 'string' && hostArg) choice = { provider: providerArg, host: hostArg.toLowerCase() };
    if (!choice) {
      const { hosts, problems } = await hostsInWorkspace(s);
      for (const p of problems) s.log.warn(`Set Pull Request Token: ${p}`);
      if (!hosts.length) {
        throw inputError('pr.noHost', 'No environment of this workspace changes through a pull request', {
          hint: problems[0] ?? 'Set pushMode: pull-request on an environment in gitops-pilot.yaml (and gitops.pullRequests when the remote is not on github.com or gitlab.com)',
        });
      }
      const items = await Promise.all(
        hosts.map(async (h) => ({ label: h.host, description: `${label(h.provider)} · ${h.repositories.join(', ')}`, detail: (await feature.auth.hasStored(h.provider, h.host)) ? 'a token is set: enter a new one, or leave empty to remove it' : undefined, h })),
      );
      const pick = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { placeHolder: 'Set the token for which host?' });
      if (!pick) throw cancelled();
      choice = pick.h;
    }
    const had = await feature.auth.hasStored(choice.provider, choice.host);
    const token =
      typeof tokenArg === 'string'
        ? tokenArg
        : await vscode.window.showInputBox({
            title: `${label(choice.provider)} token for ${choice.host}`,
            prompt: `A token that may push and open ${choice.provider === 'github' ? 'pull requests (classic: repo scope; fine-grained: Contents and Pull requests, write)' : 'merge requests (api scope, Developer role)'}.${had ? ' Leave empty to remove the stored one.' : ''} Kept in VS Code's secret storage.`,
            password: true,
            ignoreFocusOut: true,
            validateInput: (v) => (/\s/.test(v.trim()) ? 'A token has no spaces' : !v.trim() && !had ? 'Enter the token' : undefined),
          });
    if (token === undefined) throw cancelled();
    const value = token.trim();
    if (!value && !had) throw cancelled();
    await feature.auth.store(choice.provider, choice.host, value || undefined);
    s.log.info(`${value ? 'stored a' : 'removed the'} ${label(choice.provider)} token for ${choice.host}`);
    void vscode.window.showInformationMessage(value ? `GitOps Pilot will use this token for ${choice.host}.` : `Removed the token for ${choice.host}.`);
  },
};
