import { buildImage } from '../../core/images/build';
import { pushImage } from '../../core/images/push';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag } from './common';
import { buildFlags, buildJson, createRepositoryFlag, imageContext, imageFlags, printBuilt, printPushed, pushJson, requireImageProject } from './imageCommon';
import type { CliCommand } from './types';

const flags = {
  push: { type: 'boolean', description: 'push the image to ECR after building it' },
  ...buildFlags,
  ...createRepositoryFlag,
  ...imageFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const build: CliCommand = {
  name: 'build',
  summary: 'build the image (docker build), tagged by the tag policy; --push pushes it to ECR',
  help: () =>
    `Usage: gitops-pilot build [--push] [--tag T] [--allow-dirty] [--json]\n\nBuilds image.context with image.dockerfile, image.buildArgs, image.target and image.platform from\ngitops-pilot.yaml and tags it repository:<tag> (image.tag: sha | branch-sha | semver | build). A SHA-based\ntag on a working tree with uncommitted changes is refused (exit 2) unless --allow-dirty (tag <tag>-dirty).\nWith --push: logs docker in to ECR (GetAuthorizationToken, password on stdin), pushes, and confirms the\ndigest with DescribeImages. Exit 0 built (and pushed); 1 failed; 2 bad input (nothing built).\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'build');
    const project = await requireImageProject(f.dir, io);
    const ctx = imageContext(io, f);
    try {
      const built = await buildImage(ctx, { project, tag: f.tag, allowDirty: f['allow-dirty'], noCache: f['no-cache'] });
      if (!f.push) {
        if (f.json) io.out(JSON.stringify({ build: buildJson(built), push: null }, null, 2));
        else printBuilt(built, io);
        return 0;
      }
      if (!f.json) printBuilt(built, io);
      const pushed = await pushImage(ctx, { project, tag: built.tag, repository: built.repository, built: true, createRepository: () => f['create-repository'] });
      if (f.json) io.out(JSON.stringify({ build: buildJson(built), push: pushJson(pushed) }, null, 2));
      else printPushed(pushed, io);
      return 0;
    } finally {
      ctx.clients.dispose();
    }
  },
};
