/**
 * The one decision: may an image be promoted into an environment now, and if not, which gate says no
 * and until when. Pure (the clock and what the cluster showed are inputs), so the editor's tree, its
 * promote commands and `gitops-pilot gates` / `promote` cannot disagree.
 *
 * Gates, in the order they are named when several fail:
 *   freeze    no promotion inside a freeze window of the target
 *   soak      the source runs the image its file declares, rolled out and healthy, for soak (cluster
 *             timestamps: the rollout's completion, the Argo CD operation's finish)
 *   healthUrl the source's health URL answers 2xx            (verify: [healthUrl])
 *   analysis  the source's latest Argo Rollouts analysis passed (verify: [analysis])
 *   approval  typed confirmation at promote time (never blocks here)
 */
import type { Environment } from '../config/model';
import { formatZoned, freezeState } from './freeze';

export type GateName = 'freeze' | 'soak' | 'healthUrl' | 'analysis' | 'approval';
export type GateStatus = 'pass' | 'fail' | 'pending' | 'skipped';

export interface GateState {
  readonly gate: GateName;
  /** pending: failing now but passes by itself at `until` (a freeze, a soak) */
  readonly status: GateStatus;
  /** one line: `frozen until Mon 08:00 Europe/Berlin`, `soak 12m/30m`, `staging healthy 42m` */
  readonly detail: string;
  /** ms since the epoch when a pending gate passes */
  readonly until?: number;
  /** the source's own words when it is not healthy */
  readonly cause?: string;
}

/** What the source's cluster showed (gathered by observeSource; undefined fields were not asked). */
export interface SourceObservation {
  /** runs the image its file declares, rolled out (kubectl's rules) */
  readonly healthy: boolean;
  /** why not, or kubectl's message */
  readonly reason: string;
  /** ISO time since which it has run this image rolled out (latest of the rollout's completion and the sync's finish) */
  readonly healthySince?: string;
  /** the latest AnalysisRun of the current revision (Argo Rollouts), when there is one */
  readonly analysis?: { readonly name: string; readonly phase: string; readonly message?: string };
  /** the health URL's answer, when asked */
  readonly healthUrl?: { readonly ok: boolean; readonly message: string };
  /** the health URL and the analysis were not asked (the tree's view from the live state): checked at promote */
  readonly partial?: boolean;
}

export interface GateInput {
  readonly target: Environment;
  /** the environment it promotes from (undefined: promotions have no configured source) */
  readonly source?: Environment;
  readonly now: number;
  /** undefined: the source does not say where it runs (or nobody asked) */
  readonly observed?: SourceObservation;
}

export interface GateDecision {
  readonly target: string;
  readonly source?: string;
  readonly promotable: boolean;
  readonly gates: readonly GateState[];
  /** the first gate that says no */
  readonly blocking?: GateState;
  /** for the tree: `ready · staging healthy 42m`, `blocked · frozen until …`, `soak 12m/30m` */
  readonly summary: string;
}

/** `42m`, `1h 5m`, `2d 3h` (rounded down to the minute; `0m` under a minute). */
export function formatSpan(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  return h % 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : `${Math.floor(h / 24)}d`;
}

/** Whether promoting into `env` needs typed confirmation (`approval:`, else: protected). */
export function needsApproval(env: Environment): boolean {
  return env.gates ? env.gates.approval === 'typed' : env.protected;
}

export function decideGates(input: GateInput): GateDecision {
  const { target, source, now, observed } = input;
  const g = target.gates;
  const gates: GateState[] = [];
  const src = source?.name ?? 'the source';

  if (g?.freeze.length) {
    const f = freezeState(g.freeze, now);
    gates.push(
      f.frozen
        ? { gate: 'freeze', status: 'pending', until: f.until, detail: `frozen until ${formatZoned(f.until!, f.window!.timeZone, now)}${f.window!.reason ? ` (${f.window!.reason})` : ''}` }
        : { gate: 'freeze', status: 'pass', detail: 'no freeze window now' },
    );
  }

  // the source's health: gated by soak when gates are configured, and always for protected targets
  const soakMs = g?.soakMs ?? 0;
  if (source && (g || target.protected)) {
    if (!observed) {
      gates.push(
        g && soakMs > 0
          ? { gate: 'soak', status: 'fail', detail: `cannot measure ${formatSpan(soakMs)} of soak: ${src} does not say where it runs (cluster and workload in gitops-pilot.yaml)` }
          : { gate: 'soak', status: 'skipped', detail: `${src}'s cluster is not configured` },
      );
    } else if (!observed.healthy) {
      gates.push({ gate: 'soak', status: 'fail', detail: `${src} not healthy: ${observed.reason}`, cause: observed.reason });
    } else {
      const since = observed.healthySince ? Date.parse(observed.healthySince) : NaN;
      if (Number.isNaN(since)) {
        gates.push(
          soakMs > 0
            ? { gate: 'soak', status: 'fail', detail: `${src} is healthy but the cluster shows no completion time to measure ${formatSpan(soakMs)} of soak from` }
            : { gate: 'soak', status: 'pass', detail: `${src} healthy` },
        );
      } else {
        const ran = Math.max(0, now - since);
        gates.push(
          ran < soakMs
            ? { gate: 'soak', status: 'pending', until: since + soakMs, detail: `soak ${formatSpan(ran)}/${formatSpan(soakMs)}` }
            : { gate: 'soak', status: 'pass', detail: `${src} healthy ${formatSpan(ran)}` },
        );
      }
    }
  }

  if (g && source && g.verify.includes('healthUrl')) {
    if (!source.healthUrl) gates.push({ gate: 'healthUrl', status: 'skipped', detail: `${src} has no healthUrl` });
    else if (observed?.partial) gates.push({ gate: 'healthUrl', status: 'skipped', detail: `${source.healthUrl} is asked when promoting` });
    else if (!observed?.healthUrl) gates.push({ gate: 'healthUrl', status: 'fail', detail: `${source.healthUrl} was not checked (${src}'s cluster is not reachable or not configured)` });
    else gates.push({ gate: 'healthUrl', status: observed.healthUrl.ok ? 'pass' : 'fail', detail: `${source.healthUrl} ${observed.healthUrl.message}` });
  }

  if (g && source && g.verify.includes('analysis')) {
    const a = observed?.analysis;
    if (source.workload?.kind !== 'rollout') gates.push({ gate: 'analysis', status: 'skipped', detail: `${src} is not an Argo Rollout` });
    else if (observed?.partial) gates.push({ gate: 'analysis', status: 'skipped', detail: `${src}'s analysis is checked when promoting` });
    else if (!a) gates.push({ gate: 'analysis', status: 'skipped', detail: `no analysis ran for ${src}'s current revision` });
    else if (a.phase === 'Successful') gates.push({ gate: 'analysis', status: 'pass', detail: `analysis ${a.name} passed` });
    else if (a.phase === 'Running' || a.phase === 'Pending' || a.phase === '') gates.push({ gate: 'analysis', status: 'fail', detail: `analysis ${a.name} is still running` });
    else gates.push({ gate: 'analysis', status: 'fail', detail: `analysis ${a.name} ${a.phase}${a.message ? `: ${a.message}` : ''}` });
  }

  gates.push({ gate: 'approval', status: 'pass', detail: needsApproval(target) ? 'typed confirmation when promoting' : 'no confirmation' });

  const blocking = gates.find((x) => x.status === 'fail' || x.status === 'pending');
  return { target: target.id, ...(source ? { source: source.id } : {}), promotable: !blocking, gates, ...(blocking ? { blocking } : {}), summary: summarize(gates, blocking) };
}

function summarize(gates: readonly GateState[], blocking: GateState | undefined): string {
  if (!blocking) {
    const soak = gates.find((x) => x.gate === 'soak' && x.status === 'pass');
    return soak ? `ready · ${soak.detail}` : 'ready';
  }
  if (blocking.gate === 'soak' && blocking.status === 'pending') return blocking.detail;
  return `blocked · ${blocking.detail}`;
}

/** Gates that fail now and may be overridden with a reason (recorded as Gate-Override trailers). */
export function overridable(d: GateDecision): GateState[] {
  return d.gates.filter((x) => x.status === 'fail' || x.status === 'pending');
}
