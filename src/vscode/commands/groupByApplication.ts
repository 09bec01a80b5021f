import type { Grouping } from '../../core/apps/matrix';
import type { CommandDef, Services } from './types';

/** Sets the Environments view's grouping of multi-app projects; returns it (for tests and keybindings). */
export async function setGrouping(s: Services, g: Grouping): Promise<Grouping> {
  await s.grouping.set(g);
  return s.grouping.value;
}

/** Group by Application (the view's title): each app with its environments as children. */
export const groupByApplication: CommandDef = {
  id: 'gitopsPilot.groupByApplication',
  run: (s) => setGrouping(s, 'application'),
};
