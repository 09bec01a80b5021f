/**
 * Loading a project: gitops-pilot.yaml when there is one, else environments discovered by convention
 * in the GitOps working tree:
 *   envs/<env>/values.yaml                          Helm values, tag at image.tag
 *   overlays/<env>/kustomization.yaml               Kustomize images: entry
 *   apps/<app>/overlays/<env>/kustomization.yaml    the same, one app per folder (monorepo)
 *   k8s/<env>/*.yaml, manifests/<env>/*.yaml        plain manifests holding one container
 * and the multi-app layouts of src/core/apps/discovery.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError, PilotError, type SourceLocation } from '../errors';
import { parseYamlStream } from '../yaml/document';
import { listManifestContainers, parseKeyPath, type ImageLocator, type ManifestContainer } from '../yaml/locate';
import { parseGates } from '../gates/config';
import { appEnvironments, checkResolved } from '../apps/config';
import { nestedLayouts, perAppFiles, splitKustomization, splitValuesFile } from '../apps/discovery';
import { CONFIG_FILE_NAMES, parseConfig } from './configFile';
import { parseWorkload, type Environment, type EnvironmentConfig, type PilotConfig, type Project, type WorkloadKind } from './model';
import { conventionalPromotions, isConventionallyProtected, orderByPromotion } from './promotion';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const VALUES_NAMES = ['values.yaml', 'values.yml'];
export const DEFAULT_HELM_PATH = ['image', 'tag'] as const;

export async function findConfigFile(folder: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const p = join(folder, name);
    if (await isFile(p)) return p;
  }
  return undefined;
}

/**
 * Loads the project rooted at `folder`. Returns undefined when the folder has neither a
 * gitops-pilot.yaml nor any conventional environment layout (it is not a GitOps Pilot project).
 */
export async function loadProject(folder: string): Promise<Project | undefined> {
  const root = resolve(folder);
  const configFile = await findConfigFile(root);
  if (!configFile) {
    const { environments, problems } = await discoverEnvironments(root);
    if (!environments.length && !problems.length) return undefined;
    return finish({ root, gitopsRoot: root, gitops: { remote: 'origin' }, environments, problems });
  }
  const text = await readFile(configFile, 'utf8');
  const parsed = parseConfig(text, configFile);
  if (!parsed.config) {
    return { root, configFile, gitopsRoot: root, gitops: { remote: 'origin' }, environments: [], problems: parsed.problems };
  }
  const config: PilotConfig = parsed.config;
  const problems: PilotError[] = [];
  const gitopsRoot = resolve(dirname(configFile), config.gitops?.repo ?? '.');
  const gitops = { branch: config.gitops?.branch, remote: config.gitops?.remote ?? 'origin', pullRequests: config.gitops?.pullRequests };
  if (!(await isDirectory(gitopsRoot))) {
    problems.push(
      inputError('config.gitopsRepoMissing', `the GitOps repository ${config.gitops?.repo} was not found (looked in ${gitopsRoot})`, {
        location: parsed.locationOf(['gitops', 'repo']),
        hint: 'Clone the GitOps repository there, or fix gitops.repo in gitops-pilot.yaml',
      }),
    );
    return { root, configFile, config, gitopsRoot, gitops, environments: [], problems };
  }
  let environments: Environment[];
  // issue 15: many apps (each app × environment is `<app>/<env>`)
  if (config.apps) {
    const r = appEnvironments(config, (ec, loc) => fromConfig(ec, gitopsRoot, loc), parsed.locationOf);
    return finish({ root, configFile, config, gitopsRoot, gitops, environments: r.environments, problems: [...problems, ...r.problems] }, r.where);
  }
  if (config.environments) {
    environments = [];
    config.environments.forEach((ec, i) => {
      try {
        const loc = (...keys: (string | number)[]) => parsed.locationOf(['environments', i, ...keys]);
        checkResolved(ec, loc); // issue 15: {app}/{env} only with apps:
        environments.push(fromConfig(ec, gitopsRoot, loc));
      } catch (err) {
        problems.push(err as PilotError);
      }
    });
    const seen = new Map<string, number>();
    config.environments.forEach((ec, i) => {
      if (seen.has(ec.name)) {
        problems.push(inputError('config.duplicateEnvironment', `environment "${ec.name}" is defined twice`, {
          location: parsed.locationOf(['environments', i, 'name']),
          hint: 'Give each environment a unique name',
        }));
      } else seen.set(ec.name, i);
    });
    environments = environments.filter((e, i, all) => all.findIndex((x) => x.id === e.id) === i);
    const where = (id: string) => parsed.locationOf(['environments', config.environments!.findIndex((e) => e.name === id), 'promoteFrom']);
    return finish({ root, configFile, config, gitopsRoot, gitops, environments, problems }, where);
  }
  const discovered = await discoverEnvironments(gitopsRoot);
  if (!discovered.environments.length && !discovered.problems.length) {
    problems.push(inputError('config.noEnvironments', `no environments found in ${gitopsRoot}`, {
      location: parsed.locationOf([]),
      hint: 'List them under environments: in gitops-pilot.yaml, or use envs/<env>/values.yaml or overlays/<env>/kustomization.yaml',
    }));
  }
  return finish({ root, configFile, config, gitopsRoot, gitops, environments: discovered.environments, problems: [...problems, ...discovered.problems] });
}

/** Links promotions, orders environments and reports promotion problems. */
function finish(p: Omit<Project, 'environments'> & { environments: Environment[]; problems: PilotError[] }, where?: (id: string) => SourceLocation): Project {
  const nodes = p.environments.map((e) => ({ id: e.id, promoteFrom: e.promoteFrom, location: where?.(e.id) }));
  const { order, problems } = orderByPromotion(nodes);
  const valid = new Set(p.environments.map((e) => e.id));
  const byId = new Map(p.environments.map((e) => [e.id, e]));
  const linked = p.environments.map((e) => ({
    ...e,
    promoteFrom: e.promoteFrom !== undefined && valid.has(e.promoteFrom) && e.promoteFrom !== e.id ? e.promoteFrom : undefined,
  }));
  const promotesTo = new Map<string, string[]>();
  for (const e of linked) if (e.promoteFrom) promotesTo.set(e.promoteFrom, [...(promotesTo.get(e.promoteFrom) ?? []), e.id]);
  const environments = order.map((id) => {
    const e = linked.find((x) => x.id === id) ?? byId.get(id)!;
    return { ...e, promotesTo: promotesTo.get(id) ?? [] };
  });
  return { ...p, environments, problems: [...p.problems, ...problems] };
}

function fromConfig(ec: EnvironmentConfig, gitopsRoot: string, loc: (...keys: (string | number)[]) => SourceLocation): Environment {
  const file = containedPath(gitopsRoot, ec.file, loc('file'));
  const isKustomization = KUSTOMIZATION_NAMES.includes(basename(file));
  let locator: ImageLocator;
  if (ec.container !== undefined && (ec.path !== undefined || ec.kustomizeImage !== undefined)) {
    throw inputError('config.locatorConflict', `environment "${ec.name}" sets container: and ${ec.path !== undefined ? 'path:' : 'kustomizeImage:'}; the image is in one place`, {
      location: loc('container'),
      hint: 'Use container: for a Kubernetes manifest, path: for a key path, kustomizeImage: for a kustomization',
    });
  }
  if (ec.container !== undefined) locator = { kind: 'manifest', container: ec.container, ...(ec.workload ? { workload: ec.workload } : {}) };
  else if (ec.kustomizeImage !== undefined) locator = { kind: 'kustomize', image: ec.kustomizeImage };
  else if (ec.path !== undefined) locator = { kind: 'helm', path: parsePathAt(ec.path, loc('path')) };
  else if (isKustomization) locator = { kind: 'kustomize' };
  else locator = { kind: 'helm', path: [...DEFAULT_HELM_PATH] };
  // the schema has checked its form
  const workload = parseWorkload(ec.workload);
  return {
    id: ec.name,
    name: ec.name,
    gitopsRoot,
    file,
    relFile: relative(gitopsRoot, file).split(sep).join('/'),
    locator,
    cluster: ec.cluster,
    workload,
    argocd: ec.argocd ? { application: ec.argocd.application, namespace: ec.argocd.namespace ?? 'argocd' } : undefined,
    flux: fluxOf(ec.flux),
    promoteFrom: ec.promoteFrom,
    promotesTo: [],
    protected: ec.protected ?? false,
    healthUrl: ec.healthUrl,
    ...(ec.gates ? { gates: parseGates(ec.gates, ec.protected ?? false, (...keys) => loc('gates', ...keys)) } : {}),
    ...(ec.onFailure ? { onFailure: ec.onFailure } : {}),
    pushMode: ec.pushMode,
    source: 'config',
  };
}

/** A configured key path, its syntax errors located at the path: key in gitops-pilot.yaml. */
function parsePathAt(path: string | readonly string[], location: SourceLocation): string[] {
  try {
    return parseKeyPath(path);
  } catch (err) {
    if (err instanceof PilotError) throw inputError(err.code, err.message, { location, hint: err.hint });
    throw err;
  }
}

/** `flux: { kustomization | helmRelease, namespace }` (validated by the schema: exactly one of the two). */
function fluxOf(f: EnvironmentConfig['flux']): Environment['flux'] {
  if (!f) return undefined;
  const namespace = f.namespace ?? 'flux-system';
  if (f.kustomization) return { kind: 'Kustomization', name: f.kustomization, namespace };
  if (f.helmRelease) return { kind: 'HelmRelease', name: f.helmRelease, namespace };
  return undefined;
}

/** Resolves `rel` inside `root`; a path that leaves the root (../../etc/passwd, /etc/passwd) is refused. */
export function containedPath(root: string, rel: string, location?: SourceLocation): string {
  const abs = resolve(root, rel);
  const r = relative(root, abs);
  if (r.split(sep).some((segment) => segment.startsWith('-'))) {
    throw inputError('config.fileLooksLikeOption', `file "${rel}" has a path segment starting with "-"`, {
      location,
      hint: 'Rename the file or folder: names starting with "-" are read as options by command-line tools',
    });
  }
  if (isAbsolute(rel) || r === '' || r.startsWith('..') || isAbsolute(r)) {
    throw inputError('config.fileOutsideRepo', `file "${rel}" is outside the GitOps repository`, {
      location,
      hint: 'Environment files are paths relative to the GitOps repository root',
    });
  }
  return abs;
}

export async function discoverEnvironments(gitopsRoot: string): Promise<{ environments: Environment[]; problems: PilotError[] }> {
  const found: Environment[] = [];
  const problems: PilotError[] = [];
  const add = (env: Omit<Environment, 'gitopsRoot' | 'relFile' | 'promotesTo' | 'protected' | 'source'>) => {
    const relFile = relative(gitopsRoot, env.file).split(sep).join('/');
    const clash = found.find((e) => e.id === env.id);
    if (clash) {
      problems.push(inputError('discovery.duplicateEnvironment', `environment "${env.id}" found twice: ${clash.relFile} and ${relFile}`, {
        hint: 'List the environments in gitops-pilot.yaml to say which file each one uses',
      }));
      return;
    }
    found.push({ ...env, gitopsRoot, relFile, promotesTo: [], protected: isConventionallyProtected(env.name), source: 'convention' });
  };
  // issue 15: a file of several apps becomes one environment per app (src/core/apps/discovery.ts)
  const fs = { subdirs, firstFile };
  for (const name of await subdirs(join(gitopsRoot, 'envs'))) {
    const file = await firstFile(join(gitopsRoot, 'envs', name), VALUES_NAMES);
    if (!file) (await perAppFiles(fs, join(gitopsRoot, 'envs', name), name)).forEach(add);
    else ((await splitValuesFile(name, file)) ?? [{ id: name, name, file, locator: { kind: 'helm', path: [...DEFAULT_HELM_PATH] } }]).forEach(add);
  }
  for (const name of await subdirs(join(gitopsRoot, 'overlays'))) {
    const file = await firstFile(join(gitopsRoot, 'overlays', name), KUSTOMIZATION_NAMES);
    if (file) ((await splitKustomization(name, file)) ?? [{ id: name, name, file, locator: { kind: 'kustomize' } }]).forEach(add);
  }
  (await nestedLayouts(fs, gitopsRoot)).forEach(add);
  for (const app of await subdirs(join(gitopsRoot, 'apps'))) {
    for (const name of await subdirs(join(gitopsRoot, 'apps', app, 'overlays'))) {
      const file = await firstFile(join(gitopsRoot, 'apps', app, 'overlays', name), KUSTOMIZATION_NAMES);
      if (file) add({ id: `${app}/${name}`, name, app, file, locator: { kind: 'kustomize' } });
    }
  }
  for (const folder of MANIFEST_FOLDERS) {
    for (const name of await subdirs(join(gitopsRoot, folder))) {
      const found = await manifestFolder(join(gitopsRoot, folder, name));
      if (found.env) add({ id: name, name, ...found.env });
      if (found.problem) problems.push(found.problem);
    }
  }
  // conventional promotion chains, per app
  const groups = new Map<string, Environment[]>();
  for (const e of found) groups.set(e.app ?? '', [...(groups.get(e.app ?? '') ?? []), e]);
  const environments: Environment[] = [];
  for (const [app, envs] of groups) {
    const from = conventionalPromotions(envs.map((e) => e.name));
    for (const e of envs) {
      const src = from.get(e.name);
      environments.push(src === undefined ? e : { ...e, promoteFrom: app ? `${app}/${src}` : src });
    }
  }
  return { environments, problems };
}

/** Folders of plain manifests, one folder per environment: k8s/<env>/, manifests/<env>/. */
const MANIFEST_FOLDERS = ['k8s', 'manifests'];
const WATCHABLE: readonly string[] = ['deployment', 'statefulset', 'daemonset', 'rollout'];

/**
 * A plain manifest folder is an environment when its YAML files hold exactly one container (init
 * containers aside): the file and container are the locator, its workload the one to watch. Several
 * containers: a problem that says how to choose; none (or unreadable files): not an environment.
 */
async function manifestFolder(dir: string): Promise<{ env?: Pick<Environment, 'file' | 'locator' | 'workload'>; problem?: PilotError }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n) && !KUSTOMIZATION_NAMES.includes(n)).sort();
  } catch {
    return {};
  }
  const found: { file: string; c: ManifestContainer }[] = [];
  for (const n of names) {
    const file = join(dir, n);
    try {
      const containers = listManifestContainers(parseYamlStream(await readFile(file, 'utf8'), file)).filter((c) => !c.init);
      for (const c of containers) found.push({ file, c });
    } catch {
      // not YAML we can read: not part of the environment's image
    }
  }
  if (found.length === 1) {
    const { file, c } = found[0]!;
    const [kind, name] = c.workload.split('/') as [string, string];
    const workload = WATCHABLE.includes(kind.toLowerCase()) ? { kind: kind.toLowerCase() as WorkloadKind, name } : undefined;
    return { env: { file, locator: { kind: 'manifest', ...(c.name ? { container: c.name } : {}) }, ...(workload ? { workload } : {}) } };
  }
  if (found.length > 1) {
    return {
      problem: inputError('discovery.manyContainers', `${basename(dir)}: the manifests in ${dir} hold ${found.length} containers, so the environment's image is not clear`, {
        location: { file: found[1]!.file, line: 1, col: 1 },
        hint: `List the environment in gitops-pilot.yaml with file: and container: (one of ${found.map((f) => f.c.name ?? '<unnamed>').join(', ')})`,
      }),
    };
  }
  return {};
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

async function firstFile(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) if (await isFile(join(dir, n))) return join(dir, n);
  return undefined;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
