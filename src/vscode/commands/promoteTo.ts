import * as vscode from 'vscode';
import { cancelled } from '../../core/errors';
import { noTarget, promoteFlow, promotionTargets } from '../deploy/flows';
import { pickEnvironment } from '../pick';
import { imageText } from '../format';
import type { CommandDef } from './types';

/** Promote to…: any environment this one promotes to (from promoteFrom in the config or the naming convention). */
export const promoteTo: CommandDef = {
  id: 'gitopsPilot.promoteTo',
  async run(s, node) {
    const source = await pickEnvironment(s, node, { placeHolder: 'Promote which environment?', filter: (e) => promotionTargets(s, e).length > 0 });
    const targets = promotionTargets(s, source);
    if (!targets.length) noTarget(source, 'any environment');
    let target = targets[0]!;
    if (targets.length > 1) {
      const pick = await vscode.window.showQuickPick(
        targets.map((t) => ({ label: t.env.name, description: t.file.ok ? imageText(t.file.declared.repository, t.file.declared.tag) : 'error', detail: t.env.protected ? 'protected: you will type its name to confirm' : undefined, t })),
        { placeHolder: `Promote ${source.env.name} to…` },
      );
      if (!pick) throw cancelled();
      target = pick.t;
    }
    await promoteFlow(s, source, target);
  },
};
