import { imageFeature } from '../images/flows';
import type { CommandDef } from './types';

export const refreshImages: CommandDef = {
  id: 'gitopsPilot.refreshImages',
  async run(s) {
    await imageFeature(s).refresh();
  },
};
