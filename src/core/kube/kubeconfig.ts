/**
 * The user's kubeconfig, merged the way kubectl merges it: the files of the `kubernetes.kubeconfig`
 * setting, else `KUBECONFIG` (several files, `:`-separated on Unix), else `~/.kube/config`. For each
 * named cluster, user and context the first file that defines it wins; the current context is the first
 * one set. Missing files in the list are skipped, as kubectl skips them.
 *
 * Parsing is client-node's (`KubeConfig.loadFromFile`, so relative certificate paths resolve against
 * each file's folder); the merge is ours because client-node's `mergeConfig` throws on a duplicate name
 * where kubectl keeps the first. The SDK is loaded on first use (`../../lazy/kube`).
 */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { inputError } from '../errors';

export interface KubeconfigSource {
  /** the files in precedence order */
  readonly files: readonly string[];
  /** where the list came from, for messages */
  readonly origin: 'setting' | 'flag' | 'KUBECONFIG' | 'default';
}

/** The kubeconfig files to read: the setting's list, else `KUBECONFIG`, else `~/.kube/config`. */
export function kubeconfigSource(settingFiles: readonly string[], env: NodeJS.ProcessEnv = process.env, home = homedir()): KubeconfigSource {
  const expand = (f: string) => {
    const p = f === '~' ? home : f.startsWith('~/') ? join(home, f.slice(2)) : f;
    return isAbsolute(p) ? p : resolve(home, p);
  };
  const fromSetting = settingFiles.map((f) => f.trim()).filter(Boolean);
  if (fromSetting.length) return { files: dedupe(fromSetting.map(expand)), origin: 'setting' };
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length) return { files: dedupe(fromEnv.map(expand)), origin: 'KUBECONFIG' };
  return { files: [join(home, '.kube', 'config')], origin: 'default' };
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

export interface ContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string;
  /** the cluster's API server URL ('' when the cluster entry is missing) */
  readonly server: string;
  /** the user gets credentials from an exec plugin (e.g. `aws eks get-token`) */
  readonly exec?: { readonly command: string; readonly args: readonly string[] };
}

/** A merged kubeconfig: the contexts, and a client-node KubeConfig per context. */
export class Kubeconfig {
  constructor(
    readonly source: KubeconfigSource,
    /** the files actually read */
    readonly loaded: readonly string[],
    private readonly clusters: readonly Cluster[],
    private readonly users: readonly User[],
    private readonly ctxs: readonly Context[],
    readonly currentContext: string | undefined,
    private readonly SdkKubeConfig: typeof KubeConfig,
  ) {}

  get contexts(): ContextInfo[] {
    return this.ctxs.map((c) => this.info(c));
  }

  context(name: string): ContextInfo | undefined {
    const c = this.ctxs.find((x) => x.name === name);
    return c ? this.info(c) : undefined;
  }

  /** Where the kubeconfig was read from, for messages: `~/.kube/config`, or the list of files. */
  describe(): string {
    const files = this.loaded.length ? this.loaded : this.source.files;
    const home = homedir();
    const show = files.map((f) => (f.startsWith(`${home}/`) ? `~/${f.slice(home.length + 1)}` : f));
    const from = { KUBECONFIG: ' (KUBECONFIG)', setting: ' (gitopsPilot.kubernetes.kubeconfig)', flag: '', default: '' }[this.source.origin];
    return `${show.join(', ')}${from}`;
  }

  /**
   * The context to use: the given one, else the kubeconfig's current context (kubectl's rule).
   * Throws a PilotError naming what is missing and what to do.
   */
  resolve(name: string | undefined): ContextInfo {
    const wanted = name ?? this.currentContext;
    if (!wanted) {
      throw inputError('kube.noContext', `No Kubernetes context is selected and ${this.describe()} has no current-context`, {
        hint: 'Name a context (cluster.context in gitops-pilot.yaml, or in the editor "GitOps Pilot: Select Kubernetes Context…"), or run `kubectl config use-context NAME`',
      });
    }
    const found = this.context(wanted);
    if (!found) {
      const known = this.ctxs.map((c) => c.name);
      throw inputError('kube.contextMissing', `Context "${wanted}" is not in your kubeconfig (${this.describe()})`, {
        hint: known.length
          ? `Known contexts: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', …' : ''}. Use one of them, or add it (for EKS: aws eks update-kubeconfig --name CLUSTER --alias ${wanted})`
          : 'Add a context (for EKS: aws eks update-kubeconfig --name CLUSTER), or point gitopsPilot.kubernetes.kubeconfig / KUBECONFIG at your kubeconfig',
      });
    }
    if (!found.server) {
      throw inputError('kube.clusterMissing', `Context "${wanted}" names cluster "${found.cluster}", which is not in your kubeconfig (${this.describe()})`, {
        hint: 'Fix the kubeconfig (kubectl config view), or re-create the context',
      });
    }
    return found;
  }

  /** A client-node KubeConfig whose current context is `name` (the merged entries, shared). */
  forContext(name: string): KubeConfig {
    const kc = new this.SdkKubeConfig();
    kc.loadFromOptions({ clusters: [...this.clusters], users: [...this.users], contexts: [...this.ctxs], currentContext: name });
    return kc;
  }

  private info(c: Context): ContextInfo {
    const cluster = this.clusters.find((x) => x.name === c.cluster);
    const user = this.users.find((x) => x.name === c.user);
    const exec = user?.exec as { command?: unknown; args?: unknown } | undefined;
    return {
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      ...(c.namespace ? { namespace: c.namespace } : {}),
      server: cluster?.server ?? '',
      ...(exec && typeof exec.command === 'string' ? { exec: { command: exec.command, args: Array.isArray(exec.args) ? exec.args.map(String) : [] } } : {}),
    };
  }
}

/** Reads and merges the kubeconfig files (first definition of a name wins). */
export async function loadKubeconfig(source: KubeconfigSource): Promise<Kubeconfig> {
  const { KubeConfig: SdkKubeConfig } = await import('../../lazy/kube');
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  let current: string | undefined;
  const loaded: string[] = [];
  for (const file of source.files) {
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue; // kubectl skips missing files of the list
    }
    const kc = new SdkKubeConfig();
    try {
      kc.loadFromFile(file, { onInvalidEntry: 'filter' });
    } catch (err) {
      const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw inputError('kube.kubeconfigInvalid', `${file} is not a valid kubeconfig: ${text}`, { hint: 'Fix the file (kubectl config view shows what kubectl reads)', cause: err });
    }
    loaded.push(file);
    for (const c of kc.getClusters()) if (!clusters.some((x) => x.name === c.name)) clusters.push(c);
    for (const u of kc.getUsers()) if (!users.some((x) => x.name === u.name)) users.push(u);
    for (const c of kc.getContexts()) if (!contexts.some((x) => x.name === c.name)) contexts.push(c);
    current ??= kc.getCurrentContext() || undefined;
  }
  if (!loaded.length) {
    throw inputError('kube.noKubeconfig', `No kubeconfig found (looked at ${source.files.join(', ')})`, {
      hint:
        source.origin === 'setting'
          ? 'Fix the paths in gitopsPilot.kubernetes.kubeconfig'
          : source.origin === 'flag'
            ? 'Check the --kubeconfig path'
          : 'Create one (for EKS: aws eks update-kubeconfig --name CLUSTER), set KUBECONFIG, or list files in gitopsPilot.kubernetes.kubeconfig (in a remote window: in the Remote settings)',
    });
  }
  return new Kubeconfig(source, loaded, clusters, users, contexts, current, SdkKubeConfig);
}

/**
 * Loads the kubeconfig again only when a file of the list changed (by mtime and size) or the list did:
 * cheap enough to call before every connection.
 */
export class KubeconfigLoader {
  private cached: { key: string; stamp: string; config: Promise<Kubeconfig> } | undefined;

  constructor(private readonly source: () => KubeconfigSource) {}

  load(): Promise<Kubeconfig> {
    const src = this.source();
    const key = JSON.stringify(src);
    const stamp = src.files.map(fileStamp).join('|');
    if (this.cached && this.cached.key === key && this.cached.stamp === stamp) return this.cached.config;
    const config = loadKubeconfig(src);
    this.cached = { key, stamp, config };
    config.catch(() => {
      if (this.cached?.config === config) this.cached = undefined;
    });
    return config;
  }

  /** The stamp of the files now: changes when a file is edited, created or removed. */
  stamp(): string {
    return this.source().files.map(fileStamp).join('|');
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

function fileStamp(f: string): string {
  try {
    const s = statSync(f);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}
