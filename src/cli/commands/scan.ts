import { awaitScan, evaluateScan } from '../../core/ci/scanGate';
import { DEFAULT_FAIL_ON, parseFailOn } from '../../core/ci/plan';
import { PilotError, inputError } from '../../core/errors';
import { planBuild } from '../../core/images/build';
import { ecrSettingsFor } from '../../core/images/context';
import { imageTarget } from '../../core/images/ecr';
import { validateTag } from '../../core/images/reference';
import { parseDuration } from '../../core/util/time';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag } from './common';
import { imageContext, imageFlags, requireImageProject } from './imageCommon';
import type { CliCommand } from './types';

const flags = {
  tag: { type: 'string', description: 'the pushed tag (default: the tag policy\'s for the current commit)', valueName: 'T' },
  'fail-on': { type: 'string', description: `severities that fail (exit 1), comma-separated, or none (default: ${DEFAULT_FAIL_ON.join(',')})`, valueName: 'LIST' },
  wait: { type: 'string', description: 'wait this long for a scan still in progress (90s, 10m; default 0: ask once)', valueName: 'DURATION' },
  ...imageFlags,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const scan: CliCommand = {
  name: 'scan',
  summary: "check ECR's scan findings of a pushed image; exit 1 on the severities you name",
  help: () =>
    `Usage: gitops-pilot scan [--tag T] [--fail-on CRITICAL,HIGH] [--wait 10m] [--json]\n\nReads the ECR image scan of repository:<tag> (DescribeImages, DescribeImageScanFindings), waits while it\nis in progress (--wait), prints the counts per severity and the most severe findings, and exits 1 when a\nseverity of --fail-on has findings (or the scan failed or did not complete), 0 otherwise.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'scan');
    const failOn = f['fail-on'] === undefined ? DEFAULT_FAIL_ON : parseFailOn(f['fail-on']);
    let waitMs = 0;
    if (f.wait !== undefined) {
      const ms = parseDuration(f.wait);
      if (ms === undefined || ms < 0) throw inputError('cli.badFlag', `--wait ${JSON.stringify(f.wait)}: use a duration like 90s or 10m`);
      waitMs = ms;
    }
    const project = await requireImageProject(f.dir, io);
    const ctx = imageContext(io, f);
    try {
      const target = imageTarget(project.config!.image);
      const tag = f.tag !== undefined ? validateTag(f.tag) : (await planBuild(ctx, { project })).tag.tag;
      const api = await ctx.clients.get(ecrSettingsFor(ctx.ecr, target));
      const image = await api.image(target.name, tag, io.signal);
      if (!image) {
        throw inputError('scan.noImage', `ECR has no image ${target.name}:${tag}`, { hint: 'Push it first (gitops-pilot build --push), or pass the pushed tag with --tag' });
      }
      // GITOPS_PILOT_SCAN_POLL_MS: how often to ask while the scan runs (default 5 s; tests ask more often)
      const poll = Number(io.env.GITOPS_PILOT_SCAN_POLL_MS);
      const findings = await awaitScan(api, target.name, image.digest, { waitMs, ...(poll > 0 ? { pollMs: poll } : {}), signal: io.signal, onProgress: (m) => io.err(`  ${m}`) });
      const verdict = evaluateScan(findings, failOn);
      if (f.json) {
        io.out(JSON.stringify({ image: `${target.configured}:${tag}`, digest: image.digest, status: findings.status, counts: findings.counts, failOn, passed: verdict.passed, findings: findings.findings.slice(0, 20) }, null, 2));
      } else {
        io.out(`${target.configured}:${tag} (${image.digest.slice(0, 19)}): ${verdict.summary}`);
        for (const x of findings.findings.filter((x) => failOn.includes(x.severity as never)).slice(0, 10)) io.out(`  ${x.severity.padEnd(8)} ${x.name}${x.package ? ` in ${x.package}` : ''}`);
      }
      if (!verdict.passed) {
        throw new PilotError('scan.blocked', `the image has ${verdict.blocking.map((s) => `${findings.counts[s]} ${s}`).join(' and ')} finding(s), and --fail-on ${failOn.join(',')} stops it here`, {
          hint: 'Fix them (update the base image or the packages), or change --fail-on in the pipeline if your policy allows it',
        });
      }
      return 0;
    } finally {
      ctx.clients.dispose();
    }
  },
};
