/**
 * Fault injection and request statistics. Both key on the same request description, so a test can
 * say "the next 2 list calls on deployments in dev fail with 500" or count what a watch loop did.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'discovery';

/** What the server knows about a request once it is routed. */
export interface RequestInfo {
  method: string;
  path: string;
  verb: Verb;
  /** plural resource name, e.g. `deployments` (undefined for discovery and other non-resource paths) */
  resource?: string;
  group?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Selects requests (all given fields must match). */
export interface RequestFilter {
  verb?: Verb | Verb[];
  /** plural (`deployments`) or with the subresource (`deployments/scale`) */
  resource?: string;
  namespace?: string;
  name?: string;
  /** matched against the URL path */
  path?: string | RegExp;
}

export function matchesRequest(filter: RequestFilter | undefined, info: RequestInfo): boolean {
  if (!filter) return true;
  if (filter.verb !== undefined) {
    const verbs = Array.isArray(filter.verb) ? filter.verb : [filter.verb];
    if (!verbs.includes(info.verb)) return false;
  }
  if (filter.resource !== undefined) {
    const [res, sub] = filter.resource.split('/');
    if (res !== info.resource) return false;
    if (sub !== undefined && sub !== info.subresource) return false;
  }
  if (filter.namespace !== undefined && filter.namespace !== info.namespace) return false;
  if (filter.name !== undefined && filter.name !== info.name) return false;
  if (filter.path !== undefined) {
    if (typeof filter.path === 'string' ? filter.path !== info.path : !filter.path.test(info.path)) return false;
  }
  return true;
}

/** An injected failure: the next `count` matching requests get `status`. */
export interface FailureRule {
  status: number;
  count: number;
  filter?: RequestFilter;
  /** message of the Status (defaults to kube-apiserver's wording for the code) */
  message?: string;
}

export class FailureRules {
  private rules: FailureRule[] = [];

  add(rule: FailureRule): void {
    if (rule.count > 0) this.rules.push({ ...rule });
  }

  /** Consumes and returns the first rule matching the request. */
  take(info: RequestInfo): FailureRule | undefined {
    const rule = this.rules.find((r) => matchesRequest(r.filter, info));
    if (!rule) return undefined;
    rule.count -= 1;
    if (rule.count <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  get pending(): number {
    return this.rules.reduce((n, r) => n + r.count, 0);
  }

  clear(): void {
    this.rules = [];
  }
}

export interface StatsSnapshot {
  /** all requests received */
  requests: number;
  /** by verb: get, list, watch, create, update, patch, delete, deletecollection, discovery */
  byVerb: Record<string, number>;
  /** by `<VERB> <path>` with the verb in upper case, e.g. `WATCH /apis/apps/v1/namespaces/dev/deployments` */
  byPath: Record<string, number>;
  /** watch connections open now */
  openWatches: number;
  /** open watches by `<resource>/<namespace>` (`*` for all namespaces), e.g. `deployments/dev` */
  openWatchesBy: Record<string, number>;
  /** watch connections ever opened */
  watchesOpened: number;
  /** watch events written to clients (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR) */
  watchEventsSent: number;
  /** watch events by type */
  watchEventsByType: Record<string, number>;
}

export class Stats {
  private data = Stats.empty();
  private readonly open = new Map<string, number>();

  private static empty(): Omit<StatsSnapshot, 'openWatches' | 'openWatchesBy'> {
    return { requests: 0, byVerb: {}, byPath: {}, watchesOpened: 0, watchEventsSent: 0, watchEventsByType: {} };
  }

  request(info: RequestInfo): void {
    this.data.requests += 1;
    this.data.byVerb[info.verb] = (this.data.byVerb[info.verb] ?? 0) + 1;
    const key = `${info.verb.toUpperCase()} ${info.path}`;
    this.data.byPath[key] = (this.data.byPath[key] ?? 0) + 1;
  }

  watchOpened(key: string): void {
    this.data.watchesOpened += 1;
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }

  watchClosed(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }

  watchEvent(type: string): void {
    this.data.watchEventsSent += 1;
    this.data.watchEventsByType[type] = (this.data.watchEventsByType[type] ?? 0) + 1;
  }

  snapshot(): StatsSnapshot {
    const openWatchesBy = Object.fromEntries(this.open);
    return {
      ...structuredClone(this.data),
      openWatches: [...this.open.values()].reduce((a, b) => a + b, 0),
      openWatchesBy,
    };
  }

  /** Zeroes the counters (open watches are still counted: they are state, not history). */
  reset(): void {
    this.data = Stats.empty();
  }
}
