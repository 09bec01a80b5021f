import { planBuild } from '../../core/images/build';
import { pushImage } from '../../core/images/push';
import { validateTag } from '../../core/images/reference';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag } from './common';
import { createRepositoryFlag, imageContext, imageFlags, printPushed, pushJson, requireImageProject } from './imageCommon';
import type { CliCommand } from './types';

const flags = {
  tag: { type: 'string', description: 'the tag to push (default: the tag policy\'s for the current commit)', valueName: 'T' },
  'allow-dirty': { type: 'boolean', description: 'the image was built with --allow-dirty (push <tag>-dirty)' },
  ...createRepositoryFlag,
  ...imageFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const push: CliCommand = {
  name: 'push',
  summary: 'push a built image to ECR and confirm its digest',
  help: () =>
    `Usage: gitops-pilot push [--tag T] [--create-repository] [--json]\n\nPushes repository:<tag> (built before with gitops-pilot build) to ECR: checks the repository (an immutable\none that already has the tag is refused before uploading), logs docker in with a token from\nGetAuthorizationToken (password on stdin; skipped when your Docker config uses the ECR credential helper),\npushes, renews an expired login once, retries registry hiccups, and confirms the digest with DescribeImages.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'push');
    const project = await requireImageProject(f.dir, io);
    const ctx = imageContext(io, f);
    try {
      let tag = f.tag;
      let repository: string | undefined;
      if (tag !== undefined) validateTag(tag);
      else {
        const plan = await planBuild(ctx, { project, allowDirty: f['allow-dirty'] });
        tag = plan.tag.tag;
        repository = plan.repository;
      }
      const pushed = await pushImage(ctx, { project, tag, ...(repository ? { repository } : {}), createRepository: () => f['create-repository'] });
      if (f.json) io.out(JSON.stringify({ push: pushJson(pushed) }, null, 2));
      else printPushed(pushed, io);
      return 0;
    } finally {
      ctx.clients.dispose();
    }
  },
};
