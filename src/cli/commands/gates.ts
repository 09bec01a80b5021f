import { table, type CliIO } from '../io';
import { flagHelp, parseFlags } from '../args';
import { CliCluster, kubeconfigFlag } from './cluster';
import { dirFlag, jsonFlag, requireEnv, requireProject } from './common';
import type { CliCommand } from './types';

const flags = {
  to: { type: 'string', description: 'the environment an image would be promoted into', valueName: 'B', required: true },
  from: { type: 'string', description: 'the environment it would come from (default: its promoteFrom)', valueName: 'A' },
  kubeconfig: kubeconfigFlag,
  dir: dirFlag,
  json: jsonFlag,
} as const;

export const gates: CliCommand = {
  name: 'gates',
  summary: 'whether an environment can be promoted into now: every gate and its state',
  help: () =>
    `Usage: gitops-pilot gates --to B [--from A] [--json]\n\nEvaluates the gates of gitops-pilot.yaml (gates: soak, verify, freeze, approval) as promote does: freeze\nwindows on this machine's clock, soak from the source's cluster timestamps, its health URL and Argo Rollouts\nanalysis. Exit 0 when promotable, 1 when a gate blocks, 2 on bad input.\n\n${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'gates');
    const project = await requireProject(f.dir, io);
    const to = requireEnv(project, f.to!, '--to');
    const from = f.from !== undefined ? requireEnv(project, f.from, '--from') : undefined;
    const cluster = new CliCluster(io, f.kubeconfig);
    try {
      const d = await cluster.gates(project, to, from);
      if (f.json) {
        const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString());
        io.out(JSON.stringify({ ...d, gates: d.gates.map((g) => ({ ...g, until: iso(g.until) })), blocking: d.blocking ? { ...d.blocking, until: iso(d.blocking.until) } : undefined }, null, 2));
      } else {
        io.out(`${to.id}${d.source ? ` ← ${d.source}` : ''}: ${d.summary}`);
        io.out(table(d.gates.map((g) => [`  ${g.gate}`, g.status, g.detail])));
      }
      return d.promotable ? 0 : 1;
    } finally {
      await cluster.dispose();
    }
  },
};
