import type { CommandDef } from './types';

export const refreshEnvironments: CommandDef = {
  id: 'gitopsPilot.refreshEnvironments',
  async run(s) {
    s.refresh.trigger('Refresh button');
    await s.refresh.flush();
  },
};
