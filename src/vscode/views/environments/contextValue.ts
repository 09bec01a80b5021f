/**
 * contextValue tokens for environment nodes, matched by `when` clauses in package.json such as
 * `viewItem =~ /;promotesTo=staging;/`. Tokens are wrapped in `;` so that `staging` never matches
 * `staging-eu`. Later menus (promote, roll back, watch, sync) key on these tokens.
 */
import type { Environment } from '../../../core/config/model';
import type { ClusterTarget } from '../../../core/kube/environmentWatch';

/**
 * `target` is where the environment runs when known (gitops-pilot.yaml, or a mapping picked in this
 * workspace): it gives `cluster`, `workload=<kind>` and `argocd`; `mapped=workspace` marks a picked one.
 */
export function environmentContextValue(env: Environment, opts: { fileOk: boolean; hasTag: boolean; target?: ClusterTarget; mappedHere?: boolean; extra?: readonly string[] }): string {
  const tokens = ['env', `kind=${env.locator.kind}`];
  for (const to of env.promotesTo) tokens.push(`promotesTo=${to.split('/').pop()}`);
  if (env.promotesTo.length) tokens.push('canPromote');
  if (env.promoteFrom) tokens.push('promotedFrom');
  if (env.protected) tokens.push('protected');
  const workload = opts.target?.workload ?? env.workload;
  if (workload) tokens.push('cluster', `workload=${workload.kind}`);
  if (opts.target?.argocd ?? env.argocd) tokens.push('argocd');
  if (opts.target?.flux ?? env.flux) tokens.push('flux');
  if (opts.mappedHere) tokens.push('mapped=workspace');
  tokens.push(opts.fileOk ? 'fileOk' : 'fileError');
  if (opts.hasTag) tokens.push('hasTag');
  // more tokens of other features (the pull request: pullRequestMode, pr=open, prMergeable)
  if (opts.extra) tokens.push(...opts.extra);
  return `;${tokens.join(';')};`;
}
