/**
 * Tokens for the pull-request hosts in the editor: VS Code's own GitHub sign-in where it covers the host
 * (`github` for github.com, `github-enterprise` for the server named by the `github-enterprise.uri`
 * setting), else a token the user set with "GitOps Pilot: Set Pull Request Token…", kept in SecretStorage
 * under its host, else the environment's token for that host as `gh`/`glab` read it. A token is only ever
 * sent to the host it was set for, whatever a gitops-pilot.yaml says.
 * Nothing here asks the user to sign in: reading the tree must never pop up a dialog.
 */
import * as vscode from 'vscode';
import { registerSecret } from '../../core/log';
import { label, type Provider, type PullRequestTarget } from '../../core/pullRequests/host';
import { authProviderFor, environmentToken, tokenHost } from '../../core/pullRequests/tokens';

export { tokenHost };
import { Emitter } from '../../core/util/events';
import { DisposableOwner } from '../../core/util/lifecycle';

export const SET_TOKEN_COMMAND = 'GitOps Pilot: Set Pull Request Token…';

function secretKey(provider: Provider, host: string): string {
  return `gitopsPilot.pullRequestToken:${provider}:${host}`;
}

export class PullRequestAuth extends DisposableOwner {
  private readonly changed = this.register(new Emitter<void>());
  /** a token was set or removed, or the user signed in or out of GitHub */
  readonly onDidChange = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {
    super();
    this.register(vscode.authentication.onDidChangeSessions((e) => (e.provider.id === 'github' || e.provider.id === 'github-enterprise') && this.changed.fire()));
    this.register(secrets.onDidChange((e) => e.key.startsWith('gitopsPilot.pullRequestToken:') && this.changed.fire()));
  }

  /** The token for a target: VS Code's GitHub session for the host (silently), else the stored one. */
  async token(target: PullRequestTarget): Promise<string | undefined> {
    const provider = authProviderFor(target, vscode.workspace.getConfiguration('github-enterprise').get<string>('uri'));
    if (provider) {
      try {
        const session = await vscode.authentication.getSession(provider, ['repo'], { createIfNone: false, silent: true });
        if (session?.accessToken) {
          registerSecret(session.accessToken);
          return session.accessToken;
        }
      } catch {
        // no such provider in this VS Code (e.g. a web build without the GitHub extension): the stored token
      }
    }
    const stored = (await this.secrets.get(secretKey(target.provider, tokenHost(target)))) ?? environmentToken(target, process.env);
    registerSecret(stored);
    return stored;
  }

  async hasStored(provider: Provider, host: string): Promise<boolean> {
    return (await this.secrets.get(secretKey(provider, host))) !== undefined;
  }

  async store(provider: Provider, host: string, token: string | undefined): Promise<void> {
    if (token) {
      registerSecret(token);
      await this.secrets.store(secretKey(provider, host), token);
    } else await this.secrets.delete(secretKey(provider, host));
    this.changed.fire();
  }

  /** The next step the "no token" error names. */
  hint(p: Provider): string {
    return `Run "${SET_TOKEN_COMMAND}"${p === 'github' ? ' (or sign in to GitHub in VS Code: Accounts menu)' : ''} with a token that may push and open ${p === 'github' ? 'pull' : 'merge'} requests (${label(p)}: ${p === 'github' ? 'the repo scope' : 'the api scope'})`;
  }
}
