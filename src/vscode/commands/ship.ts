import { pickImageProject, shipFlow } from '../images/flows';
import type { CommandDef } from './types';

/** Ship: build → push → deploy to the first environment → watch. Argument: a project root. */
export const ship: CommandDef = {
  id: 'gitopsPilot.ship',
  async run(s, arg) {
    const { project } = await pickImageProject(s, arg);
    return shipFlow(s, project);
  },
};
