import { setGrouping } from './groupByApplication';
import type { CommandDef } from './types';

/** Group by Environment (the view's title): each environment with its apps as children (the default). */
export const groupByEnvironment: CommandDef = {
  id: 'gitopsPilot.groupByEnvironment',
  run: (s) => setGrouping(s, 'environment'),
};
