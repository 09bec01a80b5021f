/**
 * Many apps in one gitops-pilot.yaml: an `apps:` list whose entries either list their own environments
 * or share the top-level `environments:` as a template with `{app}` / `{env}` placeholders. Each app ×
 * environment becomes an Environment with the id `<app>/<env>`; promoteFrom names an environment of the
 * same app.
 */
import { inputError, type PilotError, type SourceLocation } from '../errors';
import type { AppConfig, Environment, EnvironmentConfig, PilotConfig } from '../config/model';

/** The keys a template may use placeholders in. */
const TEMPLATED = ['file', 'path', 'kustomizeImage', 'container', 'workload'] as const;
const PLACEHOLDER = /\{(app|env)\}/g;

export function substitute(text: string, vars: { app: string; env: string }): string {
  return text.replace(PLACEHOLDER, (_, k: 'app' | 'env') => vars[k]);
}

/** The environment config of one app: placeholders replaced in the keys that may hold them. */
export function instantiate(ec: EnvironmentConfig, app: string): EnvironmentConfig {
  const vars = { app, env: ec.name };
  const out: Record<string, unknown> = { ...ec };
  for (const k of TEMPLATED) {
    const v = (ec as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = substitute(v, vars);
    else if (Array.isArray(v)) out[k] = v.map((s) => (typeof s === 'string' ? substitute(s, vars) : s));
  }
  if (ec.cluster) {
    out.cluster = {
      ...ec.cluster,
      ...(ec.cluster.context !== undefined ? { context: substitute(ec.cluster.context, vars) } : {}),
      ...(ec.cluster.namespace !== undefined ? { namespace: substitute(ec.cluster.namespace, vars) } : {}),
    };
  }
  if (ec.argocd) out.argocd = { ...ec.argocd, application: substitute(ec.argocd.application, vars) };
  if (ec.flux) {
    out.flux = {
      ...ec.flux,
      ...(ec.flux.kustomization !== undefined ? { kustomization: substitute(ec.flux.kustomization, vars) } : {}),
      ...(ec.flux.helmRelease !== undefined ? { helmRelease: substitute(ec.flux.helmRelease, vars) } : {}),
      ...(ec.flux.namespace !== undefined ? { namespace: substitute(ec.flux.namespace, vars) } : {}),
    };
  }
  return out as unknown as EnvironmentConfig;
}

type Loc = (path: readonly (string | number)[]) => SourceLocation;
type FromConfig = (ec: EnvironmentConfig, loc: (...keys: (string | number)[]) => SourceLocation) => Environment;

/**
 * The environments of every app. `fromConfig` turns one environment config into an Environment (the
 * single-app code path: paths contained in the repository, locators, workloads).
 */
export function appEnvironments(config: PilotConfig, fromConfig: FromConfig, locationOf: Loc): { environments: Environment[]; problems: PilotError[]; where: (id: string) => SourceLocation } {
  const apps: readonly AppConfig[] = config.apps ?? [];
  const environments: Environment[] = [];
  const problems: PilotError[] = [];
  const locations = new Map<string, SourceLocation>();
  const seenApps = new Set<string>();
  apps.forEach((app, ai) => {
    if (seenApps.has(app.name)) {
      problems.push(inputError('config.duplicateApp', `app "${app.name}" is defined twice`, { location: locationOf(['apps', ai, 'name']), hint: 'Give each app a unique name' }));
      return;
    }
    seenApps.add(app.name);
    const own = app.environments !== undefined;
    const list = app.environments ?? config.environments ?? [];
    const base = (i: number): (string | number)[] => (own ? ['apps', ai, 'environments', i] : ['environments', i]);
    if (!list.length) {
      problems.push(inputError('config.appWithoutEnvironments', `app "${app.name}" has no environments`, {
        location: locationOf(['apps', ai]),
        hint: 'List environments: under the app, or a shared environments: template with {app} in file',
      }));
      return;
    }
    const names = new Set<string>();
    list.forEach((ec, i) => {
      if (names.has(ec.name)) {
        problems.push(inputError('config.duplicateEnvironment', `environment "${ec.name}" is defined twice for app "${app.name}"`, {
          location: locationOf([...base(i), 'name']),
          hint: 'Give each environment a unique name',
        }));
        return;
      }
      names.add(ec.name);
      try {
        const loc = (...keys: (string | number)[]) => locationOf([...base(i), ...keys]);
        const resolved = instantiate(ec, app.name);
        checkResolved(resolved, loc);
        const env = fromConfig(resolved, loc);
        const id = `${app.name}/${ec.name}`;
        locations.set(id, locationOf([...base(i), 'promoteFrom']));
        environments.push({ ...env, id, app: app.name, promoteFrom: ec.promoteFrom !== undefined ? `${app.name}/${ec.promoteFrom}` : undefined });
      } catch (err) {
        problems.push(err as PilotError);
      }
    });
  });
  // two apps must not edit the same image in the same file (one bump would move both)
  const byTarget = new Map<string, Environment>();
  const unique: Environment[] = [];
  for (const e of environments) {
    const key = `${e.relFile}\0${JSON.stringify(e.locator)}`;
    const other = byTarget.get(key);
    if (other) {
      problems.push(inputError('config.sharedImage', `${other.id} and ${e.id} both set the image in ${e.relFile} at the same place`, {
        location: locations.get(e.id),
        hint: 'Use {app} in file, path or kustomizeImage so each app has its own image',
      }));
    } else {
      byTarget.set(key, e);
      unique.push(e);
    }
  }
  return { environments: unique, problems, where: (id) => locations.get(id) ?? locationOf(['apps']) };
}

const WORKLOAD = /^(deployment|statefulset|daemonset|rollout)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * After placeholders are replaced (or in a single-app config, where there is nothing to replace them
 * with): no `{app}` / `{env}` is left, and a workload or namespace built from them is a valid Kubernetes name.
 */
export function checkResolved(ec: EnvironmentConfig, loc: (...keys: (string | number)[]) => SourceLocation): void {
  const rec = ec as unknown as Record<string, unknown>;
  for (const k of TEMPLATED) {
    const v = rec[k];
    const texts = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    if (texts.some((t) => /\{(app|env)\}/.test(t))) {
      throw inputError('config.placeholderOutsideApps', `${k} of environment "${ec.name}" uses {app} or {env}, which only an apps: list fills in`, {
        location: loc(k),
        hint: 'Add an apps: list, or write the value out',
      });
    }
  }
  if (ec.workload !== undefined && !WORKLOAD.test(ec.workload)) {
    throw inputError('config.badWorkload', `workload "${ec.workload}" of environment "${ec.name}" is not <kind>/<name> with a valid Kubernetes name`, {
      location: loc('workload'),
      hint: 'Use deployment/<name>, statefulset/<name>, daemonset/<name> or rollout/<name> (lowercase letters, digits, - and .)',
    });
  }
  const ns = ec.cluster?.namespace;
  if (ns !== undefined && (/\{(app|env)\}/.test(ns) || !NAMESPACE.test(ns))) {
    throw inputError('config.badNamespace', `namespace "${ns}" of environment "${ec.name}" is not a valid Kubernetes namespace`, {
      location: loc('cluster'),
      hint: 'Lowercase letters, digits and -; {app} and {env} only in an apps: template',
    });
  }
  for (const key of ['kustomization', 'helmRelease'] as const) {
    const name = ec.flux?.[key];
    if (name !== undefined && !FLUX_NAME.test(name)) {
      throw inputError('config.badFluxName', `flux.${key} "${name}" of environment "${ec.name}" is not a valid Kubernetes name`, {
        location: loc('flux'),
        hint: 'Lowercase letters, digits, - and .; {app} and {env} only in an apps: template',
      });
    }
  }
}

/** A Flux object's name once {app} / {env} are filled in (RFC 1123 subdomain). */
const FLUX_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
