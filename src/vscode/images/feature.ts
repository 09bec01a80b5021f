/**
 * Wires the image feature for activate(): the support services (ECR clients, login cache, settings), the
 * Images model and view, and the deployment hooks (registry check, recent tags). Nothing here does I/O:
 * ECR is first called when the Images view is shown or a command runs.
 */
import * as vscode from 'vscode';
import type { DeployHooks } from '../commands/types';
import type { Log } from '../log';
import type { Settings } from '../settings';
import type { EnvironmentsModel } from '../../core/workspace/environments';
import { ImagesModel } from '../../core/workspace/images';
import { ImagesView } from '../views/images/view';
import { imageHooks } from './hooks';
import { imageProjects } from '../../core/images/registryCheck';
import { ImageSupport } from './support';

export interface ImageFeature extends vscode.Disposable {
  readonly support: ImageSupport;
  readonly model: ImagesModel;
  readonly view: ImagesView;
  /** reloads the Images view's data now */
  refresh(): Promise<void>;
}

const ECR_SETTINGS = ['ecrEndpoint', 'awsProfile', 'awsRegion'] as const;

export function createImageFeature(deps: { log: Log; settings: Settings; environments: EnvironmentsModel }): ImageFeature {
  const { log, settings, environments } = deps;
  const support = new ImageSupport(
    () => ({
      dockerPath: settings.get('dockerPath'),
      ecrEndpoint: settings.get('ecrEndpoint'),
      awsProfile: settings.get('awsProfile'),
      awsRegion: settings.get('awsRegion'),
      gitPath: settings.get('gitPath'),
    }),
    log,
  );
  const projects = () => environments.projects.map((p) => p.project);
  const model = new ImagesModel({
    projects,
    ready: () => environments.ensureLoaded(),
    api: (target) => support.api(target),
    // the SDK's credential chain can run a profile's credential_process: not in an untrusted workspace
    disabled: () => (vscode.workspace.isTrusted ? undefined : 'Trust this workspace to list its images (the AWS credential chain may run programs)'),
    log,
  });
  const projectsKey = () => JSON.stringify(imageProjects(projects()).map((p) => [p.root, p.config?.image?.repository, p.config?.image?.region, p.config?.image?.account]));
  const view = new ImagesView(model, (l) => environments.onDidChange(l), projectsKey);
  const sub = settings.onDidChange((names) => {
    if (names.some((n) => (ECR_SETTINGS as readonly string[]).includes(n))) {
      support.tokens.clear();
      view.markStale();
    }
  });
  return {
    support,
    model,
    view,
    refresh: () => view.refresh(),
    dispose: () => {
      sub.dispose();
      view.dispose();
      model.dispose();
      support.dispose();
    },
  };
}

/** Fills the deployment extension points with ECR lookups. */
export function installImageHooks(hooks: DeployHooks, feature: ImageFeature, environments: EnvironmentsModel): void {
  const h = imageHooks(feature.support, () => environments.projects.map((p) => p.project), () => vscode.workspace.isTrusted);
  hooks.checkImage = h.checkImage;
  hooks.recentTags = h.recentTags;
}
