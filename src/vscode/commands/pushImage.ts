import { pickImageProject, pushFlow } from '../images/flows';
import type { CommandDef } from './types';

/**
 * Push Image: push a local image of the project to ECR (asks which tag, offering this commit's first;
 * asks before creating a missing repository), confirm its digest, offer "Deploy to <first environment>".
 * Arguments: (tag?, projectRoot?). Returns the PushResult.
 */
export const pushImage: CommandDef = {
  id: 'gitopsPilot.pushImage',
  async run(s, tagArg, projectArg) {
    // from the Images view the first argument is the repository row
    const { project } = await pickImageProject(s, typeof tagArg === 'string' ? projectArg : (projectArg ?? tagArg));
    return pushFlow(s, project, typeof tagArg === 'string' ? tagArg : undefined);
  },
};
