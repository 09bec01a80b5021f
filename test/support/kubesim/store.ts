/**
 * The simulator's etcd + registry: objects by resource type, one global resourceVersion counter, a
 * bounded per-resource history of changes (what watches replay and what a too-old resourceVersion
 * falls out of), and the API server's create/update/patch/delete semantics (defaulting, validation,
 * optimistic concurrency, generation bumps, status and scale subresources, graceful deletion,
 * garbage collection of dependents, namespace lifecycle).
 *
 * Everything here is synchronous; controllers and the HTTP layer subscribe to changes.
 */
import { parse as parseYaml } from 'yaml';
import { applyDefaults, validate } from './defaults';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { RESOURCE_TYPES, apiVersionOfType, findResourceType, resourceTypeFor, selectableField, type ResourceType } from './resources';
import { formatSelector, matchesLabels, parseFieldSelector, parseLabelSelector, type FieldRequirement, type LabelSelector } from './selectors';
import { ApiError, alreadyExists, badRequest, conflict, expired, notFound, qualifiedResource, unsupportedMediaType } from './status';
import { clone, deepEqual, isPlainObject, rfc3339, type KubeObject, type Random } from './util';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rt: ResourceType;
  type: EventType;
  /** the object after the change (for DELETED: its last state, with the deletion's resourceVersion) */
  object: KubeObject;
  /** the object before the change (undefined for ADDED) */
  prev?: KubeObject;
  rv: number;
}

export type ChangeListener = (ev: StoreEvent) => void;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  subresource?: 'status' | 'scale';
  dryRun?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Something that can name a resource type: `deployments`, `deploy`, `Deployment`, `rollouts.argoproj.io`, or the type itself. */
export type ResourceRef = string | ResourceType;

interface HistoryEntry {
  rv: number;
  type: EventType;
  key: string;
  object: KubeObject;
  prev?: KubeObject;
}

class Table {
  readonly objects = new Map<string, KubeObject>();
  readonly history: HistoryEntry[] = [];
  /** events with rv <= compactedRv are gone: a watch or exact list from before it gets 410 */
  compactedRv = 0;
  constructor(readonly rt: ResourceType) {}
}

export interface StoreOptions {
  random: Random;
  /** change events kept per resource type for watches (older resourceVersions get 410 Gone) */
  historyLimit: number;
  /** pods with a node get a deletionTimestamp and are removed by the kubelet simulation (true when controllers run) */
  gracefulPodDeletion: () => boolean;
}

/** Object key in a table: `namespace/name`, or `name` for cluster-scoped types. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private readonly tables = new Map<ResourceType, Table>();
  private readonly listeners = new Set<ChangeListener>();
  private rv = 1000;

  constructor(private readonly opts: StoreOptions) {
    for (const rt of RESOURCE_TYPES) this.tables.set(rt, new Table(rt));
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  resourceType(ref: ResourceRef): ResourceType {
    if (typeof ref !== 'string') return ref;
    const rt = findResourceType(ref);
    if (!rt) throw new Error(`kubesim: unknown resource type "${ref}"`);
    return rt;
  }

  private table(ref: ResourceRef): Table {
    return this.tables.get(this.resourceType(ref))!;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ── reads ──────────────────────────────────────────────────────────────────────────────────────────

  tryGet(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.table(ref);
    const o = t.objects.get(objectKey(t.rt.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const o = this.tryGet(ref, namespace, name);
    if (!o) {
      const rt = this.resourceType(ref);
      throw notFound(rt.resource, rt.group, name);
    }
    return o;
  }

  /** Objects in the current state, filtered (no resourceVersion semantics): what controllers read. */
  select(ref: ResourceRef, filter: { namespace?: string; labels?: LabelSelector; fields?: FieldRequirement[] } = {}): KubeObject[] {
    const t = this.table(ref);
    return this.filterObjects(t.rt, t.objects, filter).map((o) => clone(o));
  }

  private filterObjects(rt: ResourceType, objects: Map<string, KubeObject>, filter: { namespace?: string; labels?: LabelSelector; fields?: FieldRequirement[] }): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of [...objects.keys()].sort()) {
      const o = objects.get(key)!;
      if (filter.namespace && rt.namespaced && o.metadata.namespace !== filter.namespace) continue;
      if (filter.labels && !matchesLabels(filter.labels, o.metadata.labels)) continue;
      if (filter.fields && !filter.fields.every((f) => (selectableField(rt, o, f.field) === f.value) === (f.op === '='))) continue;
      out.push(o);
    }
    return out;
  }

  /** A list with the API server's resourceVersion, selector and pagination semantics. */
  list(ref: ResourceRef, opts: ListOptions = {}): ListResult {
    const t = this.table(ref);
    const rt = t.rt;
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector, rt.fieldSelectors, rt.crd);
    let atRv = this.rv;
    let startAfter: string | undefined;
    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      if (token.rv < t.compactedRv) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      atRv = token.rv;
      startAfter = token.start;
    } else if (opts.resourceVersionMatch === 'Exact') {
      const want = Number(opts.resourceVersion);
      if (!opts.resourceVersion || !Number.isInteger(want)) throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch "Exact" is forbidden for resourceVersion ""');
      if (want < t.compactedRv) throw expired('The resourceVersion for the provided list is too old.');
      atRv = Math.min(want, this.rv);
    } else if (opts.resourceVersion && opts.resourceVersion !== '0' && !/^\d+$/.test(opts.resourceVersion)) {
      throw badRequest(`invalid resource version: strconv.ParseUint: parsing "${opts.resourceVersion}": invalid syntax`);
    }
    const objects = atRv === this.rv ? t.objects : this.snapshotAt(t, atRv);
    let items = this.filterObjects(rt, objects, { namespace: opts.namespace, labels, fields });
    if (startAfter !== undefined) items = items.filter((o) => objectKey(o.metadata.namespace, o.metadata.name ?? '') > startAfter!);
    const result: ListResult = { items: [], resourceVersion: String(atRv) };
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    if (limit !== undefined && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1]!;
      result.continue = encodeContinue({ rv: atRv, start: objectKey(last.metadata.namespace, last.metadata.name ?? '') });
      result.remainingItemCount = items.length - limit;
      items = page;
    }
    result.items = items.map((o) => clone(o));
    return result;
  }

  /** The table's objects as they were at resourceVersion `rv` (rolls the history back). */
  private snapshotAt(t: Table, rv: number): Map<string, KubeObject> {
    const snap = new Map(t.objects);
    for (let i = t.history.length - 1; i >= 0; i--) {
      const e = t.history[i]!;
      if (e.rv <= rv) break;
      if (e.type === 'ADDED') snap.delete(e.key);
      else if (e.prev) snap.set(e.key, e.prev);
    }
    return snap;
  }

  /**
   * Changes after `rv` for a watch, oldest first. Throws 410 Expired when `rv` is older than the kept history.
   */
  changesSince(ref: ResourceRef, rv: number): StoreEvent[] {
    const t = this.table(ref);
    if (rv < t.compactedRv) throw expiredWatch(rv, t.compactedRv + 1);
    return t.history.filter((e) => e.rv > rv).map((e) => ({ rt: t.rt, type: e.type, object: clone(e.object), prev: e.prev ? clone(e.prev) : undefined, rv: e.rv }));
  }

  /** The oldest resourceVersion a watch of this type can still start from. */
  oldestWatchableRv(ref: ResourceRef): number {
    return this.table(ref).compactedRv;
  }

  /**
   * Forgets history up to `rv` (default: everything so far), like an etcd compaction or an API server
   * restart that drops its watch cache: watches and exact lists from older resourceVersions get 410.
   */
  compact(rv: number = this.rv): void {
    for (const t of this.tables.values()) {
      t.compactedRv = Math.max(t.compactedRv, rv);
      while (t.history.length && t.history[0]!.rv <= t.compactedRv) t.history.shift();
    }
  }

  // ── writes ─────────────────────────────────────────────────────────────────────────────────────────

  private commit(t: Table, type: EventType, key: string, object: KubeObject, prev: KubeObject | undefined): KubeObject {
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    if (type === 'DELETED') t.objects.delete(key);
    else t.objects.set(key, object);
    t.history.push({ rv: this.rv, type, key, object, prev });
    while (t.history.length > this.opts.historyLimit) {
      const dropped = t.history.shift()!;
      t.compactedRv = dropped.rv;
    }
    const ev: StoreEvent = { rt: t.rt, type, object, prev, rv: this.rv };
    for (const l of [...this.listeners]) {
      l({ ...ev, object: clone(object), prev: prev ? clone(prev) : undefined });
    }
    return clone(object);
  }

  private requireNamespace(rt: ResourceType, namespace: string | undefined, name: string): void {
    if (!rt.namespaced) return;
    if (!namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    const ns = this.tables.get(this.resourceType('namespaces'))!.objects.get(namespace);
    if (!ns) throw notFound('namespaces', '', namespace);
    if (ns.status?.phase === 'Terminating') {
      throw new ApiError(403, 'Forbidden', `${qualifiedResource(rt.resource, rt.group)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private normalizeIdentity(rt: ResourceType, obj: KubeObject, namespace: string | undefined): void {
    if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) {
      if (isPlainObject(obj) && obj.metadata === undefined) obj.metadata = {};
      else throw badRequest('Object \'metadata\' is missing or invalid');
    }
    const apiVersion = apiVersionOfType(rt);
    if (obj.apiVersion === undefined) obj.apiVersion = apiVersion;
    if (obj.kind === undefined) obj.kind = rt.kind;
    if (obj.apiVersion !== apiVersion || obj.kind !== rt.kind) {
      throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    }
    if (rt.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else {
      delete obj.metadata.namespace;
    }
  }

  create(ref: ResourceRef, input: KubeObject, opts: { namespace?: string; dryRun?: boolean } = {}): KubeObject {
    const rt = this.resourceType(ref);
    const t = this.table(rt);
    const obj = clone(input);
    this.normalizeIdentity(rt, obj, opts.namespace ?? input?.metadata?.namespace);
    const namespace = rt.namespaced ? obj.metadata.namespace : undefined;
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${this.opts.random.string(5)}`;
    this.requireNamespace(rt, namespace, obj.metadata.name ?? '');
    const key = objectKey(namespace, obj.metadata.name ?? '');
    if (obj.metadata.name && t.objects.has(key)) throw alreadyExists(rt.resource, rt.group, obj.metadata.name);
    // the registry resets what clients may not set on create
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    delete obj.metadata.managedFields;
    if (rt.subresources.includes('status') && rt.resource !== 'namespaces') delete obj.status;
    obj.metadata.uid = this.opts.random.uuid();
    obj.metadata.creationTimestamp = rfc3339();
    if (rt.generation !== 'none') obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    applyDefaults(rt, obj);
    validate(rt, obj, undefined);
    if (opts.dryRun) return clone({ ...obj, metadata: { ...obj.metadata, resourceVersion: this.resourceVersion } });
    return this.commit(t, 'ADDED', key, obj, undefined);
  }

  /** `prefix` plus five random characters, like metadata.generateName. */
  generateName(prefix: string): string {
    return `${prefix}${this.opts.random.string(5)}`;
  }

  /** create() with the resource type taken from the object's apiVersion and kind. */
  createObject(input: KubeObject, opts: { dryRun?: boolean } = {}): KubeObject {
    const rt = resourceTypeFor(input?.apiVersion, input?.kind);
    if (!rt) throw badRequest(`no matches for kind "${input?.kind}" in version "${input?.apiVersion}"`);
    return this.create(rt, input, { namespace: input.metadata?.namespace, dryRun: opts.dryRun });
  }

  /**
   * Stores an object as given (status, generation and labels kept; uid and creationTimestamp filled in
   * when missing; no validation, no namespace check): for fixtures that start from an already
   * rolled-out state and for replaying recorded objects.
   */
  put(input: KubeObject): KubeObject {
    const rt = resourceTypeFor(input.apiVersion, input.kind);
    if (!rt) throw new Error(`kubesim: no resource type for ${input.apiVersion} ${input.kind}`);
    const t = this.table(rt);
    const obj = clone(input);
    obj.metadata ??= {};
    if (!rt.namespaced) delete obj.metadata.namespace;
    else obj.metadata.namespace ??= 'default';
    const key = objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
    const prev = t.objects.get(key);
    obj.metadata.uid ??= prev?.metadata.uid ?? this.opts.random.uuid();
    obj.metadata.creationTimestamp ??= prev?.metadata.creationTimestamp ?? rfc3339();
    if (rt.generation !== 'none') obj.metadata.generation ??= prev?.metadata.generation ?? 1;
    applyDefaults(rt, obj);
    return this.commit(t, prev ? 'MODIFIED' : 'ADDED', key, obj, prev);
  }

  update(ref: ResourceRef, namespace: string | undefined, name: string, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const rt = this.resourceType(ref);
    const t = this.table(rt);
    const ns = rt.namespaced ? namespace : undefined;
    const key = objectKey(ns, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(rt.resource, rt.group, name);
    if (opts.subresource === 'scale') return this.updateScale(rt, old, input, opts);
    const obj = clone(input);
    this.normalizeIdentity(rt, obj, ns);
    if (obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(rt.resource, rt.group, name);
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(rt.resource, rt.group)} "${name}": Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    // fields the registry owns
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) obj.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete obj.metadata.deletionTimestamp;
      delete obj.metadata.deletionGracePeriodSeconds;
    }
    delete obj.metadata.managedFields;
    const hasStatusSubresource = rt.subresources.includes('status');
    if (opts.subresource === 'status') {
      // the status strategy keeps the spec and labels; annotations may change (the deployment
      // controller writes its revision annotation this way)
      if (!hasStatusSubresource) throw notFound(rt.resource, rt.group, name);
      if (old.spec === undefined) delete obj.spec;
      else obj.spec = clone(old.spec);
      obj.metadata.labels = clone(old.metadata.labels);
      if (obj.metadata.labels === undefined) delete obj.metadata.labels;
      obj.metadata.generation = old.metadata.generation;
      if (obj.metadata.generation === undefined) delete obj.metadata.generation;
    } else {
      if (hasStatusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status);
      }
      obj.metadata.generation = old.metadata.generation;
      if (rt.generation === 'none') delete obj.metadata.generation;
      applyDefaults(rt, obj);
      validate(rt, obj, old);
      if (this.bumpsGeneration(rt, old, obj)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (rt.resource === 'namespaces' && opts.subresource !== 'status') obj.status = clone(old.status);
    // nothing changed: no write, no new resourceVersion, no watch event (like the real registry)
    const comparable = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    if (deepEqual(comparable(obj), comparable(old))) return clone(old);
    if (opts.dryRun) return clone({ ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } });
    // an object being deleted goes once its last finalizer is removed
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && rt.resource !== 'pods' && rt.resource !== 'namespaces') {
      const gone = this.commit(t, 'DELETED', key, obj, old);
      this.deleteDependents(old.metadata.uid!);
      return gone;
    }
    return this.commit(t, 'MODIFIED', key, obj, old);
  }

  private bumpsGeneration(rt: ResourceType, old: KubeObject, next: KubeObject): boolean {
    switch (rt.generation) {
      case 'none':
        return false;
      case 'spec':
        return !deepEqual(old.spec, next.spec);
      case 'spec+annotations':
        return !deepEqual(old.spec, next.spec) || !deepEqual(old.metadata.annotations ?? {}, next.metadata.annotations ?? {});
      case 'non-metadata': {
        const strip = (o: KubeObject) => {
          const { metadata: _m, ...rest } = o;
          void _m;
          if (rt.subresources.includes('status')) delete rest.status;
          return rest;
        };
        return !deepEqual(strip(old), strip(next));
      }
    }
  }

  /** autoscaling/v1 Scale view of a workload (the scale subresource). */
  scaleOf(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const rt = this.resourceType(ref);
    if (!rt.subresources.includes('scale')) throw notFound(rt.resource, rt.group, name);
    return toScale(rt, this.get(rt, namespace, name));
  }

  private updateScale(rt: ResourceType, old: KubeObject, input: KubeObject, opts: WriteOptions): KubeObject {
    if (!rt.subresources.includes('scale')) throw notFound(rt.resource, rt.group, old.metadata.name ?? '');
    const replicas = input?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${old.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`);
    }
    const rv = input?.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(rt.resource, rt.group, old.metadata.name ?? '');
    const next = clone(old);
    next.spec = { ...(next.spec ?? {}), replicas };
    const updated = this.update(rt, old.metadata.namespace, old.metadata.name ?? '', { ...next, metadata: { ...next.metadata, resourceVersion: undefined } }, { dryRun: opts.dryRun });
    return toScale(rt, updated);
  }

  patch(ref: ResourceRef, namespace: string | undefined, name: string, type: PatchType, body: string | unknown, opts: WriteOptions & { force?: boolean } = {}): KubeObject {
    const rt = this.resourceType(ref);
    if (type === 'strategic' && rt.crd) {
      throw unsupportedMediaType('application/strategic-merge-patch+json', ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    }
    const patchDoc = typeof body === 'string' ? parsePatchBody(type, body) : body;
    const current = this.tryGet(rt, namespace, name);
    if (!current) {
      // server-side apply creates the object when it does not exist
      if (type === 'apply' && !opts.subresource && isPlainObject(patchDoc)) {
        return this.create(rt, patchDoc as KubeObject, { namespace, dryRun: opts.dryRun });
      }
      throw notFound(rt.resource, rt.group, name);
    }
    const base: unknown = opts.subresource === 'scale' ? toScale(rt, current) : current;
    let patched: unknown;
    switch (type) {
      case 'merge':
        if (!isPlainObject(patchDoc)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
        patched = mergePatch(base, patchDoc);
        break;
      case 'json':
        patched = jsonPatch(base, patchDoc);
        break;
      case 'strategic':
      case 'apply':
        // server-side apply is approximated by a strategic merge of the applied configuration (no field ownership)
        if (!isPlainObject(patchDoc)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
        patched = rt.crd ? mergePatch(base, patchDoc) : strategicMergePatch(base, patchDoc);
        break;
    }
    if (!isPlainObject(patched)) throw badRequest('the patch produced something that is not an object');
    const next = patched as KubeObject;
    if (opts.subresource === 'scale') {
      return this.updateScale(rt, current, next, opts);
    }
    if (!isPlainObject(next.metadata)) throw badRequest('metadata: Required value');
    if (next.metadata.name !== current.metadata.name) throw badRequest(`metadata.name: Invalid value: "${String(next.metadata.name)}": field is immutable`);
    return this.update(rt, namespace, name, next, opts);
  }

  /**
   * Deletes like the API server: pods on a node first get a deletionTimestamp (the kubelet removes
   * them), objects with finalizers wait for them, namespaces take their contents with them, and
   * dependents (ownerReferences) are garbage-collected unless the propagation policy is Orphan.
   */
  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject {
    const rt = this.resourceType(ref);
    const t = this.table(rt);
    const ns = rt.namespaced ? namespace : undefined;
    const key = objectKey(ns, name);
    const old = t.objects.get(key);
    if (!old) throw notFound(rt.resource, rt.group, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(rt.resource, rt.group)} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(rt.resource, rt.group)} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    }
    if (opts.dryRun) return clone(old);
    const policy = opts.propagationPolicy ?? 'Background';

    if (rt.resource === 'namespaces') {
      if (old.status?.phase === 'Terminating') return clone(old);
      const terminating = clone(old);
      terminating.metadata.deletionTimestamp = rfc3339();
      terminating.status = { ...(terminating.status ?? {}), phase: 'Terminating' };
      const shown = this.commit(t, 'MODIFIED', key, terminating, old);
      for (const other of this.tables.values()) {
        if (!other.rt.namespaced) continue;
        for (const o of [...other.objects.values()]) {
          if (o.metadata.namespace === name) this.removeNow(other, o);
        }
      }
      const final = t.objects.get(key)!;
      this.commit(t, 'DELETED', key, clone(final), final);
      return shown;
    }

    if (policy === 'Orphan') this.orphanDependents(old.metadata.uid!);
    else if (policy === 'Foreground') this.deleteDependents(old.metadata.uid!);

    const grace = opts.gracePeriodSeconds ?? (rt.resource === 'pods' ? (old.spec?.terminationGracePeriodSeconds ?? 30) : 0);
    if (rt.resource === 'pods' && old.spec?.nodeName && grace > 0 && this.opts.gracefulPodDeletion()) {
      if (old.metadata.deletionTimestamp) return clone(old);
      const next = clone(old);
      next.metadata.deletionTimestamp = rfc3339(Date.now() + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
      const shown = this.commit(t, 'MODIFIED', key, next, old);
      if (policy === 'Background') this.deleteDependents(old.metadata.uid!);
      return shown;
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return clone(old);
      const next = clone(old);
      next.metadata.deletionTimestamp = rfc3339();
      next.metadata.deletionGracePeriodSeconds = 0;
      return this.commit(t, 'MODIFIED', key, next, old);
    }
    const final = clone(old);
    const shown = this.commit(t, 'DELETED', key, final, old);
    if (policy === 'Background') this.deleteDependents(old.metadata.uid!);
    return shown;
  }

  /** Removes an object immediately (the kubelet finishing a pod's termination; namespace cleanup). */
  remove(ref: ResourceRef, namespace: string | undefined, name: string): void {
    const t = this.table(ref);
    const o = t.objects.get(objectKey(t.rt.namespaced ? namespace : undefined, name));
    if (o) this.removeNow(t, o);
  }

  private removeNow(t: Table, o: KubeObject): void {
    const key = objectKey(t.rt.namespaced ? o.metadata.namespace : undefined, o.metadata.name ?? '');
    if (!t.objects.has(key)) return;
    this.commit(t, 'DELETED', key, clone(o), o);
    this.deleteDependents(o.metadata.uid!);
  }

  private dependentsOf(uid: string): Array<[Table, KubeObject]> {
    const out: Array<[Table, KubeObject]> = [];
    for (const t of this.tables.values()) {
      for (const o of t.objects.values()) {
        if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push([t, o]);
      }
    }
    return out;
  }

  private deleteDependents(uid: string): void {
    for (const [t, o] of this.dependentsOf(uid)) {
      if (!t.objects.has(objectKey(t.rt.namespaced ? o.metadata.namespace : undefined, o.metadata.name ?? ''))) continue;
      try {
        this.delete(t.rt, o.metadata.namespace, o.metadata.name ?? '', { propagationPolicy: 'Background' });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
  }

  private orphanDependents(uid: string): void {
    for (const [t, o] of this.dependentsOf(uid)) {
      const next = clone(o);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.commit(t, 'MODIFIED', objectKey(t.rt.namespaced ? o.metadata.namespace : undefined, o.metadata.name ?? ''), next, o);
    }
  }
}

function expiredWatch(requested: number, oldest: number): ApiError {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

function parsePatchBody(type: PatchType, body: string): unknown {
  try {
    return type === 'apply' ? parseYaml(body) : JSON.parse(body);
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

function encodeContinue(token: { rv: number; start: string }): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

function decodeContinue(text: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv === 'number' && typeof t.start === 'string') return { rv: t.rv, start: t.start };
  } catch {
    // fall through
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** The autoscaling/v1 Scale of a workload. */
export function toScale(rt: ResourceType, obj: KubeObject): KubeObject {
  const selector = rt.crd ? (obj.status?.selector ?? '') : formatSelector(obj.spec?.selector).replace('<none>', '');
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector },
  };
}
