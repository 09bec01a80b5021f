import * as vscode from 'vscode';
import { cancelled, inputError } from '../../core/errors';
import { setImageFlow } from '../deploy/flows';
import { requireTrust } from '../deploy/run';
import { environmentsFor } from '../images/flows';
import { TagNode } from '../views/images/nodes';
import { imageText } from '../format';
import type { CommandDef } from './types';

/**
 * Deploy to… on a tag of the Images view: pick the environment ("Deploy to dev", "Deploy to staging" …)
 * and deploy through the GitOps flow (diff, confirmation, commit, push, watch).
 * Arguments: a TagNode, or (repository, tag, environmentId?).
 */
export const deployImageTo: CommandDef = {
  id: 'gitopsPilot.deployImageTo',
  async run(s, node, tagArg, envArg) {
    requireTrust('Deploy');
    let repository: string;
    let tag: string;
    if (node instanceof TagNode) {
      repository = node.entry.repository.uri;
      tag = node.entry.tag;
    } else if (typeof node === 'string' && typeof tagArg === 'string') {
      repository = node;
      tag = tagArg;
    } else {
      throw inputError('deploy.noImage', 'Deploy to… needs an image tag', { hint: 'Right-click a tag in the Images view' });
    }
    await s.workspace.ensureLoaded();
    const candidates = environmentsFor(s, repository);
    if (!candidates.length) throw inputError('env.none', 'No environments found in this workspace', { hint: 'Open the GitOps repository, or describe it in gitops-pilot.yaml' });
    let entry = typeof envArg === 'string' ? candidates.find((e) => e.env.id === envArg) : undefined;
    if (typeof envArg === 'string' && !entry) throw inputError('env.unknown', `No environment "${envArg}" deploys ${repository}`);
    if (!entry) {
      const pick = await vscode.window.showQuickPick(
        candidates.map((e) => ({
          label: `Deploy to ${e.env.app ? `${e.env.app} / ` : ''}${e.env.name}`,
          description: e.file.ok ? `now ${imageText(e.file.declared.repository, e.file.declared.tag)}` : undefined,
          detail: e.env.protected ? 'protected: you will type its name to confirm' : e.env.relFile,
          e,
        })),
        { placeHolder: `Deploy ${tag} to…` },
      );
      if (!pick) throw cancelled();
      entry = pick.e;
    }
    await setImageFlow(s, entry, tag);
  },
};
