/**
 * Pull requests in the editor (issue 17): the tokens (VS Code's GitHub sign-in, else SecretStorage), the
 * session the Workspace's PullRequestsModel reads through, and the commands' shared steps. The flow itself
 * (branch, pull request, merge) is the core's, the same the CLI runs.
 */
import * as vscode from 'vscode';
import type { Project } from '../../core/config/model';
import { connectPullRequests, type PullRequestSession } from '../../core/pullRequests/flow';
import { DisposableOwner } from '../../core/util/lifecycle';
import type { Log } from '../log';
import type { Settings } from '../settings';
import { PullRequestAuth } from './auth';

export class PullRequestFeature extends DisposableOwner {
  readonly auth: PullRequestAuth;

  constructor(secrets: vscode.SecretStorage, private readonly settings: Settings, private readonly log: Log) {
    super();
    this.auth = this.register(new PullRequestAuth(secrets));
  }

  /** A session for a project's pull requests; an input error naming "Set Pull Request Token…" when there is no token. */
  connect(project: Project, signal?: AbortSignal): Promise<PullRequestSession> {
    const git = { log: this.log, signal, gitPath: this.settings.get('gitPath') || undefined };
    return connectPullRequests(project, { git, log: this.log, signal, token: (t) => this.auth.token(t), tokenHint: (p) => this.auth.hint(p) });
  }
}

/** Opens a pull request's page in the browser. */
export async function openInBrowser(url: string): Promise<void> {
  await vscode.env.openExternal(vscode.Uri.parse(url));
}
