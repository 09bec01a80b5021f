/** The starting gitops-pilot.yaml offered by "Create gitops-pilot.yaml". */
import { Document, YAMLMap, YAMLSeq } from 'yaml';
import type { Project } from './model';

/**
 * A config that lists the environments already discovered (so the user starts from what exists), or
 * a commented example when nothing was found. The result always validates against the schema.
 */
export function configTemplate(project: Project | undefined, appName: string): string {
  const header = [
    'GitOps Pilot configuration. Schema: completion and validation come with the extension.',
    'Docs: environments are deployed in order; promoteFrom names the environment an image comes from;',
    'protected environments ask for explicit confirmation and refuse mutable tags such as latest.',
  ];
  const envs = project?.environments ?? [];
  if (!envs.length) {
    return `${header.map((l) => `# ${l}`).join('\n')}
image:
  repository: 123456789012.dkr.ecr.us-east-2.amazonaws.com/${appName}
  context: .
  dockerfile: Dockerfile
  tag: sha                  # sha | branch-sha | semver | build
gitops:
  repo: .                   # path of a local clone of the GitOps repository
  branch: main
environments:
  - name: dev
    file: envs/dev/values.yaml
    path: image.tag
    # cluster: { context: my-dev-cluster, namespace: dev }
    # workload: deployment/${appName}
    # argocd: { application: ${appName}-dev, namespace: argocd }
  - name: staging
    file: envs/staging/values.yaml
    promoteFrom: dev
  - name: prod
    file: envs/prod/values.yaml
    promoteFrom: staging
    protected: true
`;
  }
  const doc = new Document({});
  doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  const root = doc.contents as YAMLMap;
  root.set('image', doc.createNode({ repository: `123456789012.dkr.ecr.us-east-2.amazonaws.com/${appName}`, context: '.', dockerfile: 'Dockerfile', tag: 'sha' }));
  root.set('gitops', doc.createNode({ repo: '.', branch: 'main' }));
  const list = new YAMLSeq();
  for (const e of envs) {
    const item: Record<string, unknown> = { name: e.name, file: e.relFile };
    if (e.locator.kind === 'helm') item.path = e.locator.path.join('.');
    else if (e.locator.kind === 'kustomize') {
      if (e.locator.image) item.kustomizeImage = e.locator.image;
    } else if (e.locator.container) item.container = e.locator.container;
    if (e.promoteFrom) item.promoteFrom = envs.find((x) => x.id === e.promoteFrom)?.name ?? e.promoteFrom;
    if (e.protected) item.protected = true;
    list.add(doc.createNode(item));
  }
  root.set('environments', list);
  return doc.toString({ lineWidth: 0 });
}
