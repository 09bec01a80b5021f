import type { CommandDef } from './types';

export const showLog: CommandDef = {
  id: 'gitopsPilot.showLog',
  run(s) {
    s.log.show();
  },
};
