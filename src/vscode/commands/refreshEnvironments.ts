import type { CommandDef } from './types';

export const refreshEnvironments: CommandDef = {
  id: 'gitopsPilot.refreshEnvironments',
  async run(s) {
    // file changes waiting for their debounce go first, then everything is read again
    await s.refresh.flush();
    await s.refresh.trigger('Refresh button');
  },
};
