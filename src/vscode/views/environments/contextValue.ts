/**
 * contextValue tokens for environment nodes, matched by `when` clauses in package.json such as
 * `viewItem =~ /;promotesTo=staging;/`. Tokens are wrapped in `;` so that `staging` never matches
 * `staging-eu`. Later menus (promote, roll back, watch, sync) key on these tokens.
 */
import type { Environment } from '../../../core/config/model';

export function environmentContextValue(env: Environment, opts: { fileOk: boolean; hasTag: boolean }): string {
  const tokens = ['env', `kind=${env.locator.kind}`];
  for (const to of env.promotesTo) tokens.push(`promotesTo=${to.split('/').pop()}`);
  if (env.promotesTo.length) tokens.push('canPromote');
  if (env.promoteFrom) tokens.push('promotedFrom');
  if (env.protected) tokens.push('protected');
  if (env.workload) tokens.push('cluster', `workload=${env.workload.kind}`);
  if (env.argocd) tokens.push('argocd');
  tokens.push(opts.fileOk ? 'fileOk' : 'fileError');
  if (opts.hasTag) tokens.push('hasTag');
  return `;${tokens.join(';')};`;
}
