import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { WorkloadKind } from '../../core/config/model';
import { ExitCode, inputError } from '../../core/errors';
import { readEnvironmentFile } from '../../core/gitops/environmentFile';
import { configuredTarget, type ClusterTarget } from '../../core/kube/environmentWatch';
import { kubeconfigSource } from '../../core/kube/kubeconfig';
import type { ImageRef } from '../../core/gitops/message';
import { rolloutStatus } from '../../core/kube/rolloutStatus';
import { KubeSession } from '../../core/kube/session';
import { rolloutSnapshot, watchRollout, type RolloutProgress } from '../../core/kube/watchRollout';
import { parseDuration } from '../../core/util/time';
import { flagHelp, parseFlags } from '../args';
import type { CliIO } from '../io';
import { dirFlag, jsonFlag, requireEnv, requireProject } from './common';
import type { CliCommand } from './types';

const flags = {
  env: { type: 'string', description: 'an environment of gitops-pilot.yaml (its cluster, workload and declared image)', valueName: 'E' },
  context: { type: 'string', description: 'kubeconfig context (default: the current context)', valueName: 'C' },
  namespace: { type: 'string', description: "namespace (default: the context's, else default)", valueName: 'N' },
  deployment: { type: 'string', description: 'a Deployment', valueName: 'D' },
  statefulset: { type: 'string', description: 'a StatefulSet', valueName: 'S' },
  daemonset: { type: 'string', description: 'a DaemonSet', valueName: 'S' },
  rollout: { type: 'string', description: 'an Argo Rollout', valueName: 'R' },
  object: { type: 'string', description: "one Deployment/StatefulSet/DaemonSet/Rollout (or Flux Kustomization/HelmRelease) as JSON: prints kubectl's verdict, no cluster needed", valueName: 'FILE.json' },
  watch: { type: 'boolean', description: 'wait until the rollout is done or failed' },
  timeout: { type: 'string', description: 'with --watch: give up after this long (90s, 5m, 1h; default: no limit)', valueName: 'DURATION' },
  kubeconfig: { type: 'string', description: 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)', valueName: 'FILE' },
  json: jsonFlag,
  dir: dirFlag,
} as const;

const WORKLOAD_FLAGS = ['deployment', 'statefulset', 'daemonset', 'rollout'] as const;

function exitFor(state: RolloutProgress['state'] | 'done' | 'failed' | 'progressing'): number {
  if (state === 'done') return ExitCode.ok;
  if (state === 'failed' || state === 'timeout') return ExitCode.failed;
  return ExitCode.progressing;
}

/** The design's three states: waiting for the image counts as progressing, a timeout as failed. */
function publicState(state: RolloutProgress['state']): 'done' | 'progressing' | 'failed' {
  return state === 'done' ? 'done' : state === 'failed' || state === 'timeout' ? 'failed' : 'progressing';
}

export const rolloutStatusCommand: CliCommand = {
  name: 'rollout-status',
  summary: "a rollout's status with kubectl's rules (exit 0 done, 1 failed, 3 still progressing)",
  help: () => `Usage: gitops-pilot rollout-status (--env E | [--context C] [--namespace N] --deployment D | --object FILE.json) [--watch] [--timeout 5m] [--json]

The verdict of \`kubectl rollout status\` (Deployments, StatefulSets, DaemonSets) or of
\`kubectl argo rollouts status\` (Rollouts), from the cluster of a kubeconfig context, or for one object
in a file. With --env the workload must also run the image the environment's file declares: right after
\`gitops-pilot bump\`, it waits for Argo CD to bring the new image instead of reporting the old rollout.

--watch waits until done (exit 0) or failed (exit 1). It also stops at once (exit 1) when a pod of the new
revision cannot start — ImagePullBackOff, CrashLoopBackOff, OOMKilled — where kubectl would wait for the
progress deadline, and when an Argo CD sync started meanwhile fails. With --env and a healthUrl for the
environment, done also needs that URL to answer 2xx once rolled out (else exit 1, HealthCheckFailed).
Without --watch: exit 0 done, 1 failed, 3 still progressing. Bad input: exit 2.
--object prints kubectl's verdict as {"state":"done"|"progressing"|"failed","message":...}; for a Flux
Kustomization or HelmRelease, Flux's readiness (kstatus): done when Ready, failed when Ready=False, Stalled
or suspended, else progressing.

${flagHelp(flags)}`,
  async run(argv: readonly string[], io: CliIO): Promise<number> {
    const { flags: f } = parseFlags(argv, flags, 'rollout-status');
    const workloadFlags = WORKLOAD_FLAGS.filter((k) => f[k] !== undefined);
    const modes = [f.object !== undefined, f.env !== undefined, workloadFlags.length > 0].filter(Boolean).length;
    if (modes !== 1 || workloadFlags.length > 1) {
      throw inputError('cli.rolloutTarget', 'rollout-status needs exactly one of --env E, --deployment D (or --statefulset/--daemonset/--rollout), or --object FILE.json', {
        hint: 'Run: gitops-pilot rollout-status --help',
      });
    }
    let timeoutMs = 0;
    if (f.timeout !== undefined) {
      const ms = parseDuration(f.timeout);
      if (ms === undefined || ms <= 0) throw inputError('cli.badFlag', `--timeout ${JSON.stringify(f.timeout)}: use a duration like 90s, 5m or 1h`);
      timeoutMs = ms;
    }

    if (f.object !== undefined) {
      if (f.watch || f.env || f.context || f.namespace) throw inputError('cli.badFlag', '--object reads one object from a file: --watch, --env, --context and --namespace do not apply');
      let text: string;
      try {
        text = await readFile(f.object, 'utf8');
      } catch (err) {
        throw inputError('cli.objectUnreadable', `${f.object} cannot be read: ${(err as Error).message}`);
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw inputError('cli.objectNotJson', `${f.object} is not JSON: ${(err as Error).message}`, { hint: 'Save the object with kubectl get deployment NAME -o json' });
      }
      const v = rolloutStatus(obj);
      io.out(JSON.stringify({ state: v.state, message: v.message }));
      return exitFor(v.state);
    }

    let target: ClusterTarget;
    let expect: ImageRef | undefined;
    let environment: string | undefined;
    let healthUrl: string | undefined;
    if (f.env !== undefined) {
      if (f.context || f.namespace) throw inputError('cli.badFlag', '--env takes its context and namespace from gitops-pilot.yaml: leave out --context and --namespace');
      const project = await requireProject(f.dir, io);
      const env = requireEnv(project, f.env, '--env');
      if (!env.workload) {
        throw inputError('env.noCluster', `${env.name} does not say where it runs`, {
          hint: `Add cluster: { context, namespace } and workload: deployment/NAME for "${env.name}" in gitops-pilot.yaml, or use --context/--namespace/--deployment`,
        });
      }
      const file = await readEnvironmentFile(env);
      if (!file.ok) throw file.error;
      expect = file.declared;
      environment = env.id;
      target = configuredTarget(env)!;
      healthUrl = env.healthUrl;
    } else {
      const kind = workloadFlags[0]! as WorkloadKind;
      const name = f[kind]!;
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw inputError('cli.badFlag', `--${kind} ${JSON.stringify(name)} is not a Kubernetes object name`);
      if (f.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(f.namespace)) throw inputError('cli.badFlag', `--namespace ${JSON.stringify(f.namespace)} is not a namespace name`);
      target = { ...(f.context ? { context: f.context } : {}), ...(f.namespace ? { namespace: f.namespace } : {}), workload: { kind, name } };
    }

    const home = io.env.HOME || homedir();
    const source = f.kubeconfig ? { files: [f.kubeconfig], origin: 'flag' as const } : kubeconfigSource([], io.env, home);
    const session = new KubeSession({ kubeconfig: () => source, log: io.log });
    try {
      let result: RolloutProgress;
      if (f.watch) {
        let lastLine = '';
        result = await watchRollout(session, target, {
          expect,
          ...(healthUrl ? { healthUrl } : {}),
          timeoutMs,
          signal: io.signal,
          onUpdate: (p) => {
            if (f.json || p.state === 'done' || p.state === 'failed' || p.message === lastLine) return;
            lastLine = p.message;
            // kubectl prints its lines as they change; a cluster that cannot be reached yet goes to stderr
            if (p.live.workload) io.out(p.message);
            else if (p.error) io.err(p.message);
          },
        });
      } else {
        result = await rolloutSnapshot(session, target, { expect, signal: io.signal });
      }
      return report(result, { json: f.json, environment, target, expect }, io);
    } finally {
      await session.dispose();
    }
  },
};

function report(p: RolloutProgress, ctx: { json: boolean; environment?: string; target: ClusterTarget; expect?: ImageRef }, io: CliIO): number {
  const live = p.live;
  // a permanent error (context or workload missing, forbidden, ...) exits as it would without --watch
  if (p.error && p.state === 'failed') throw p.error;
  if (ctx.json) {
    const w = live.workload;
    io.out(
      JSON.stringify(
        {
          state: publicState(p.state),
          message: p.message,
          reason: p.reason ?? null,
          environment: ctx.environment ?? null,
          context: live.context ?? null,
          namespace: live.namespace ?? null,
          workload: `${ctx.target.workload.kind}/${ctx.target.workload.name}`,
          ready: p.ready ?? null,
          desired: p.desired ?? null,
          updated: p.updated ?? null,
          running: p.running ?? null,
          declared: ctx.expect?.tag ?? null,
          revision: w?.revision ?? null,
          canary: w?.verdict.canary ?? null,
          pods: live.pods.map((x) => ({ name: x.name, status: x.status, ready: x.ready, restarts: x.restarts, reason: x.reason ?? null, current: x.current })),
          argocd: live.argo ? { application: live.argo.name, sync: live.argo.sync ?? null, health: live.argo.health ?? null, revision: live.argo.revision ?? null, operation: live.argo.operation?.phase ?? null } : null,
        },
        null,
        2,
      ),
    );
    return exitFor(p.state);
  }
  if (p.state === 'failed' || p.state === 'timeout') {
    io.err(`error: ${p.message}`);
    return ExitCode.failed;
  }
  io.out(p.message);
  // kubectl keeps waiting on these; say what the pods are doing
  const stuck = live.stuck;
  if (p.state !== 'done' && stuck) io.out(`pod ${stuck.pod}: ${stuck.reason}${stuck.message && stuck.message !== stuck.reason ? `: ${stuck.message}` : ''}`);
  return exitFor(p.state);
}
