/**
 * The gates of a promotion into an environment, for the editor and the CLI alike: finds the source,
 * asks its cluster when a gate needs it (observeSource) and decides (decideGates). Overrides are
 * checked here too, so both front ends record them the same way.
 */
import type { Environment, Project } from '../config/model';
import { inputError } from '../errors';
import { decideGates, overridable, type GateDecision, type GateName, type SourceObservation } from './decide';

export interface GateDeps {
  /** what the source's cluster shows (undefined: it does not say where it runs) */
  readonly observe: (source: Environment, opts: { healthUrl: boolean }) => Promise<SourceObservation | undefined>;
  readonly now: () => number;
}

/** The source a promotion into `target` takes its image from: `from` when given, else its promoteFrom. */
export function gateSource(project: Project, target: Environment, from?: Environment): Environment | undefined {
  if (from) return from;
  return target.promoteFrom ? project.environments.find((e) => e.id === target.promoteFrom) : undefined;
}

export async function evaluateGates(project: Project, target: Environment, deps: GateDeps, from?: Environment): Promise<GateDecision> {
  const source = gateSource(project, target, from);
  const needsCluster = source !== undefined && (target.gates !== undefined || target.protected);
  const observed = needsCluster ? await deps.observe(source, { healthUrl: target.gates?.verify.includes('healthUrl') ?? false }) : undefined;
  return decideGates({ target, source, now: deps.now(), observed });
}

export interface GateOverride {
  readonly gate: GateName;
  readonly reason: string;
}

/** Checks an override reason: one line, something said. */
export function checkOverrideReason(reason: string): string {
  const r = reason.trim();
  if (!r || /[\r\n]/.test(r)) {
    throw inputError('gates.badOverrideReason', 'an override needs a reason on one line', { hint: 'Say why, e.g. --override-gate "hotfix for INC-123, approved by Dana"' });
  }
  return r;
}

/**
 * What a promotion may do given the decision: nothing to override when promotable; with a reason, every
 * gate that says no is overridden (recorded as Gate-Override trailers); else an input error that names
 * the first gate and says how to go on.
 */
export function applyOverride(d: GateDecision, to: Environment, reason: string | undefined): GateOverride[] {
  const r = reason === undefined ? undefined : checkOverrideReason(reason);
  if (d.promotable) return [];
  if (r !== undefined) return overridable(d).map((g) => ({ gate: g.gate, reason: r }));
  const b = d.blocking!;
  if (!to.gates && b.cause !== undefined) {
    // no gates configured: the rule protected environments always had, in its own words
    throw inputError('promote.sourceUnhealthy', `${d.source} is not healthy (${b.cause}), so it cannot be promoted to protected ${to.name}`, {
      hint: `Wait for ${d.source}'s rollout to complete, or fix it first (on the command line, --force promotes without this check)`,
    });
  }
  const when = b.until ? ` It passes by itself at ${new Date(b.until).toISOString().replace('.000Z', 'Z')}.` : '';
  throw inputError('promote.gateBlocked', `${to.name} cannot be promoted into now: gate ${b.gate}: ${b.detail}`, {
    hint: `${when ? `${when.trim()} ` : ''}To promote anyway, override it with a reason (--override-gate REASON on the command line; Override… in the editor); it is recorded as a Gate-Override trailer`,
  });
}
