import { noTarget, promoteFlow, promotionTargets } from '../deploy/flows';
import { pickEnvironment } from '../pick';
import type { CommandDef } from './types';

const NAMES = ['prod', 'production', 'prd', 'live'];

/** Right-click staging → Promote to production (protected: the user types its name to confirm). */
export const promoteToProduction: CommandDef = {
  id: 'gitopsPilot.promoteToProduction',
  async run(s, node) {
    const source = await pickEnvironment(s, node, { placeHolder: 'Promote which environment to production?', filter: (e) => promotionTargets(s, e, NAMES).length > 0 });
    const target = promotionTargets(s, source, NAMES)[0] ?? noTarget(source, 'production');
    await promoteFlow(s, source, target);
  },
};
