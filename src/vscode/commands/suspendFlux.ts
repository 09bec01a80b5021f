import * as vscode from 'vscode';
import { setFluxSuspended } from '../../core/kube/fluxActions';
import { fluxEnvironment } from './reconcileFlux';
import type { CommandDef } from './types';

/** Suspend Flux Reconciliation (`flux suspend`): spec.suspend = true; nothing new is applied until resumed. */
export const suspendFlux: CommandDef = {
  id: 'gitopsPilot.suspendFlux',
  async run(s, node, projectRoot) {
    const { flux, rollouts } = await fluxEnvironment(s, node, projectRoot, 'Suspend Flux Reconciliation');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Suspending ${flux.name}` }, () => setFluxSuspended(rollouts.session(), flux, true));
    s.log.info(`Flux: ${flux.kind} ${flux.namespace}/${flux.name} suspended`);
  },
};
