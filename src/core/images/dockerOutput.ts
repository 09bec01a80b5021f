/**
 * What docker prints, read by pure parsers (unit-tested without Docker): the classic builder's `Step N/M`,
 * BuildKit's `#N [stage i/n]` and the failure at the end of a build, and `docker push`'s layer lines and
 * digest. src/core/images/docker.ts runs the calls and classifies their failures.
 */
// ── build output ──────────────────────────────────────────────────────────────────────────────────

export interface BuildStep {
  /** `3` (classic step number) or BuildKit's vertex number `#8` */
  readonly key: string;
  /** 1-based position in its stage, and the stage's step count, when docker says */
  readonly index?: number;
  readonly total?: number;
  /** BuildKit stage name (`build`, `stage-1`) */
  readonly stage?: string;
  /** the instruction, e.g. `RUN make` or `[internal] load build context` */
  readonly text: string;
  readonly internal: boolean;
  cached: boolean;
  error?: string;
  readonly output: string[];
}

/** "Step 3/7: RUN make" (classic) or "[build 2/5] RUN make" (BuildKit) */
export function describeStep(step: BuildStep, builder: 'classic' | 'buildkit' | undefined): string {
  if (builder === 'classic' && step.index !== undefined) return `Step ${step.index}/${step.total}: ${step.text}`;
  if (step.internal) return `[internal] ${step.text}`;
  if (step.index !== undefined) return `[${step.stage ? `${step.stage} ` : ''}${step.index}/${step.total}] ${step.text}`;
  return step.text;
}

const CLASSIC_STEP = /^Step (\d+)\/(\d+) ?: (.*)$/;
const BK_STEP = /^#(\d+) \[(?:(\S+) )?(\d+)\/(\d+)\] (.*)$/;
const BK_INTERNAL = /^#(\d+) \[internal\] (.*)$/;
const BK_LINE = /^#(\d+) (.*)$/;
const BK_TIMESTAMPED = /^\d+\.\d+ (.*)$/;
export const NOISE = [/^DEPRECATED: The legacy builder/, /^\s+(?:BuildKit is currently disabled|Install the buildx component|environment-variable\.|https:\/\/docs\.docker\.com\/go\/buildx)/, /^Sending build context to Docker daemon/, /^\[Warning\] One or more build-args/];

/**
 * Follows `docker build` output line by line: which builder, the current step, each step's output, its
 * errors and the image id. `push()` returns true when the current step changed (for a progress message).
 */
export class BuildOutputParser {
  builder: 'classic' | 'buildkit' | undefined;
  readonly steps: BuildStep[] = [];
  current: BuildStep | undefined;
  imageId: string | undefined;
  /** lines after the steps: the final error text of a failed build */
  readonly trailing: string[] = [];
  private readonly byKey = new Map<string, BuildStep>();
  private inErrorBlock = false;

  push(rawLine: string): boolean {
    const line = rawLine.replace(/\s+$/, '');
    if (!line || NOISE.some((re) => re.test(line))) return false;
    let m = CLASSIC_STEP.exec(line);
    if (m && this.builder !== 'buildkit') {
      this.builder = 'classic';
      return this.start({ key: m[1]!, index: Number(m[1]), total: Number(m[2]), text: m[3]!.trim(), internal: false });
    }
    if (line.startsWith('#') && this.builder !== 'classic') {
      m = BK_STEP.exec(line) ?? null;
      if (m) {
        this.builder = 'buildkit';
        const known = this.byKey.get(m[1]!);
        if (known) return this.focus(known);
        return this.start({ key: m[1]!, stage: m[2], index: Number(m[3]), total: Number(m[4]), text: m[5]!.trim(), internal: false });
      }
      m = BK_INTERNAL.exec(line);
      if (m) {
        this.builder = 'buildkit';
        const known = this.byKey.get(m[1]!);
        if (known) return this.focus(known);
        return this.start({ key: m[1]!, text: m[2]!.trim(), internal: true });
      }
      m = BK_LINE.exec(line);
      if (m) {
        this.builder = 'buildkit';
        const key = m[1]!;
        let body = m[2]!;
        const step = this.byKey.get(key);
        if (!step) return this.start({ key, text: body.trim(), internal: false });
        const changed = this.current !== step;
        this.current = step;
        if (/^sha256:[0-9a-f]{64}$/.test(body)) return changed;
        if (body === 'CACHED') step.cached = true;
        else if (body.startsWith('ERROR: ') || body === 'ERROR') step.error = body.replace(/^ERROR:? ?/, '') || 'failed';
        const image = /^writing image (sha256:[0-9a-f]{64})/.exec(body);
        if (image) this.imageId = image[1];
        const ts = BK_TIMESTAMPED.exec(body);
        if (ts) body = ts[1]!;
        if (!/^(DONE|CACHED)\b/.test(body)) step.output.push(body);
        return changed;
      }
    }
    if (this.builder === 'classic') {
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line);
      if (built) {
        this.imageId = built[1];
        return false;
      }
      if (/^ ---> Using cache$/.test(line) && this.current) {
        this.current.cached = true;
        return false;
      }
      if (/^ ---> |^Removing intermediate container |^Successfully tagged /.test(line)) return false;
      if (this.current && !this.trailing.length && !isClassicError(line)) {
        this.current.output.push(line);
        return false;
      }
      if (this.current && isClassicError(line)) this.current.error ??= line;
      this.trailing.push(line);
      return false;
    }
    // BuildKit's error summary: "------", " > [2/3] RUN …:", the step's last lines, "------", then the error
    if (line === '------') {
      this.inErrorBlock = !this.inErrorBlock;
      return false;
    }
    if (this.inErrorBlock) return false;
    this.trailing.push(line);
    return false;
  }

  private start(s: Omit<BuildStep, 'cached' | 'output'>): boolean {
    const step: BuildStep = { ...s, cached: false, output: [] };
    this.steps.push(step);
    this.byKey.set(step.key, step);
    this.current = step;
    return true;
  }

  private focus(step: BuildStep): boolean {
    const changed = this.current !== step;
    this.current = step;
    return changed;
  }

  /** What to show while building: the current step. */
  progressMessage(): string | undefined {
    return this.current ? describeStep(this.current, this.builder) : undefined;
  }

  /** The step that failed: the first with an error (BuildKit), else the last one started. */
  failedStep(): BuildStep | undefined {
    return this.steps.find((s) => s.error !== undefined) ?? (this.builder === 'classic' ? this.steps.at(-1) : undefined);
  }

  /** The build's final error message (docker's last words). */
  errorMessage(): string | undefined {
    const lines = this.trailing.filter((l) => !/^\s*\d+ \|/.test(l) && !/^-{5,}$/.test(l) && !/^Dockerfile(?:\.\S+)?:\d+$/.test(l) && !/^time="/.test(l));
    const last = lines.at(-1) ?? this.failedStep()?.error;
    return last?.replace(/^(?:ERROR|error): /, '').replace(/^Error response from daemon: /, '');
  }
}

function isClassicError(line: string): boolean {
  return /^The command '.*' returned a non-zero code: \d+$|^(?:COPY|ADD) failed: |^Error response from daemon: |^failed to |^error |^unable to |^Cannot connect to the Docker daemon|^unexpected EOF$|^error during connect|^Get "https?:\/\//.test(line);
}

export interface BuildFailureInfo {
  readonly step?: string;
  readonly message: string;
  /** the failing step's last output lines */
  readonly lines: readonly string[];
  readonly exitCode?: number;
}

/** What went wrong in a failed build, from its output. */
export function analyseBuildFailure(output: string): BuildFailureInfo {
  const p = new BuildOutputParser();
  for (const l of output.split('\n')) p.push(l);
  const step = p.failedStep();
  const message = p.errorMessage() ?? output.trim().split('\n').filter((l) => l.trim() && !NOISE.some((re) => re.test(l))).at(-1) ?? 'docker build failed';
  const exit = /(?:returned a non-zero code|exit code):? (\d+)/.exec(message) ?? /(?:returned a non-zero code|exit code):? (\d+)/.exec(step?.error ?? '');
  return {
    ...(step ? { step: describeStep(step, p.builder) } : {}),
    message,
    lines: (step?.output ?? []).filter((l) => !l.startsWith('ERROR')).slice(-10),
    ...(exit ? { exitCode: Number(exit[1]) } : {}),
  };
}


// ── push output ───────────────────────────────────────────────────────────────────────────────────

export type LayerState = 'preparing' | 'waiting' | 'pushing' | 'pushed' | 'exists' | 'mounted' | 'retrying';

export interface LayerCounts {
  readonly total: number;
  /** pushed now */
  readonly pushed: number;
  /** already in the registry, or mounted from another repository */
  readonly existing: number;
  readonly pending: number;
  readonly retrying: number;
}

const LAYER_LINE = /^([0-9a-f]{12}): (Preparing|Waiting|Pushing|Pushed|Layer already exists|Mounted from \S+|Retrying in \d+ seconds?)/;
const DIGEST_LINE = /^(\S+): digest: (sha256:[0-9a-f]{64}) size: (\d+)$/;

/** Follows `docker push` output: the state of each layer and the digest line at the end. */
export class PushOutputParser {
  readonly layers = new Map<string, LayerState>();
  digest: { tag: string; digest: string; size: number } | undefined;
  repository: string | undefined;
  /** the longest "Retrying in N seconds" seen: docker waits 5 s before its first retry of a layer, 10 s before its second */
  longestRetryWait = 0;

  /** true when something a progress message shows changed */
  push(rawLine: string): boolean {
    const line = rawLine.trim();
    const repo = /^The push refers to repository \[(.+)\]$/.exec(line);
    if (repo) {
      this.repository = repo[1];
      return true;
    }
    const d = DIGEST_LINE.exec(line);
    if (d) {
      this.digest = { tag: d[1]!, digest: d[2]!, size: Number(d[3]) };
      return true;
    }
    const m = LAYER_LINE.exec(line);
    if (!m) return false;
    const s = m[2]!;
    const wait = /^Retrying in (\d+) seconds?$/.exec(s);
    if (wait) this.longestRetryWait = Math.max(this.longestRetryWait, Number(wait[1]));
    const state: LayerState =
      s === 'Preparing' ? 'preparing' : s === 'Waiting' ? 'waiting' : s === 'Pushing' ? 'pushing' : s === 'Pushed' ? 'pushed' : s === 'Layer already exists' ? 'exists' : s.startsWith('Mounted') ? 'mounted' : 'retrying';
    const before = this.layers.get(m[1]!);
    this.layers.set(m[1]!, state);
    return before !== state;
  }

  counts(): LayerCounts {
    let pushed = 0;
    let existing = 0;
    let retrying = 0;
    for (const s of this.layers.values()) {
      if (s === 'pushed') pushed++;
      else if (s === 'exists' || s === 'mounted') existing++;
      else if (s === 'retrying') retrying++;
    }
    const total = this.layers.size;
    return { total, pushed, existing, retrying, pending: total - pushed - existing };
  }

  /** `5f70bf18a086 retrying, 2e8ec02cda04 pushed` for logs and error details */
  describeLayers(): string {
    return [...this.layers].map(([id, st]) => `${id} ${st}`).join(', ');
  }

  /** "2/4 layers pushed, 1 already there" */
  progressMessage(): string {
    const c = this.counts();
    if (this.digest) return 'pushed; reading the digest';
    if (!c.total) return this.repository ? 'preparing layers' : 'starting';
    const parts = [`${c.pushed + c.existing}/${c.total} layers`];
    if (c.existing) parts.push(`${c.existing} already in the registry`);
    if (c.retrying) parts.push(`${c.retrying} retrying`);
    return parts.join(', ');
  }
}

