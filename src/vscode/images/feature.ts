/**
 * Wires the image feature for activate(): the support services (ECR clients, login cache, settings), the
 * Images view over the Workspace's images model, and the deployment hooks (registry check, recent tags).
 * Nothing here does I/O: ECR is first called when the Images view is shown or a command runs.
 */
import * as vscode from 'vscode';
import type { Project } from '../../core/config/model';
import type { ImagesModel } from '../../core/workspace/images';
import type { DeployHooks } from '../commands/types';
import type { Log } from '../log';
import type { RefreshManager } from '../refreshManager';
import type { Settings } from '../settings';
import { ImagesView } from '../views/images/view';
import { imageHooks } from './hooks';
import { ImageSupport } from './support';

export interface ImageFeature extends vscode.Disposable {
  readonly support: ImageSupport;
  readonly model: ImagesModel;
  readonly view: ImagesView;
  /** reloads the Images view's data now */
  refresh(): Promise<void>;
}

const ECR_SETTINGS = ['ecrEndpoint', 'awsProfile', 'awsRegion'] as const;

/** ECR clients and docker from the user's settings. */
export function createImageSupport(settings: Settings, log: Log): ImageSupport {
  return new ImageSupport(
    () => ({
      dockerPath: settings.get('dockerPath'),
      ecrEndpoint: settings.get('ecrEndpoint'),
      awsProfile: settings.get('awsProfile'),
      awsRegion: settings.get('awsRegion'),
      gitPath: settings.get('gitPath'),
    }),
    log,
  );
}

export function createImageFeature(deps: { support: ImageSupport; model: ImagesModel; refresh: RefreshManager; settings: Settings }): ImageFeature {
  const { support, model, refresh, settings } = deps;
  const view = new ImagesView(model, refresh);
  // other credentials or another endpoint: the cached ECR logins are not theirs (the list reloads through the RefreshManager)
  const sub = settings.onDidChange((names) => names.some((n) => (ECR_SETTINGS as readonly string[]).includes(n)) && support.tokens.clear());
  return {
    support,
    model,
    view,
    refresh: () => refresh.refreshImages(),
    dispose: () => {
      sub.dispose();
      view.dispose();
      support.dispose();
    },
  };
}

/** Fills the deployment extension points with ECR lookups. */
export function installImageHooks(hooks: DeployHooks, feature: ImageFeature, projects: () => readonly Project[]): void {
  const h = imageHooks(feature.support, projects, () => vscode.workspace.isTrusted);
  hooks.checkImage = h.checkImage;
  hooks.recentTags = h.recentTags;
}
