/**
 * A small validator for the subset of JSON Schema (draft-07) that gitops-pilot.schema.json uses:
 * type, properties, required, additionalProperties, enum, pattern, minLength, minItems, items, oneOf,
 * not, $ref to #/definitions. The same schema file is shipped for the editor's yamlValidation, so
 * completion in the editor and validation in the core cannot disagree. (A full validator such as ajv
 * would add ~120 KiB to the bundle and compile time to activation; test/unit checks that both agree.)
 */

export interface SchemaIssue {
  /** path into the document: keys and list indexes */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** true when the issue is about the key itself (an unknown property), not its value */
  readonly atKey?: boolean;
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minItems?: number;
  items?: Schema;
  oneOf?: Schema[];
  not?: Schema;
  $ref?: string;
  definitions?: Record<string, Schema>;
  description?: string;
};

export function validateAgainstSchema(rootSchema: object, value: unknown): SchemaIssue[] {
  const root = rootSchema as Schema;
  const issues: SchemaIssue[] = [];
  const patterns = new Map<string, RegExp>();
  const regex = (p: string) => {
    let r = patterns.get(p);
    if (!r) patterns.set(p, (r = new RegExp(p, 'u')));
    return r;
  };

  function resolve(s: Schema): Schema {
    if (!s.$ref) return s;
    const m = /^#\/definitions\/(.+)$/.exec(s.$ref);
    const target = m ? root.definitions?.[m[1]!] : undefined;
    if (!target) throw new Error(`schema: unsupported $ref ${s.$ref}`);
    return target;
  }

  function typeOf(v: unknown): string {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'array';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    return typeof v;
  }

  function typeMatches(expected: string, actual: string): boolean {
    return expected === actual || (expected === 'number' && actual === 'integer');
  }

  function check(schemaIn: Schema, v: unknown, path: (string | number)[], out: SchemaIssue[]): void {
    const s = resolve(schemaIn);
    if (s.type) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      const actual = typeOf(v);
      if (!types.some((t) => typeMatches(t, actual))) {
        out.push({ path, message: `must be ${types.map(article).join(' or ')}, not ${article(actual)}` });
        return;
      }
    }
    if (s.enum && !s.enum.some((e) => e === v)) {
      out.push({ path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength) out.push({ path, message: 'must not be empty' });
      else if (s.pattern && !regex(s.pattern).test(v)) out.push({ path, message: `${JSON.stringify(v)} is not valid here${s.description ? ` (${s.description})` : ''}` });
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) out.push({ path, message: `must have at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}` });
      if (s.items) v.forEach((item, i) => check(s.items!, item, [...path, i], out));
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      for (const key of s.required ?? []) {
        if (!(key in obj)) out.push({ path, message: `is missing the required key "${key}"` });
      }
      for (const [key, val] of Object.entries(obj)) {
        const prop = s.properties?.[key];
        if (prop) check(prop, val, [...path, key], out);
        else if (s.additionalProperties === false) {
          const known = Object.keys(s.properties ?? {});
          const near = known.find((k) => k.toLowerCase() === key.toLowerCase()) ?? known.find((k) => editDistance(k, key) <= 2);
          out.push({ path: [...path, key], atKey: true, message: `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}` });
        } else if (typeof s.additionalProperties === 'object') check(s.additionalProperties, val, [...path, key], out);
      }
    }
    if (s.oneOf) {
      const results = s.oneOf.map((alt) => {
        const sub: SchemaIssue[] = [];
        check(alt, v, path, sub);
        return sub;
      });
      const passing = results.filter((r) => r.length === 0).length;
      if (passing !== 1) {
        // report the alternative that got furthest (fewest issues) — the most useful message
        const best = passing === 0 ? results.reduce((a, b) => (b.length < a.length ? b : a)) : [];
        out.push(...(best.length ? best : [{ path, message: 'matches more than one allowed form' }]));
      }
    }
    if (s.not) {
      const sub: SchemaIssue[] = [];
      check(s.not, v, path, sub);
      if (sub.length === 0) {
        const req = resolve(s.not).required;
        out.push({ path, message: req ? `must not set ${req.map((r) => `"${r}"`).join(' and ')} together` : 'has a form that is not allowed' });
      }
    }
  }

  check(root, value, [], issues);
  return issues;
}

function article(t: string): string {
  return t === 'integer' ? 'a number' : /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}
