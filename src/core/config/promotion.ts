/** Promotion order: who receives images from whom, and a stable display order. */
import { inputError, type PilotError, type SourceLocation } from '../errors';

/** Names in the order teams usually promote through them. Unknown names get no implied order. */
const CONVENTIONAL_ORDER = ['dev', 'development', 'test', 'testing', 'qa', 'int', 'integration', 'uat', 'stage', 'staging', 'preprod', 'pre-prod', 'prod', 'production'];
const PROTECTED_NAMES = new Set(['prod', 'production', 'prd', 'live']);

export function conventionalRank(name: string): number {
  return CONVENTIONAL_ORDER.indexOf(name.toLowerCase());
}

export function isConventionallyProtected(name: string): boolean {
  return PROTECTED_NAMES.has(name.toLowerCase());
}

/**
 * Links environments with conventional names into a chain (dev → staging → prod); environments
 * with other names are left unlinked rather than guessed.
 */
export function conventionalPromotions(names: readonly string[]): Map<string, string> {
  const ranked = names.filter((n) => conventionalRank(n) >= 0).sort((a, b) => conventionalRank(a) - conventionalRank(b));
  const from = new Map<string, string>();
  for (let i = 1; i < ranked.length; i++) from.set(ranked[i]!, ranked[i - 1]!);
  return from;
}

export interface PromotionNode {
  readonly id: string;
  readonly promoteFrom?: string;
  readonly location?: SourceLocation;
}

/**
 * Checks promoteFrom references (must exist, no cycles) and returns the ids in promotion order:
 * every source before the environments it promotes to; ties keep their input order.
 */
export function orderByPromotion(nodes: readonly PromotionNode[]): { order: string[]; problems: PilotError[] } {
  const problems: PilotError[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map<string, string>();
  for (const n of nodes) {
    if (n.promoteFrom === undefined) continue;
    if (n.promoteFrom === n.id) {
      problems.push(inputError('config.promoteSelf', `environment "${n.id}" promotes from itself`, { location: n.location, hint: 'Remove promoteFrom or name another environment' }));
    } else if (!byId.has(n.promoteFrom)) {
      problems.push(inputError('config.promoteUnknown', `environment "${n.id}" promotes from "${n.promoteFrom}", which is not defined`, {
        location: n.location,
        hint: `Use one of: ${nodes.map((x) => x.id).join(', ')}`,
      }));
    } else parent.set(n.id, n.promoteFrom);
  }
  // cycles: follow parents; a walk longer than the node count loops
  for (const n of nodes) {
    const seen = new Set<string>();
    let cur: string | undefined = n.id;
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      cur = parent.get(cur);
    }
    if (cur === n.id) {
      problems.push(inputError('config.promoteCycle', `promotion order loops back to "${n.id}"`, { location: n.location, hint: 'Make promoteFrom form a chain, e.g. dev → staging → prod' }));
      parent.delete(n.id);
    }
  }
  // a stable topological order: sources first, keeping input order among independent environments
  const placed = new Set<string>();
  const result: string[] = [];
  const place = (id: string, guard: number) => {
    if (placed.has(id) || guard > nodes.length) return;
    const p = parent.get(id);
    if (p !== undefined) place(p, guard + 1);
    placed.add(id);
    result.push(id);
  };
  for (const n of nodes) place(n.id, 0);
  return { order: result, problems };
}
