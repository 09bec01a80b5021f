/**
 * The three PATCH formats of the API server:
 *   - JSON merge patch (RFC 7386)            application/merge-patch+json
 *   - JSON patch (RFC 6902)                  application/json-patch+json
 *   - strategic merge patch (built-in kinds) application/strategic-merge-patch+json
 *
 * The strategic merge patch knows the merge keys of the lists kubectl and clients patch in workload,
 * pod and metadata objects (containers by name, env by name, ports by containerPort, conditions by
 * type, ...) and the directives kubectl generates: `$patch: replace|delete|merge`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and `$retainKeys`.
 */
import { ApiError } from './status';
import { clone, deepEqual, isPlainObject } from './util';

type Json = unknown;

export function mergePatch(target: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/**
 * What the API server answers when a JSON patch does not apply (NewGenericServerResponse(422)): a
 * generic message, the json-patch library's error as the cause.
 */
function patchError(detail: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'UnexpectedServerResponse', message: detail }] });
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchError(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new ApiError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isPlainObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw patchError('unexpected kind of operation');
    }
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case 'add':
        doc = setAt(doc, parsePointer(op.path), clone(op.value), 'add');
        break;
      case 'replace':
        getAt(doc, parsePointer(op.path), op.path, 'replace');
        doc = setAt(doc, parsePointer(op.path), clone(op.value), 'replace');
        break;
      case 'remove':
        doc = removeAt(doc, parsePointer(op.path), op.path);
        break;
      case 'move': {
        const from = parsePointer(op.from ?? '');
        const value = getAt(doc, from, op.from ?? '', 'move');
        doc = removeAt(doc, from, op.from ?? '');
        doc = setAt(doc, parsePointer(op.path), value, 'add');
        break;
      }
      case 'copy': {
        const value = getAt(doc, parsePointer(op.from ?? ''), op.from ?? '', 'copy');
        doc = setAt(doc, parsePointer(op.path), clone(value), 'add');
        break;
      }
      case 'test': {
        const value = getAt(doc, parsePointer(op.path), op.path, 'test');
        if (!deepEqual(value, op.value)) throw patchError(`testing value ${op.path} failed: test failed`);
        break;
      }
      default:
        throw patchError(`Unexpected kind: ${String((op as { op: unknown }).op)}`);
    }
  }
  return doc;
}

function getAt(doc: Json, path: string[], pointer: string, op: string): Json {
  let cur: Json = doc;
  for (const p of path) {
    if (Array.isArray(cur)) {
      const i = Number(p);
      if (!/^\d+$/.test(p) || i >= cur.length) throw patchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
      cur = cur[i];
    } else if (isPlainObject(cur) && p in cur) {
      cur = cur[p];
    } else {
      throw patchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
    }
  }
  return cur;
}

function setAt(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (path.length === 0) return value;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1]!;
  const parent = getAt(doc, parentPath, `/${parentPath.join('/')}`, mode);
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else {
      const i = Number(last);
      if (!/^\d+$/.test(last) || i > parent.length) throw patchError(`${mode} operation does not apply: index out of bounds`);
      if (mode === 'add') parent.splice(i, 0, value);
      else parent[i] = value;
    }
  } else if (isPlainObject(parent)) {
    parent[last] = value;
  } else {
    throw patchError(`${mode} operation does not apply: doc is missing path`);
  }
  return doc;
}

function removeAt(doc: Json, path: string[], pointer: string): Json {
  if (path.length === 0) return undefined;
  const parent = getAt(doc, path.slice(0, -1), pointer, 'remove');
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) throw patchError(`remove operation does not apply: doc is missing path: "${pointer}": missing value`);
    parent.splice(i, 1);
  } else if (isPlainObject(parent) && last in parent) {
    delete parent[last];
  } else {
    throw patchError(`remove operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return doc;
}

/**
 * Merge keys of the built-in types' lists (patchStrategy=merge), by field name. Lists not named here
 * are replaced as a whole (atomic), as the API server does for lists without a merge strategy.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  conditions: 'type',
  ownerReferences: 'uid',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  resourceClaims: 'name',
  schedulingGates: 'name',
};

/** Lists of scalars merged as sets (patchStrategy=merge on a primitive list). */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json): Json {
  return smpValue(target, patch, undefined);
}

function smpValue(target: Json, patch: Json, field: string | undefined): Json {
  if (isPlainObject(patch)) return smpMap(isPlainObject(target) ? target : {}, patch);
  if (Array.isArray(patch) && field !== undefined) return smpList(Array.isArray(target) ? target : [], patch, field);
  return clone(patch);
}

function smpMap(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return clone(rest);
  }
  const out: Record<string, unknown> = { ...target };
  const orders: Record<string, unknown[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders[k.slice('$setElementOrder/'.length)] = v;
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[name]) && Array.isArray(v)) out[name] = (out[name] as unknown[]).filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = smpValue(out[k], v, k);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  for (const [name, order] of Object.entries(orders)) {
    if (Array.isArray(out[name])) out[name] = applyOrder(out[name] as unknown[], order, MERGE_KEYS[name]);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function smpList(target: unknown[], patch: unknown[], field: string): unknown[] {
  const key = MERGE_KEYS[field];
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return clone(patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')));
  }
  if (PRIMITIVE_MERGE_LISTS.has(field)) {
    const out = [...target];
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  if (!key) return clone(patch);
  const out = target.map((x) => clone(x));
  for (const p of patch) {
    if (!isPlainObject(p)) continue;
    const idx = out.findIndex((x) => isPlainObject(x) && deepEqual(x[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      out[idx] = smpMap(out[idx] as Record<string, unknown>, p);
    } else {
      const fresh = smpMap({}, p);
      if (fresh) out.push(fresh);
    }
  }
  return out;
}

/** $setElementOrder: items named in the order list come in that order; others keep their place after them. */
function applyOrder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const keyOf = (x: unknown) => (key && isPlainObject(x) ? x[key] : x);
  const ordered: unknown[] = [];
  const used = new Set<number>();
  for (const o of order) {
    const want = key && isPlainObject(o) ? o[key] : o;
    const i = list.findIndex((x, j) => !used.has(j) && deepEqual(keyOf(x), want));
    if (i >= 0) {
      used.add(i);
      ordered.push(list[i]);
    }
  }
  list.forEach((x, j) => {
    if (!used.has(j)) ordered.push(x);
  });
  return ordered;
}
