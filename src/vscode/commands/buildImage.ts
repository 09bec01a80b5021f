import { buildFlow, pickImageProject } from '../images/flows';
import type { CommandDef } from './types';

/**
 * Build Image (palette, a Dockerfile's explorer menu, the Images view): docker build of the project's image,
 * tagged by its tag policy. Arguments: a Dockerfile Uri (explorer), or a project root (tests, keybindings).
 * Returns the BuildResult.
 */
export const buildImage: CommandDef = {
  id: 'gitopsPilot.buildImage',
  async run(s, arg) {
    const { project, dockerfile } = await pickImageProject(s, arg);
    return buildFlow(s, project, dockerfile);
  },
};
