import { promote as promoteOp } from '../../core/gitops/operations';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag, operationContext, printResult, pushFlags, pushMode, requireEnv, requireProject } from './common';
import type { CliCommand } from './types';

const flags = {
  from: { type: 'string', description: 'the environment whose image to promote', valueName: 'A', required: true },
  to: { type: 'string', description: 'the environment that receives it', valueName: 'B', required: true },
  yes: { type: 'boolean', description: 'confirm a protected environment (required for them)' },
  ...pushFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const promote: CliCommand = {
  name: 'promote',
  summary: "copy one environment's exact image (tag and digest) into the next",
  help: () => `Usage: gitops-pilot promote --from A --to B [--no-push] [--yes]\n\nRefuses a promotion that skips the configured order. Protected targets need --yes and an immutable tag.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'promote');
    const project = await requireProject(f.dir, io);
    const from = requireEnv(project, f.from!, '--from');
    const to = requireEnv(project, f.to!, '--to');
    const r = await promoteOp(operationContext(project, io, pushMode(f)), { from, to, confirmed: f.yes });
    return printResult(r, f.json, io);
  },
};
