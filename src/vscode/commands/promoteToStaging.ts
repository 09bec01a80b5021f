import { noTarget, promoteFlow, promotionTargets } from '../deploy/flows';
import { pickEnvironment } from '../pick';
import type { CommandDef } from './types';

const NAMES = ['staging', 'stage'];

/** Right-click dev → Promote to staging: the exact image (tag and digest) of the source goes to staging. */
export const promoteToStaging: CommandDef = {
  id: 'gitopsPilot.promoteToStaging',
  async run(s, node) {
    const source = await pickEnvironment(s, node, { placeHolder: 'Promote which environment to staging?', filter: (e) => promotionTargets(s, e, NAMES).length > 0 });
    const target = promotionTargets(s, source, NAMES)[0] ?? noTarget(source, 'staging');
    await promoteFlow(s, source, target);
  },
};
