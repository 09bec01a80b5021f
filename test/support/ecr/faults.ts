/**
 * Fault injection for the emulator: the next N requests that match a rule (registry requests through the
 * auth proxy, or ECR API actions) answer an error status, hang, have their connection reset, or are delayed.
 *
 *   emu.faults.add({ op: 'upload', method: 'PATCH', kind: 'status', status: 500, times: 2 });
 *   emu.faults.add({ target: 'api', action: 'DescribeImages', kind: 'status', status: 400, errorType: 'ThrottlingException' });
 *   emu.faults.add({ op: 'manifest', method: 'PUT', kind: 'hang' });   // until the client gives up or emu.close()
 */

/** What a registry request does, from its method and path (see classifyRegistryRequest). */
export type RegistryOp = 'ping' | 'catalog' | 'tags' | 'manifest' | 'blob' | 'upload' | 'other';

export type FaultKind = 'status' | 'hang' | 'reset' | 'delay';

export interface FaultRule {
  /** Where the rule applies; default 'registry'. */
  target?: 'registry' | 'api';
  kind: FaultKind;
  /** How many matching requests it affects; default 1. Infinity: until removed or cleared. */
  times?: number;
  /** Registry: HTTP method (GET, HEAD, PUT, PATCH, POST, DELETE). */
  method?: string;
  /** Registry: request path; a string matches as a substring, a RegExp is tested. */
  path?: string | RegExp;
  /** Registry: the request's kind. */
  op?: RegistryOp | RegistryOp[];
  /** Registry: repository name. */
  repository?: string;
  /** API: ECR action name (e.g. 'DescribeImages'). */
  action?: string;
  /** kind 'status': HTTP status; default 503 for the registry, 500 for the API. */
  status?: number;
  /** kind 'status' on the API: the error type (`__type`); default ServerException (500) / ThrottlingException for 400. */
  errorType?: string;
  message?: string;
  /** kind 'delay': milliseconds to wait before handling the request normally. */
  delayMs?: number;
}

export interface FaultHandle {
  readonly rule: Readonly<FaultRule>;
  /** Requests this rule has affected so far. */
  readonly hits: number;
  readonly remaining: number;
  remove(): void;
}

export interface RequestInfo {
  target: 'registry' | 'api';
  method: string;
  path: string;
  op?: RegistryOp;
  repository?: string;
  action?: string;
}

interface Entry {
  rule: FaultRule;
  hits: number;
  remaining: number;
}

export class Faults {
  private entries: Entry[] = [];
  private readonly hung = new Set<{ destroy(): void }>();

  add(rule: FaultRule): FaultHandle {
    const entry: Entry = { rule: { ...rule }, hits: 0, remaining: rule.times ?? 1 };
    this.entries.push(entry);
    const entries = () => this.entries;
    const setEntries = (e: Entry[]) => (this.entries = e);
    return {
      rule: entry.rule,
      get hits() {
        return entry.hits;
      },
      get remaining() {
        return entry.remaining;
      },
      remove: () => setEntries(entries().filter((e) => e !== entry)),
    };
  }

  /** Removes every rule and ends every hung request. */
  clear(): void {
    this.entries = [];
    this.releaseHung();
  }

  /** Rules that still have requests to affect. */
  pending(): FaultRule[] {
    return this.entries.filter((e) => e.remaining > 0).map((e) => e.rule);
  }

  /** Destroys the connections of requests a 'hang' rule is holding. */
  releaseHung(): void {
    for (const s of this.hung) s.destroy();
    this.hung.clear();
  }

  /** @internal Tracks a hung request's socket until it closes. */
  holdHung(socket: { destroy(): void; once(ev: 'close', fn: () => void): unknown }): void {
    this.hung.add(socket);
    socket.once('close', () => this.hung.delete(socket));
  }

  /** @internal The first rule matching this request, consumed by one. */
  take(info: RequestInfo): FaultRule | undefined {
    for (const e of this.entries) {
      if (e.remaining <= 0) continue;
      if (!matches(e.rule, info)) continue;
      e.remaining--;
      e.hits++;
      return e.rule;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, info: RequestInfo): boolean {
  if ((rule.target ?? 'registry') !== info.target) return false;
  if (rule.method && rule.method.toUpperCase() !== info.method.toUpperCase()) return false;
  if (rule.path !== undefined) {
    if (typeof rule.path === 'string' ? !info.path.includes(rule.path) : !rule.path.test(info.path)) return false;
  }
  if (rule.op !== undefined) {
    const ops = Array.isArray(rule.op) ? rule.op : [rule.op];
    if (!info.op || !ops.includes(info.op)) return false;
  }
  if (rule.repository !== undefined && rule.repository !== info.repository) return false;
  if (rule.action !== undefined && rule.action !== info.action) return false;
  return true;
}
