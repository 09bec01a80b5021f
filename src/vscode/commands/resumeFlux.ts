import * as vscode from 'vscode';
import { setFluxSuspended } from '../../core/kube/fluxActions';
import { fluxEnvironment } from './reconcileFlux';
import type { CommandDef } from './types';

/** Resume Flux Reconciliation (`flux resume`): spec.suspend = false, and a reconcile is requested. */
export const resumeFlux: CommandDef = {
  id: 'gitopsPilot.resumeFlux',
  async run(s, node, projectRoot) {
    const { flux, rollouts } = await fluxEnvironment(s, node, projectRoot, 'Resume Flux Reconciliation');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Resuming ${flux.name}` }, () => setFluxSuspended(rollouts.session(), flux, false));
    s.log.info(`Flux: ${flux.kind} ${flux.namespace}/${flux.name} resumed`);
  },
};
