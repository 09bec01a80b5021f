/** A project like the sandbox's (dev → staging → protected prod, each with a workload) for the CI generator tests. */
import { join } from 'node:path';
import { loadProject } from '../../../src/core/config/project';
import type { Project } from '../../../src/core/config/model';
import { writeTree } from '../../support/tmp';

export const values = (tag: string) => `image:\n  repository: 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app\n  tag: "${tag}"\n`;

export function configText(opts: { repo?: string; tag?: string; prodWorkload?: boolean } = {}): string {
  return `image:
  repository: 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app
  tag: ${opts.tag ?? 'sha'}
gitops:
  repo: ${opts.repo ?? '../demo-app-gitops'}
  branch: main
environments:
  - name: dev
    file: envs/dev/values.yaml
    cluster: { context: eks-dev, namespace: dev }
    workload: deployment/demo-app
  - name: staging
    file: envs/staging/values.yaml
    promoteFrom: dev
    cluster: { context: eks-staging, namespace: staging }
    workload: deployment/demo-app
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    protected: true
${opts.prodWorkload === false ? '' : '    cluster: { context: eks-prod, namespace: prod }\n    workload: rollout/demo-app\n'}`;
}

/** Writes <root>/demo-app (config + extra files) and <root>/demo-app-gitops; returns the loaded project. */
export async function sampleProject(root: string, opts: { files?: Record<string, string>; repo?: string; tag?: string; prodWorkload?: boolean } = {}): Promise<Project> {
  const gitops = opts.repo === '.' ? 'demo-app' : 'demo-app-gitops';
  writeTree(root, {
    'demo-app/gitops-pilot.yaml': configText(opts),
    ...Object.fromEntries(Object.entries(opts.files ?? {}).map(([k, v]) => [`demo-app/${k}`, v])),
    [`${gitops}/envs/dev/values.yaml`]: values('1.0.0'),
    [`${gitops}/envs/staging/values.yaml`]: values('1.0.0'),
    [`${gitops}/envs/prod/values.yaml`]: values('1.0.0'),
  });
  return (await loadProject(join(root, 'demo-app')))!;
}
