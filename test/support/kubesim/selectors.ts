/**
 * Label selectors (`app=web,tier!=db,env in (dev,qa),!legacy`) and field selectors
 * (`metadata.name=web,involvedObject.kind=Pod`) with the API server's grammar and error wording.
 */
import { badRequest } from './status';
import { isPlainObject } from './util';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Parses a label selector string; an empty string selects everything. Errors are 400s like the API server's. */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  const s = (text ?? '').trim();
  if (!s) return [];
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw badRequest(`unable to parse requirement: ${msg}`);
  };
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readWord = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !/[\s,=!()]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
    }
    const key = readWord();
    if (!key) fail(`found '${s[i] ?? ''}', expected: identifier`);
    if (!KEY_RE.test(key) || key.length > 316) fail(`<nil>: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
    skipWs();
    if (negate) {
      reqs.push({ key, op: '!', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'exists', values: [] });
    } else if (s.startsWith('!=', i)) {
      i += 2;
      reqs.push({ key, op: '!=', values: [readValue()] });
    } else if (s.startsWith('==', i)) {
      i += 2;
      reqs.push({ key, op: '=', values: [readValue()] });
    } else if (s[i] === '=') {
      i += 1;
      reqs.push({ key, op: '=', values: [readValue()] });
    } else {
      const word = readWord();
      if (word !== 'in' && word !== 'notin') fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
      skipWs();
      if (s[i] !== '(') fail(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        skipWs();
        if (s[i] === ')') {
          i++;
          break;
        }
        const v = readWord();
        checkValue(v);
        values.push(v);
        skipWs();
        if (s[i] === ',') i++;
        else if (s[i] !== ')') fail(`found '${s[i] ?? ''}', expected: ',' or ')'`);
      }
      reqs.push({ key, op: word as LabelOperator, values });
    }
    skipWs();
    if (i < s.length) {
      if (s[i] !== ',') fail(`found '${s[i]}', expected: ',' or 'end of string'`);
      i++;
    }
  }
  return reqs;

  function readValue(): string {
    const v = readWord();
    checkValue(v);
    return v;
  }
  function checkValue(v: string): void {
    if (v.length > 63 || !VALUE_RE.test(v)) fail(`<nil>: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`);
  }
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        return has && v === r.values[0];
      case '!=':
        return !has || v !== r.values[0];
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
    }
    return false;
  });
}

/** metav1.LabelSelector ({matchLabels, matchExpressions}) as used in workload specs. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export function selectorFromSpec(spec: LabelSelectorSpec | undefined): LabelSelector {
  const reqs: LabelSelector = [];
  if (!spec) return reqs;
  for (const [key, value] of Object.entries(spec.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of spec.matchExpressions ?? []) {
    const op: LabelOperator = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

/** metav1.FormatLabelSelector: `app=web,tier in (a,b)` (what Scale.status.selector and tables show). */
export function formatSelector(spec: LabelSelectorSpec | undefined): string {
  if (!spec || (!spec.matchLabels && !spec.matchExpressions)) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(spec.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}=${v}`);
  for (const e of spec.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
    }
  }
  return parts.length ? parts.join(',') : '<none>';
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/**
 * Parses a field selector. `supported` lists the fields the resource accepts besides metadata.name and
 * metadata.namespace (the API server rejects others with 400).
 */
export function parseFieldSelector(text: string | null | undefined, supported: readonly string[], crd: boolean): FieldRequirement[] {
  const s = (text ?? '').trim();
  if (!s) return [];
  const reqs: FieldRequirement[] = [];
  for (const raw of splitTerms(s)) {
    const term = raw.trim();
    if (!term) continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    const op = m[2] === '!=' ? '!=' : '=';
    const value = unescapeFieldValue(m[3]!.trim());
    const allowed = ['metadata.name', 'metadata.namespace', ...supported];
    if (!allowed.includes(field)) {
      if (crd) throw badRequest(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, op, value });
  }
  return reqs;
}

/** Field selector values escape `\,` `\=` `\\`; terms are split on unescaped commas. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i]! + s[i + 1]!;
      i++;
    } else if (s[i] === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += s[i]!;
    }
  }
  out.push(cur);
  return out;
}

function unescapeFieldValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

/** Reads a dotted field path from an object (`involvedObject.name`, `status.phase`, `spec.nodeName`). */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return '';
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === (r.op === '='));
}
