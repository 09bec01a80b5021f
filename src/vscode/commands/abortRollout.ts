import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { abortRollout as abort } from '../../core/kube/actions';
import { clusterEnvironment, namespaceOf } from '../kube/pick';
import type { CommandDef } from './types';

/** Abort Rollout (Argo Rollouts): the canary is scaled away and traffic goes back to stable. Always asks. */
export const abortRollout: CommandDef = {
  id: 'gitopsPilot.abortRollout',
  async run(s, node, projectRoot) {
    const { entry, target, rollouts } = await clusterEnvironment(s, node, { what: 'Abort Rollout', placeHolder: 'Abort the rollout of which environment?', need: 'rollout', projectRoot });
    const name = target.workload.name;
    const ok = await vscode.window.showWarningMessage(`Abort the rollout of ${name} in ${entry.env.name}?`, { modal: true, detail: 'The canary is scaled down and all traffic goes back to the stable version. Git still declares the new image: roll back or deploy a fix next.' }, 'Abort Rollout');
    if (ok !== 'Abort Rollout') throw cancelled();
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Aborting ${name}` }, async () =>
      abort(rollouts.session(), { context: target.context, namespace: await namespaceOf(rollouts, target), name }),
    );
    s.log.info(`Argo Rollouts: aborted ${name} in ${entry.env.name}`);
  },
};
