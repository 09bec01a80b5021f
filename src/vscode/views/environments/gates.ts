/**
 * The gate an environment shows in the tree (`ready · staging healthy 42m`, `soak 12m/30m`, `blocked ·
 * frozen until Mon 08:00 Europe/Berlin`): the core's one decision, from the source's live state the tree
 * already watches (no request of its own; the health URL and analysis are asked when promoting).
 */
import { decideGates, type GateDecision, type SourceObservation } from '../../../core/gates/decide';
import { observationFromLive } from '../../../core/gates/observe';
import type { EnvironmentEntry, EnvironmentsModel } from '../../../core/workspace/environments';
import type { LiveModel } from '../../../core/workspace/live';

/** Environments that can be promoted into and have something to wait for: gates configured, or protected. */
export function showsGate(entry: EnvironmentEntry): boolean {
  return entry.env.promoteFrom !== undefined && (entry.env.gates !== undefined || entry.env.protected);
}

/** undefined: no gate to show, or the source's cluster has not answered yet. */
export function treeGate(entry: EnvironmentEntry, model: EnvironmentsModel, live: LiveModel | undefined, now = Date.now()): GateDecision | undefined {
  if (!showsGate(entry)) return undefined;
  const source = model.find(entry.env.promoteFrom!, entry.project.root);
  if (!source) return undefined;
  let observed: SourceObservation | undefined;
  if (live?.target(source)) {
    const state = live.state(source);
    if (!state || state.health === 'connecting') return undefined;
    observed = { ...observationFromLive(state, source.file.ok ? source.file.declared : undefined), partial: true };
  }
  return decideGates({ target: entry.env, source: source.env, now, observed });
}

/** Markdown lines for the tooltip: every gate and its state. */
export function gateLines(d: GateDecision): string {
  return d.gates.map((g) => `- ${g.status === 'pass' ? '$(pass)' : g.status === 'skipped' ? '$(circle-slash)' : g.status === 'pending' ? '$(clock)' : '$(error)'} **${g.gate}**: ${g.detail.replace(/[\\`*_{}[\]()#+!|<>]/g, '\\$&')}`).join('\n');
}
