import * as vscode from 'vscode';
import { refreshArgoApp as refresh } from '../../core/kube/actions';
import { clusterEnvironment } from '../kube/pick';
import type { CommandDef } from './types';

/** Refresh Argo CD App: asks Argo CD to compare the Application with git again now. */
export const refreshArgoApp: CommandDef = {
  id: 'gitopsPilot.refreshArgoApp',
  async run(s, node, projectRoot) {
    const { target, rollouts } = await clusterEnvironment(s, node, { what: 'Refresh Argo CD App', placeHolder: 'Refresh the Argo CD application of which environment?', need: 'argocd', projectRoot });
    const app = target.argocd!;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Refreshing ${app.application}` }, () =>
      refresh(rollouts.session(), { context: target.context, application: app.application, namespace: app.namespace }),
    );
    s.log.info(`Argo CD: refresh of ${app.application} requested`);
  },
};
