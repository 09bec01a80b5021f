/**
 * The image feature's services in the editor: one ECR client per (region, profile, endpoint, account), one
 * docker-login cache for the extension host, and an image context per operation built from the settings
 * (gitopsPilot.docker.path, .ecr.endpoint, .aws.profile, .aws.region; all user-scoped). No `vscode` import:
 * settings come in as a function, so the hooks below are unit-testable.
 */
import type { Project } from '../../core/config/model';
import { inputError, PilotError } from '../../core/errors';
import { EcrClients, ecrSettingsFor, type ImageLimits, type ImageOpContext } from '../../core/images/context';
import { DockerCli } from '../../core/images/docker';
import type { EcrApi, EcrSettings, ImageTarget } from '../../core/images/ecr';
import { imageProjects } from '../../core/images/registryCheck';
import { TokenCache } from '../../core/images/login';
import type { Logger } from '../../core/log';

export interface ImageSettings {
  readonly dockerPath: string;
  readonly ecrEndpoint: string;
  readonly awsProfile: string;
  readonly awsRegion: string;
  readonly gitPath: string;
}

export class ImageSupport {
  readonly clients: EcrClients;
  readonly tokens = new TokenCache();

  constructor(
    private readonly settings: () => ImageSettings,
    readonly log: Logger,
    private readonly env: () => NodeJS.ProcessEnv = () => process.env,
    /** test hook: limits for push retries and timeouts */
    readonly limits: ImageLimits = {},
  ) {
    this.clients = new EcrClients(log);
  }

  /** The ECR settings from the user's settings (before a project's region and account apply). */
  baseEcrSettings(): EcrSettings {
    const s = this.settings();
    return {
      ...(s.ecrEndpoint ? { endpoint: s.ecrEndpoint } : {}),
      ...(s.awsProfile ? { profile: s.awsProfile } : {}),
      ...(s.awsRegion ? { region: s.awsRegion } : {}),
    };
  }

  /** An image context for one operation. */
  context(opts: { signal?: AbortSignal; onProgress?: (m: string) => void; onOutput?: (line: string) => void } = {}): ImageOpContext {
    const s = this.settings();
    const env = this.env();
    return {
      log: this.log,
      docker: new DockerCli({ path: s.dockerPath || 'docker', env, log: this.log }),
      ecr: this.baseEcrSettings(),
      clients: this.clients,
      tokens: this.tokens,
      ...(s.gitPath ? { gitPath: s.gitPath } : {}),
      env,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      limits: this.limits,
    };
  }

  /** The ECR client for a project's image repository. */
  api(target: Pick<ImageTarget, 'region' | 'account'>): Promise<EcrApi> {
    return this.clients.get(ecrSettingsFor(this.baseEcrSettings(), target));
  }

  dispose(): void {
    this.clients.dispose();
  }
}

/** The one project to act on: the given one, the only one, or a PilotError saying there is none. */
export function requireImageProject(projects: readonly Project[]): Project[] {
  const list = imageProjects(projects);
  if (!list.length) {
    throw inputError('image.notConfigured', 'no gitops-pilot.yaml in this workspace names an image repository', {
      hint: 'Add image: { repository: …, context: ., dockerfile: Dockerfile } to gitops-pilot.yaml (GitOps Pilot: Create gitops-pilot.yaml)',
    });
  }
  return list;
}

export function isPilotError(e: unknown, ...codes: string[]): e is PilotError {
  return e instanceof PilotError && (codes.length === 0 || codes.includes(e.code));
}
