/**
 * Discovering many apps without configuration (issue 15). The layouts:
 *   envs/<env>/values.yaml with several `<app>.image.tag` keys (and no top-level image:)
 *   envs/<env>/<app>/values.yaml                  (when there is no envs/<env>/values.yaml)
 *   envs/<env>/<app>.yaml                         (the same)
 *   <app>/envs/<env>/values.yaml                  (two apps or more: one is a project in a subfolder)
 *   overlays/<env>/kustomization.yaml with several images: entries: each entry is an app
 *   <project>/overlays|kustomize/<env>/kustomization.yaml: each images: entry is an app (the folder
 *   when there is only one)
 * The tag of a Helm values file is at image.tag, else at the one `<key>.image.tag` (a subchart).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { ImageLocator } from '../yaml/locate';

export interface Found {
  readonly id: string;
  readonly name: string;
  readonly app?: string;
  readonly file: string;
  readonly locator: ImageLocator;
}

export interface DiscoveryFs {
  subdirs(dir: string): Promise<string[]>;
  firstFile(dir: string, names: readonly string[]): Promise<string | undefined>;
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const VALUES_NAMES = ['values.yaml', 'values.yml'];
/** top-level folders that are layouts of their own, not apps */
const RESERVED = new Set(['envs', 'overlays', 'apps', 'base', 'bases', 'components', 'node_modules']);
/** folders beside overlays that are not environments */
const NOT_ENVS = new Set(['base', 'bases', 'components']);

function rootMap(text: string): YAMLMap | undefined {
  try {
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length) return undefined;
    return isMap(doc.contents) ? doc.contents : undefined;
  } catch {
    return undefined;
  }
}

function hasImageTag(m: unknown): boolean {
  if (!isMap(m)) return false;
  const image = m.get('image', true);
  return isMap(image) && (image.has('tag') || image.has('repository'));
}

/** `<key>.image.tag` paths of a values file without a top-level image: (one per app), in file order. */
export function helmAppKeys(text: string): string[] {
  const root = rootMap(text);
  if (!root || root.has('image')) return [];
  return root.items.filter((p) => hasImageTag(p.value)).map((p) => String((p.key as { value?: unknown }).value ?? p.key));
}

/** Where a single app's values file holds its tag: image.tag, else the one `<key>.image.tag`. */
export function helmTagPath(text: string): string[] {
  const keys = helmAppKeys(text);
  return keys.length === 1 ? [keys[0]!, 'image', 'tag'] : ['image', 'tag'];
}

/** The names of a kustomization's images: entries, in file order. */
export function kustomizeImageNames(text: string): string[] {
  const root = rootMap(text);
  const images = root?.get('images', true);
  if (!isSeq(images)) return [];
  return images.items.flatMap((it) => (isMap(it) && typeof it.get('name') === 'string' ? [it.get('name') as string] : []));
}

/** The app an images: entry stands for: the last path segment of its name. */
export function appOfImage(name: string): string {
  return basename(name.split('@')[0]!.split(':')[0]!);
}

async function text(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

/** envs/<env>/values.yaml with several apps: their environments, or undefined when it is one app's file. */
export async function splitValuesFile(env: string, file: string): Promise<Found[] | undefined> {
  const keys = helmAppKeys(await text(file));
  if (keys.length < 2) return undefined;
  return keys.map((app) => ({ id: `${app}/${env}`, name: env, app, file, locator: { kind: 'helm', path: [app, 'image', 'tag'] } }));
}

/** overlays/<env>/kustomization.yaml with several images: entries: one app per entry. */
export async function splitKustomization(env: string, file: string, single?: string): Promise<Found[] | undefined> {
  const names = kustomizeImageNames(await text(file));
  if (names.length < 2) return single ? [{ id: `${single}/${env}`, name: env, app: single, file, locator: { kind: 'kustomize' } }] : undefined;
  const apps = names.map(appOfImage);
  // two entries ending in the same name: use the whole name, so each app is one entry
  return names.map((image, i) => {
    const app = apps.indexOf(apps[i]!) === apps.lastIndexOf(apps[i]!) ? apps[i]! : image;
    return { id: `${app}/${env}`, name: env, app, file, locator: { kind: 'kustomize', image } };
  });
}

/** envs/<env>/ without a values.yaml: `<app>/values.yaml` folders and `<app>.yaml` files. */
export async function perAppFiles(fs: DiscoveryFs, envDir: string, env: string): Promise<Found[]> {
  const out: Found[] = [];
  for (const app of await fs.subdirs(envDir)) {
    const file = await fs.firstFile(join(envDir, app), VALUES_NAMES);
    if (file) out.push({ id: `${app}/${env}`, name: env, app, file, locator: { kind: 'helm', path: helmTagPath(await text(file)) } });
  }
  const files = await readdir(envDir, { withFileTypes: true }).catch(() => []);
  for (const f of files.filter((d) => d.isFile() && /\.ya?ml$/.test(d.name) && !d.name.startsWith('.')).map((d) => d.name).sort()) {
    if (KUSTOMIZATION_NAMES.includes(f)) continue;
    const app = f.replace(/\.ya?ml$/, '');
    const file = join(envDir, f);
    out.push({ id: `${app}/${env}`, name: env, app, file, locator: { kind: 'helm', path: helmTagPath(await text(file)) } });
  }
  return out;
}

/** `<app>/envs/<env>/values.yaml` and `<project>/(overlays|kustomize)/<env>/kustomization.yaml`. */
export async function nestedLayouts(fs: DiscoveryFs, gitopsRoot: string): Promise<Found[]> {
  const out: Found[] = [];
  const envApps: Found[][] = [];
  for (const top of await fs.subdirs(gitopsRoot)) {
    // a folder with its own .git is another repository (a workspace holding clones), not an app
    if (RESERVED.has(top) || existsSync(join(gitopsRoot, top, '.git'))) continue;
    const app: Found[] = [];
    for (const env of await fs.subdirs(join(gitopsRoot, top, 'envs'))) {
      const file = await fs.firstFile(join(gitopsRoot, top, 'envs', env), VALUES_NAMES);
      if (file) app.push({ id: `${top}/${env}`, name: env, app: top, file, locator: { kind: 'helm', path: helmTagPath(await text(file)) } });
    }
    if (app.length) envApps.push(app);
    for (const folder of ['overlays', 'kustomize']) {
      for (const env of await fs.subdirs(join(gitopsRoot, top, folder))) {
        if (NOT_ENVS.has(env)) continue;
        const file = await fs.firstFile(join(gitopsRoot, top, folder, env), KUSTOMIZATION_NAMES);
        if (file) out.push(...((await splitKustomization(env, file, top)) ?? []));
      }
    }
  }
  // one folder with envs/ inside is more likely a project in a subfolder than a repository of apps
  if (envApps.length >= 2) out.unshift(...envApps.flat());
  return out;
}
