/**
 * The HTTP face of the simulator: kube-apiserver's URL layout, discovery documents, JSON / Table /
 * PartialObjectMetadata responses, Status errors, chunked watch streams (with resourceVersion replay,
 * 410 Gone as an ERROR event, bookmarks, selectors applied to transitions, timeouts), bearer-token
 * authentication, Forbidden rules, injected failures, stalled / dropped watches, and statistics.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { matchesRequest, type FailureRules, type RequestFilter, type RequestInfo, type Stats, type Verb } from './faults';
import { RESOURCE_TYPES, RESOURCE_VERBS, apiVersionOfType, resourceTypeByPath, selectableField, type ResourceType } from './resources';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import {
  ApiError,
  badRequest,
  forbidden,
  forbiddenPath,
  methodNotAllowed,
  statusForCode,
  tooOldResourceVersion,
  unauthorized,
  unsupportedMediaType,
} from './status';
import { PATCH_CONTENT_TYPES, type DeleteOptions, type Store, type StoreEvent } from './store';
import { partialObjectMetadata, tableRow, toTable, type IncludeObject, tableColumns } from './tables';
import { clone, type KubeObject } from './util';

export interface AuthOptions {
  /** bearer tokens accepted, with the user each one authenticates as */
  tokens: Record<string, string>;
}

/** A denial: requests matching it get 403 Forbidden worded like the RBAC authorizer's. */
export interface ForbidRule extends RequestFilter {
  /** only for this user (default: everyone) */
  user?: string;
  /** appended to the message, like the `: RBAC: ...` detail some authorizers add */
  reason?: string;
}

export interface ServerOptions {
  store: Store;
  stats: Stats;
  failures: FailureRules;
  /** undefined: no authentication, everyone is `user` */
  auth?: AuthOptions;
  /** user name for unauthenticated simulators (appears in Forbidden messages) */
  user: string;
  forbidden: ForbidRule[];
  /** interval of BOOKMARK events on watches that allow them */
  bookmarkIntervalMs: number;
  /** server-side watch timeout when the client gives none */
  defaultWatchTimeoutSeconds: number;
  /** Kubernetes version reported by /version (the kubectl dispatcher picks its client from it) */
  version: { major: string; minor: string; gitVersion: string };
  /** serve HTTPS with this certificate */
  tls?: { cert: string; key: string };
  log?: (line: string) => void;
}

interface Watcher {
  info: RequestInfo;
  key: string;
  res: http.ServerResponse;
  rt: ResourceType;
  stalledUntil: number;
  buffer: string[];
  closed: boolean;
  close(abrupt: boolean): void;
  write(type: string, object: unknown): void;
}

const JSON_TYPE = 'application/json';
const MAX_BODY = 16 * 1024 * 1024;

interface Negotiated {
  as: 'object' | 'Table' | 'PartialObjectMetadata';
  /** meta.k8s.io version for Table / PartialObjectMetadata */
  version: string;
}

/** Picks the representation from the Accept header (kubectl asks for Tables first, then JSON). */
function negotiate(accept: string | undefined): Negotiated | undefined {
  if (!accept) return { as: 'object', version: 'v1' };
  let sawJson = false;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (type === JSON_TYPE || type === '*/*' || type === 'application/*') {
      if (p.as === 'Table' && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) return { as: 'Table', version: p.v };
      if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io') return { as: 'PartialObjectMetadata', version: p.v ?? 'v1' };
      if (!p.as) {
        sawJson = true;
        break;
      }
    }
  }
  return sawJson ? { as: 'object', version: 'v1' } : undefined;
}

export class KubeApiServer {
  readonly server: http.Server | https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private port = 0;
  private host = '127.0.0.1';

  constructor(private readonly o: ServerOptions) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err) => this.fail(res, err));
    };
    this.server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(port: number, host: string): Promise<number> {
    this.host = host;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `${this.o.tls ? 'https' : 'http'}://${this.host}:${this.port}`;
  }

  /** Ends every connection (watches abruptly, like a crashed API server). */
  dropAllConnections(): void {
    for (const w of [...this.watchers]) w.close(true);
    for (const s of this.sockets) s.destroy();
  }

  /** Stops listening and drops connections; `listen` again on the same port to come back. */
  async stopListening(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    for (const w of [...this.watchers]) w.close(false);
    await this.stopListening();
  }

  /** Closes the matching watch streams now (abruptly: the client sees the connection reset). */
  dropWatches(filter?: RequestFilter, opts: { graceful?: boolean } = {}): number {
    let n = 0;
    for (const w of [...this.watchers]) {
      if (!matchesRequest(filter, w.info)) continue;
      w.close(!opts.graceful);
      n++;
    }
    return n;
  }

  /** Holds back everything on the matching watch streams for `ms` (connection open, nothing sent). */
  stallWatches(ms: number, filter?: RequestFilter): number {
    let n = 0;
    const until = Date.now() + ms;
    for (const w of this.watchers) {
      if (!matchesRequest(filter, w.info)) continue;
      w.stalledUntil = Math.max(w.stalledUntil, until);
      const timer = setTimeout(() => this.flush(w), ms);
      timer.unref();
      n++;
    }
    return n;
  }

  private flush(w: Watcher): void {
    if (w.closed) return;
    const left = w.stalledUntil - Date.now();
    if (left > 0) {
      // a longer stall came meanwhile (or the timer fired a millisecond early): its own flush is due later
      setTimeout(() => this.flush(w), left).unref();
      return;
    }
    const pending = w.buffer;
    w.buffer = [];
    for (const chunk of pending) w.res.write(chunk);
  }

  // ── request handling ───────────────────────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubesim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    let route: ReturnType<KubeApiServer['route']>;
    try {
      route = this.route(req.method ?? 'GET', path, query);
    } catch (err) {
      // unknown paths are still requests: count and log them
      this.o.stats.request({ method: req.method ?? 'GET', path, verb: 'discovery' });
      this.o.log?.(`${req.method} ${req.url} -> ${err instanceof ApiError ? err.code : 'error'}`);
      throw err;
    }
    const info: RequestInfo = { method: req.method ?? 'GET', path, ...route.info };
    this.o.stats.request(info);
    this.o.log?.(`${info.method} ${req.url} -> ${info.verb} ${info.resource ?? ''}`);

    const user = this.authenticate(req);
    const injected = this.o.failures.take(info);
    if (injected) {
      if (injected.status === 410 && info.verb === 'watch') {
        // what the watch cache answers for a compacted resourceVersion: 200 + an ERROR event
        const rv = query.get('resourceVersion') ?? '0';
        const status = injected.message ? statusForCode(410, injected.message) : tooOldResourceVersion(rv, this.o.store.resourceVersion);
        this.sendWatchError(res, status);
        return;
      }
      if (injected.status === 403) throw this.forbiddenFor(info, user ?? this.o.user);
      throw statusForCode(injected.status, injected.message);
    }
    if (user === null) throw unauthorized();
    const who = user ?? this.o.user;

    if (route.kind === 'nonresource') {
      await route.handle(res);
      return;
    }
    this.authorize(info, who);
    const rt = route.rt;
    switch (info.verb) {
      case 'list':
        return this.list(req, res, rt, info, query);
      case 'watch':
        return this.watch(req, res, rt, info, query);
      case 'get':
        return this.get(req, res, rt, info);
      case 'create':
        return this.create(req, res, rt, info, query);
      case 'update':
        return this.update(req, res, rt, info, query);
      case 'patch':
        return this.patch(req, res, rt, info, query);
      case 'delete':
        return this.delete(req, res, rt, info, query);
      case 'deletecollection':
        return this.deleteCollection(req, res, rt, info, query);
      default:
        throw methodNotAllowed(info.method, info.resource ?? '');
    }
  }

  /** undefined: no authentication configured; null: a token was required and missing or wrong. */
  private authenticate(req: http.IncomingMessage): string | undefined | null {
    if (!this.o.auth) return undefined;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return null;
    return this.o.auth.tokens[m[1]!.trim()] ?? null;
  }

  private forbiddenFor(info: RequestInfo, user: string, reason?: string): ApiError {
    if (!info.resource) return forbiddenPath(user, info.method.toLowerCase(), info.path);
    return forbidden({ user, verb: info.verb, resource: info.resource, subresource: info.subresource, group: info.group ?? '', namespace: info.namespace, name: info.name, reason });
  }

  private authorize(info: RequestInfo, user: string): void {
    for (const rule of this.o.forbidden) {
      if (rule.user !== undefined && rule.user !== user) continue;
      if (matchesRequest(rule, info)) throw this.forbiddenFor(info, user, rule.reason);
    }
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
  ): { kind: 'nonresource'; info: Omit<RequestInfo, 'method' | 'path'>; handle: (res: http.ServerResponse) => Promise<void> } | { kind: 'resource'; info: Omit<RequestInfo, 'method' | 'path'>; rt: ResourceType } {
    const discovery = (doc: () => unknown) => ({
      kind: 'nonresource' as const,
      info: { verb: 'discovery' as Verb },
      handle: async (res: http.ServerResponse) => {
        if (method !== 'GET') throw methodNotAllowed(method, path);
        this.send(res, 200, doc());
      },
    });
    const segs = path.split('/').filter(Boolean);
    if (path === '/version') return discovery(() => this.versionDoc());
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      return { kind: 'nonresource', info: { verb: 'discovery' }, handle: async (res) => this.sendText(res, 200, 'ok') };
    }
    if (path === '/api') return discovery(() => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${this.host}:${this.port}` }] }));
    if (path === '/apis') return discovery(() => this.groupList());
    if (path === '/openapi/v3') return discovery(() => this.openApiRoot());
    if (path.startsWith('/openapi/v3/')) {
      const gv = path.slice('/openapi/v3/'.length);
      const doc = this.openApiDoc(gv);
      if (!doc) throw notFoundPath();
      return discovery(() => doc);
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs[1]) {
      group = '';
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs[1]) {
      group = segs[1];
      if (!segs[2]) {
        const g = this.groups().find((x) => x.name === group);
        if (!g) throw notFoundPath();
        return discovery(() => ({ kind: 'APIGroup', apiVersion: 'v1', ...g }));
      }
      version = segs[2];
      rest = segs.slice(3);
    } else {
      throw notFoundPath();
    }
    const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
    if (!types.length) throw notFoundPath();
    if (rest.length === 0) return discovery(() => this.resourceList(group, version, types));
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && resourceTypeByPath(group, version, rest[2]!)?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = rest;
    const rt = resource ? resourceTypeByPath(group, version, resource) : undefined;
    if (!rt || extra.length) throw notFoundPath();
    if (rt.namespaced === false && namespace) throw notFoundPath();
    if (subresource && !rt.subresources.includes(subresource as 'status' | 'scale')) throw notFoundPath();
    const isWatch = watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
    let verb: Verb;
    switch (method) {
      case 'GET':
        verb = name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
        break;
      case 'POST':
        if (name) throw methodNotAllowed(method, rt.resource);
        verb = 'create';
        break;
      case 'PUT':
        if (!name) throw methodNotAllowed(method, rt.resource);
        verb = 'update';
        break;
      case 'PATCH':
        if (!name) throw methodNotAllowed(method, rt.resource);
        verb = 'patch';
        break;
      case 'DELETE':
        verb = name ? 'delete' : 'deletecollection';
        break;
      default:
        throw methodNotAllowed(method, rt.resource);
    }
    return { kind: 'resource', rt, info: { verb, resource: rt.resource, group: rt.group, subresource, namespace, name } };
  }

  // ── discovery ──────────────────────────────────────────────────────────────────────────────────

  private versionDoc(): unknown {
    const v = this.o.version;
    return {
      major: v.major,
      minor: v.minor,
      gitVersion: v.gitVersion,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2025-01-01T00:00:00Z',
      goVersion: 'go1.23.4',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }

  private groups(): Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion: { groupVersion: string; version: string } }> {
    const names = [...new Set(RESOURCE_TYPES.filter((t) => t.group).map((t) => t.group))];
    return names.map((name) => {
      const versions = [...new Set(RESOURCE_TYPES.filter((t) => t.group === name).map((t) => t.version))].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions, preferredVersion: versions[0]! };
    });
  }

  private groupList(): unknown {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups() };
  }

  private resourceList(group: string, version: string, types: ResourceType[]): unknown {
    const resources: unknown[] = [];
    for (const t of types) {
      const r: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: RESOURCE_VERBS };
      if (t.shortNames.length) r.shortNames = t.shortNames;
      if (t.categories.length) r.categories = t.categories;
      resources.push(r);
      for (const sub of t.subresources) {
        if (sub === 'scale') {
          resources.push({ name: `${t.resource}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
        } else {
          resources.push({ name: `${t.resource}/${sub}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
        }
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /**
   * OpenAPI v3, reduced to what kubectl needs to know that the server validates fields itself (the
   * `fieldValidation` parameter on PATCH, matched by x-kubernetes-group-version-kind): kubectl then
   * sends `fieldValidation=Strict` instead of downloading schemas for client-side validation, and
   * `kubectl apply` computes strategic merge patches from its built-in types. There are no schemas:
   * `kubectl explain` does not work against the simulator.
   */
  private openApiRoot(): unknown {
    const gvs = [...new Set(RESOURCE_TYPES.map((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`)))];
    return { paths: Object.fromEntries(gvs.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${this.o.version.gitVersion.replace(/[^a-z0-9]/gi, '')}${gv.replace(/[^a-z0-9]/gi, '').toUpperCase()}` }])) };
  }

  private openApiDoc(gv: string): unknown {
    const types = RESOURCE_TYPES.filter((t) => (t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`) === gv);
    if (!types.length) return undefined;
    const param = (name: string) => ({ name, in: 'query', description: name, schema: { type: 'string', uniqueItems: true } });
    const writeParams = [param('dryRun'), param('fieldManager'), param('fieldValidation')];
    const paths: Record<string, unknown> = {};
    for (const t of types) {
      const gvk = { group: t.group, version: t.version, kind: t.kind };
      const base = `/${gv}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}`;
      const op = (action: string, params: unknown[]) => ({ operationId: `${action}${t.kind}`, parameters: params, responses: {}, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk });
      paths[base] = { get: op('list', []), post: op('post', writeParams) };
      paths[`${base}/{name}`] = { get: op('get', []), put: op('put', writeParams), patch: op('patch', [...writeParams, param('force')]), delete: op('delete', [param('dryRun')]) };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: this.o.version.gitVersion }, paths, components: { schemas: {} } };
  }

  // ── verbs ──────────────────────────────────────────────────────────────────────────────────────

  private includeObject(query: URLSearchParams): IncludeObject {
    const v = query.get('includeObject');
    return v === 'None' || v === 'Object' ? v : 'Metadata';
  }

  private represent(req: http.IncomingMessage): Negotiated {
    const n = negotiate(req.headers.accept);
    if (!n) throw new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${JSON_TYPE}, application/yaml, application/vnd.kubernetes.protobuf`);
    return n;
  }

  /** Objects in responses carry kind/apiVersion; items of built-in lists do not (as typed lists are encoded). */
  private listItems(rt: ResourceType, items: KubeObject[]): unknown[] {
    if (rt.crd) return items;
    return items.map((o) => {
      const { kind: _k, apiVersion: _a, ...rest } = o;
      void _k;
      void _a;
      return rest;
    });
  }

  private list(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): void {
    const n = this.represent(req);
    const result = this.o.store.list(rt, {
      namespace: info.namespace,
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
      limit: query.has('limit') ? Number(query.get('limit')) : undefined,
      continue: query.get('continue') ?? undefined,
    });
    if (n.as === 'Table') {
      const table = toTable(rt, result.items, {
        includeObject: this.includeObject(query),
        resourceVersion: result.resourceVersion,
        continue: result.continue,
        remainingItemCount: result.remainingItemCount,
      });
      table.apiVersion = `meta.k8s.io/${n.version}`;
      this.send(res, 200, table);
      return;
    }
    const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) metadata.continue = result.continue;
    if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
    if (n.as === 'PartialObjectMetadata') {
      this.send(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${n.version}`, metadata, items: result.items.map(partialObjectMetadata) });
      return;
    }
    this.send(res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOfType(rt), metadata, items: this.listItems(rt, result.items) });
  }

  private respondObject(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, obj: KubeObject, code: number, query?: URLSearchParams): void {
    const n = this.represent(req);
    if (n.as === 'Table' && obj.kind === rt.kind) {
      const table = toTable(rt, [obj], { includeObject: query ? this.includeObject(query) : 'Metadata', resourceVersion: obj.metadata.resourceVersion });
      table.apiVersion = `meta.k8s.io/${n.version}`;
      this.send(res, code, table);
    } else if (n.as === 'PartialObjectMetadata' && obj.kind === rt.kind) {
      this.send(res, code, { ...partialObjectMetadata(obj), apiVersion: `meta.k8s.io/${n.version}` });
    } else {
      this.send(res, code, obj);
    }
  }

  private get(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo): void {
    if (info.subresource === 'scale') {
      this.send(res, 200, this.o.store.scaleOf(rt, info.namespace, info.name!));
      return;
    }
    const obj = this.o.store.get(rt, info.namespace, info.name!);
    this.respondObject(req, res, rt, obj, 200);
  }

  private dryRun(query: URLSearchParams, body?: unknown): boolean {
    if (query.getAll('dryRun').includes('All')) return true;
    const d = (body as { dryRun?: unknown } | undefined)?.dryRun;
    return Array.isArray(d) && d.includes('All');
  }

  private async create(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const body = await this.readJson(req);
    const created = this.o.store.create(rt, body as KubeObject, { namespace: info.namespace, dryRun: this.dryRun(query) });
    this.respondObject(req, res, rt, created, 201);
  }

  private async update(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const body = (await this.readJson(req)) as KubeObject;
    const sub = info.subresource as 'status' | 'scale' | undefined;
    const updated = this.o.store.update(rt, info.namespace, info.name!, body, { subresource: sub, dryRun: this.dryRun(query) });
    this.respondObject(req, res, rt, updated, 200);
  }

  private async patch(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const type = PATCH_CONTENT_TYPES[contentType];
    if (!type) {
      throw unsupportedMediaType(contentType, rt.crd ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'] : Object.keys(PATCH_CONTENT_TYPES));
    }
    const text = await this.readBody(req);
    const sub = info.subresource as 'status' | 'scale' | undefined;
    // server-side apply of an object that does not exist creates it (201)
    const creates = type === 'apply' && !sub && !this.o.store.tryGet(rt, info.namespace, info.name!);
    const patched = this.o.store.patch(rt, info.namespace, info.name!, type, text, { subresource: sub, dryRun: this.dryRun(query), force: query.get('force') === 'true' });
    this.respondObject(req, res, rt, patched, creates ? 201 : 200);
  }

  private async deleteOptions(req: http.IncomingMessage, query: URLSearchParams): Promise<DeleteOptions> {
    const text = await this.readBody(req);
    let body: Record<string, unknown> = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw badRequest(`error decoding DeleteOptions: ${(e as Error).message}`);
      }
    }
    const policy = (query.get('propagationPolicy') ?? body.propagationPolicy) as DeleteOptions['propagationPolicy'];
    const grace = query.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
    return {
      propagationPolicy: policy ?? undefined,
      gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
      preconditions: body.preconditions as DeleteOptions['preconditions'],
      dryRun: this.dryRun(query, body),
    };
  }

  private async delete(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const opts = await this.deleteOptions(req, query);
    const deleted = this.o.store.delete(rt, info.namespace, info.name!, opts);
    this.respondObject(req, res, rt, deleted, 200);
  }

  private async deleteCollection(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): Promise<void> {
    const opts = await this.deleteOptions(req, query);
    const victims = this.o.store.list(rt, { namespace: info.namespace, labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined });
    const items: KubeObject[] = [];
    for (const o of victims.items) {
      try {
        items.push(this.o.store.delete(rt, o.metadata.namespace, o.metadata.name ?? '', opts));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    this.send(res, 200, { kind: `${rt.kind}List`, apiVersion: apiVersionOfType(rt), metadata: { resourceVersion: this.o.store.resourceVersion }, items: this.listItems(rt, items) });
  }

  // ── watch ──────────────────────────────────────────────────────────────────────────────────────

  private sendWatchError(res: http.ServerResponse, err: ApiError): void {
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.end(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
    this.o.stats.watchEvent('ERROR');
  }

  private watch(req: http.IncomingMessage, res: http.ServerResponse, rt: ResourceType, info: RequestInfo, query: URLSearchParams): void {
    const n = this.represent(req);
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fieldText = [query.get('fieldSelector'), info.name ? `metadata.name=${info.name}` : ''].filter(Boolean).join(',');
    const fields = parseFieldSelector(fieldText, rt.fieldSelectors, rt.crd);
    const rvParam = query.get('resourceVersion') ?? '';
    if (rvParam && rvParam !== '0' && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: strconv.ParseUint: parsing "${rvParam}": invalid syntax`);
    const sendInitial = query.get('sendInitialEvents') === 'true';
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    const timeoutSeconds = query.has('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : this.o.defaultWatchTimeoutSeconds;
    const includeObject = this.includeObject(query);
    const store = this.o.store;

    const matches = (o: KubeObject | undefined): boolean =>
      !!o &&
      (!info.namespace || !rt.namespaced || o.metadata.namespace === info.namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      fields.every((f) => (selectableField(rt, o, f.field) === f.value) === (f.op === '='));

    // what to replay before live events
    let replay: StoreEvent[] = [];
    let initial: KubeObject[] = [];
    const startRv = Number(store.resourceVersion);
    if (!rvParam || rvParam === '0' || sendInitial) {
      initial = store.list(rt, { namespace: info.namespace }).items.filter(matches);
    } else {
      try {
        replay = store.changesSince(rt, Number(rvParam));
      } catch (e) {
        if (e instanceof ApiError && e.code === 410) {
          this.sendWatchError(res, e);
          return;
        }
        throw e;
      }
    }

    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const key = `${rt.resource}/${info.namespace ?? '*'}`;
    let firstTable = true;
    const encode = (type: string, object: unknown): string => {
      let obj = object;
      if (n.as === 'Table' && type !== 'BOOKMARK' && type !== 'ERROR') {
        const table: KubeObject = { kind: 'Table', apiVersion: `meta.k8s.io/${n.version}`, metadata: { resourceVersion: (object as KubeObject).metadata.resourceVersion }, rows: [tableRow(rt, object as KubeObject, includeObject)] };
        // like the API server, only the first Table of a watch carries the column definitions
        if (firstTable) table.columnDefinitions = tableColumns(rt);
        firstTable = false;
        obj = table;
      } else if (n.as === 'PartialObjectMetadata' && type !== 'BOOKMARK' && type !== 'ERROR') {
        obj = { ...partialObjectMetadata(object as KubeObject), apiVersion: `meta.k8s.io/${n.version}` };
      }
      return `${JSON.stringify({ type, object: obj })}\n`;
    };
    const stats = this.o.stats;
    const watcher: Watcher = {
      info,
      key,
      res,
      rt,
      stalledUntil: 0,
      buffer: [],
      closed: false,
      write(type, object) {
        if (this.closed) return;
        const chunk = encode(type, object);
        stats.watchEvent(type);
        // held events go out first, in order: a stream never reorders (events after the stall wait for the flush)
        if (Date.now() < this.stalledUntil || this.buffer.length) this.buffer.push(chunk);
        else res.write(chunk);
      },
      close: (abrupt: boolean) => {
        if (watcher.closed) return;
        watcher.closed = true;
        cleanup();
        if (abrupt) res.socket?.destroy();
        else res.end();
      },
    };
    this.watchers.add(watcher);
    stats.watchOpened(key);

    const send = (ev: StoreEvent) => {
      const now = ev.type !== 'DELETED' && matches(ev.object);
      const before = ev.prev !== undefined && matches(ev.prev);
      if (ev.type === 'ADDED') {
        if (now) watcher.write('ADDED', ev.object);
      } else if (ev.type === 'MODIFIED') {
        if (now && before) watcher.write('MODIFIED', ev.object);
        else if (now) watcher.write('ADDED', ev.object);
        else if (before) watcher.write('DELETED', { ...clone(ev.prev!), metadata: { ...ev.prev!.metadata, resourceVersion: String(ev.rv) } });
      } else if (before || matches(ev.object)) {
        watcher.write('DELETED', ev.object);
      }
    };
    for (const o of initial) watcher.write('ADDED', o);
    const bookmark = (annotations?: Record<string, string>) => {
      const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
      if (annotations) metadata.annotations = annotations;
      watcher.write('BOOKMARK', { kind: rt.kind, apiVersion: apiVersionOfType(rt), metadata });
    };
    if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    for (const ev of replay) send(ev);

    const unsubscribe = store.subscribe((ev) => {
      if (ev.rt === rt && ev.rv > startRv) send(ev);
    });
    const bookmarkTimer = bookmarks ? setInterval(() => bookmark(), this.o.bookmarkIntervalMs) : undefined;
    bookmarkTimer?.unref();
    const timeout = timeoutSeconds > 0 ? setTimeout(() => watcher.close(false), timeoutSeconds * 1000) : undefined;
    timeout?.unref();
    const cleanup = () => {
      unsubscribe();
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      if (timeout) clearTimeout(timeout);
      if (this.watchers.delete(watcher)) stats.watchClosed(key);
    };
    req.on('close', () => {
      watcher.closed = true;
      cleanup();
    });
    res.on('close', () => {
      watcher.closed = true;
      cleanup();
    });
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────────

  private readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private async readJson(req: http.IncomingMessage): Promise<unknown> {
    const text = await this.readBody(req);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw badRequest(`the object provided is unrecognized (must be of type ${JSON_TYPE}): couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }

  private send(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendText(res: http.ServerResponse, code: number, text: string): void {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: http.ServerResponse, err: unknown): void {
    const apiErr = err instanceof ApiError ? err : statusForCode(500, (err as Error)?.message ?? String(err));
    if (!(err instanceof ApiError)) this.o.log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    if (apiErr.details?.retryAfterSeconds) headers['Retry-After'] = String(apiErr.details.retryAfterSeconds);
    const text = JSON.stringify(apiErr.toStatus());
    res.writeHead(apiErr.code, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

