/**
 * What image operations (build, push, ship, the Images view) need: the docker CLI, how to reach ECR, the
 * login cache, and for one operation a cancellation signal and progress callbacks. The editor builds one
 * from its settings, the CLI from flags and environment variables; both run the same core.
 */
import type { Logger } from '../log';
import type { DockerCli } from './docker';
import { EcrApi, type EcrSettings, type ImageTarget } from './ecr';
import { TokenCache } from './login';

/** One ECR client per (region, profile, endpoint, account), created on first use. */
export class EcrClients {
  private readonly clients = new Map<string, Promise<EcrApi>>();

  constructor(private readonly log: Logger) {}

  get(settings: EcrSettings): Promise<EcrApi> {
    const key = JSON.stringify([settings.region ?? '', settings.profile ?? '', settings.endpoint ?? '', settings.account ?? '', settings.connectTimeoutMs, settings.requestTimeoutMs, settings.maxAttempts]);
    let c = this.clients.get(key);
    if (!c) {
      c = EcrApi.create(settings, this.log);
      this.clients.set(key, c);
      c.catch(() => this.clients.delete(key));
    }
    return c;
  }

  dispose(): void {
    for (const c of this.clients.values()) void c.then((x) => x.dispose(), () => undefined);
    this.clients.clear();
  }
}

export interface ImageServices {
  readonly log: Logger;
  readonly docker: DockerCli;
  /** region / profile / endpoint from the settings (or CLI flags); the project's config overrides the region */
  readonly ecr: EcrSettings;
  readonly clients: EcrClients;
  readonly tokens: TokenCache;
  readonly gitPath?: string;
  /** for CI variables (branch name, build number) */
  readonly env: NodeJS.ProcessEnv;
}

export interface ImageLimits {
  /** stop a build that prints nothing for this long (default: never) */
  readonly buildIdleMs?: number;
  /** stop a push that prints nothing for this long: the registry stopped answering (default 5 min) */
  readonly pushIdleMs?: number;
  /** push attempts when the registry fails in a way that may pass (5xx, timeouts, resets); default 3 */
  readonly pushAttempts?: number;
  /** first delay between push attempts, doubled each time (default 2 s) */
  readonly retryDelayMs?: number;
}

export interface ImageOpContext extends ImageServices {
  readonly signal?: AbortSignal;
  /** a short message for a progress notification ("Step 3/7: RUN make", "2/4 layers") */
  readonly onProgress?: (message: string) => void;
  /** every line docker prints, for the log */
  readonly onOutput?: (line: string) => void;
  readonly limits?: ImageLimits;
}

/** The ECR settings for a repository: its region and account win over the defaults. */
export function ecrSettingsFor(base: EcrSettings, target: Pick<ImageTarget, 'region' | 'account'>): EcrSettings {
  return { ...base, ...(target.region ? { region: target.region } : {}), ...(target.account ? { account: target.account } : {}) };
}

export { TokenCache };
