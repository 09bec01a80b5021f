/**
 * AWS ECR through `@aws-sdk/client-ecr`, loaded on first use (src/lazy/ecr.ts) so activation never parses
 * the SDK. Credentials come from the SDK's default chain (environment, profiles, SSO, …) or a named
 * profile; the region from gitops-pilot.yaml, the repository URI, the settings, else the SDK's default.
 * Every SDK failure becomes a PilotError that says what happened and what to do (and never a token).
 */
import type { ImageConfig } from '../config/model';
import { inputError, isCancelled, cancelled, PilotError } from '../errors';
import { registerSecret, type Logger } from '../log';
import { parseImageReference, registryOf } from './reference';

/** How to reach ECR: all optional (the SDK's defaults apply). */
export interface EcrSettings {
  readonly region?: string;
  readonly profile?: string;
  /** the ECR API endpoint (LocalStack-style emulators, VPC endpoints) */
  readonly endpoint?: string;
  /** the AWS account (registry id) the repository belongs to */
  readonly account?: string;
  /** per-request limits (default 10 s to connect, 60 s per request) */
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call, retries included (default 3) */
  readonly maxAttempts?: number;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]` (and the FIPS / dual-stack variants) */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|sc2s\.sgov\.gov|c2s\.ic\.gov)$/;

export interface ImageTarget {
  /** the repository as configured (`host/name`, or a bare name resolved through ECR) */
  readonly configured: string;
  /** registry host when the configuration names one */
  readonly registry?: string;
  /** the ECR repository name (path inside the registry) */
  readonly name: string;
  readonly region?: string;
  readonly account?: string;
}

/** Where an image config points: registry host, repository name, and the region and account it implies. */
export function imageTarget(image: ImageConfig | undefined): ImageTarget {
  const repo = image?.repository;
  if (!repo) {
    throw inputError('image.noRepository', 'gitops-pilot.yaml does not name the image repository', {
      hint: 'Add image.repository (e.g. 123456789012.dkr.ecr.us-east-2.amazonaws.com/demo-app, or just demo-app) to gitops-pilot.yaml',
    });
  }
  const ref = parseImageReference(repo);
  if (ref.tag || ref.digest) throw inputError('image.invalidRepository', `image.repository ${repo} must not contain a tag or digest`);
  const { registry, path, explicit } = registryOf(repo);
  const m = explicit ? ECR_HOST.exec(registry) : null;
  return {
    configured: repo,
    ...(explicit ? { registry } : {}),
    name: explicit ? path : repo,
    ...((image?.region ?? m?.[2]) ? { region: image?.region ?? m?.[2] } : {}),
    ...((image?.account ?? m?.[1]) ? { account: image?.account ?? m?.[1] } : {}),
  };
}

/** Whether a registry host looks like ECR's (the emulator's 127.0.0.1:PORT does not: it is configured). */
export function isEcrHost(host: string): boolean {
  return ECR_HOST.test(host);
}

export interface RepositoryInfo {
  readonly name: string;
  /** `host/name` as docker uses it */
  readonly uri: string;
  readonly registryId?: string;
  readonly immutable: boolean;
  readonly scanOnPush: boolean;
  readonly createdAt?: string;
}

export type SeverityCounts = Readonly<Partial<Record<'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED', number>>>;

export interface RemoteImage {
  readonly digest: string;
  readonly tags: readonly string[];
  /** ISO 8601 */
  readonly pushedAt?: string;
  readonly sizeBytes?: number;
  readonly scanStatus?: string;
  readonly severityCounts?: SeverityCounts;
}

export interface ScanFindings {
  readonly status: string;
  readonly description?: string;
  readonly completedAt?: string;
  readonly counts: SeverityCounts;
  readonly findings: readonly { readonly name: string; readonly severity: string; readonly description?: string; readonly uri?: string; readonly package?: string }[];
}

export interface RegistryToken {
  readonly username: string;
  readonly password: string;
  readonly expiresAt: Date;
  /** https://<registry host> (the emulator: http://127.0.0.1:PORT) */
  readonly proxyEndpoint?: string;
}

type Sdk = typeof import('../../lazy/ecr');
type Client = InstanceType<Sdk['ECRClient']>;

/** The ECR API calls GitOps Pilot makes. Create with `EcrApi.create` (loads the SDK). */
export class EcrApi {
  private constructor(
    private readonly sdk: Sdk,
    private readonly client: Client,
    readonly settings: EcrSettings,
    private readonly log: Logger,
  ) {}

  static async create(settings: EcrSettings, log: Logger): Promise<EcrApi> {
    const sdk = await import('../../lazy/ecr');
    const client = new sdk.ECRClient({
      ...(settings.region ? { region: settings.region } : {}),
      ...(settings.profile ? { profile: settings.profile } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      maxAttempts: settings.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: settings.connectTimeoutMs ?? 10_000,
        requestTimeout: settings.requestTimeoutMs ?? 60_000,
        throwOnRequestTimeout: true,
      },
    });
    return new EcrApi(sdk, client, settings, log);
  }

  dispose(): void {
    this.client.destroy();
  }

  private registryIdArg(): { registryId?: string } {
    return this.settings.account ? { registryId: this.settings.account } : {};
  }

  private async send<T>(action: string, resource: string | undefined, fn: (abortSignal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw cancelled();
    const t0 = performance.now();
    try {
      // a signal of its own per request: the SDK's HTTP handler adds an abort listener to the signal it is
      // given and does not remove it (smithy-typescript#1318), so one operation's signal shared by many
      // requests would collect listeners for as long as the operation runs
      const out = await fn(signal ? AbortSignal.any([signal]) : undefined);
      this.log.debug(`ECR ${action}${resource ? ` ${resource}` : ''}: ${Math.round(performance.now() - t0)} ms`);
      return out;
    } catch (err) {
      if (signal?.aborted || isCancelled(err)) throw cancelled();
      this.log.debug(`ECR ${action} failed after ${Math.round(performance.now() - t0)} ms: ${(err as Error)?.name}`);
      throw ecrError(err, action, resource, this.settings);
    }
  }

  /** GetAuthorizationToken: the registry password (registered as a secret before anything can log it). */
  async authorizationToken(signal?: AbortSignal): Promise<RegistryToken> {
    const out = await this.send(
      'GetAuthorizationToken',
      undefined,
      (abortSignal) => this.client.send(new this.sdk.GetAuthorizationTokenCommand(this.settings.account ? { registryIds: [this.settings.account] } : {}), { abortSignal }),
      signal,
    );
    const data = out.authorizationData?.[0];
    const token = data?.authorizationToken;
    if (!token) throw new PilotError('ecr.noToken', 'ECR returned no authorization token', { hint: 'Try again; if it persists, check the ECR endpoint setting' });
    registerSecret(token);
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new PilotError('ecr.badToken', 'ECR returned an authorization token GitOps Pilot cannot read');
    const password = decoded.slice(colon + 1);
    registerSecret(password);
    return {
      username: decoded.slice(0, colon),
      password,
      expiresAt: data.expiresAt ?? new Date(Date.now() + 12 * 3600_000),
      ...(data.proxyEndpoint ? { proxyEndpoint: data.proxyEndpoint } : {}),
    };
  }

  /** The repository, or undefined when it does not exist. */
  async repository(name: string, signal?: AbortSignal): Promise<RepositoryInfo | undefined> {
    try {
      const out = await this.send('DescribeRepositories', name, (abortSignal) => this.client.send(new this.sdk.DescribeRepositoriesCommand({ ...this.registryIdArg(), repositoryNames: [name] }), { abortSignal }), signal);
      const r = out.repositories?.[0];
      return r ? repositoryInfo(r) : undefined;
    } catch (err) {
      if (err instanceof PilotError && err.code === 'registry.repositoryMissing') return undefined;
      throw err;
    }
  }

  /** Every repository of the registry (up to `max`), sorted by name. */
  async repositories(max = 500, signal?: AbortSignal): Promise<RepositoryInfo[]> {
    const out: RepositoryInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send('DescribeRepositories', undefined, (abortSignal) => this.client.send(new this.sdk.DescribeRepositoriesCommand({ ...this.registryIdArg(), maxResults: 100, ...(nextToken ? { nextToken } : {}) }), { abortSignal }), signal);
      for (const r of page.repositories ?? []) out.push(repositoryInfo(r));
      nextToken = page.nextToken;
    } while (nextToken && out.length < max);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** CreateRepository with scan-on-push on. */
  async createRepository(name: string, signal?: AbortSignal): Promise<RepositoryInfo> {
    const out = await this.send(
      'CreateRepository',
      name,
      (abortSignal) => this.client.send(new this.sdk.CreateRepositoryCommand({ ...this.registryIdArg(), repositoryName: name, imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: 'MUTABLE' }), { abortSignal }),
      signal,
    );
    if (!out.repository) throw new PilotError('ecr.createFailed', `ECR did not return the repository ${name} it created`);
    this.log.info(`created the ECR repository ${name} (scan on push)`);
    return repositoryInfo(out.repository);
  }

  /** The image a tag names, or undefined when the tag (or the repository) does not exist. */
  async image(name: string, tag: string, signal?: AbortSignal): Promise<RemoteImage | undefined> {
    try {
      const out = await this.send('DescribeImages', `${name}:${tag}`, (abortSignal) => this.client.send(new this.sdk.DescribeImagesCommand({ ...this.registryIdArg(), repositoryName: name, imageIds: [{ imageTag: tag }] }), { abortSignal }), signal);
      const d = out.imageDetails?.[0];
      return d ? remoteImage(d) : undefined;
    } catch (err) {
      if (err instanceof PilotError && (err.code === 'ecr.imageNotFound' || err.code === 'registry.repositoryMissing')) return undefined;
      throw err;
    }
  }

  /** Tagged images of a repository, newest first (up to `max`, reading pages of 100). */
  async images(name: string, max = 200, signal?: AbortSignal): Promise<RemoteImage[]> {
    const out: RemoteImage[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.send(
        'DescribeImages',
        name,
        (abortSignal) => this.client.send(new this.sdk.DescribeImagesCommand({ ...this.registryIdArg(), repositoryName: name, filter: { tagStatus: 'TAGGED' }, maxResults: 100, ...(nextToken ? { nextToken } : {}) }), { abortSignal }),
        signal,
      );
      for (const d of page.imageDetails ?? []) out.push(remoteImage(d));
      nextToken = page.nextToken;
    } while (nextToken && out.length < max);
    return out.sort((a, b) => (b.pushedAt ?? '').localeCompare(a.pushedAt ?? ''));
  }

  /** Scan findings of an image (first page, most severe first), or undefined when it was never scanned. */
  async scanFindings(name: string, digest: string, signal?: AbortSignal): Promise<ScanFindings | undefined> {
    try {
      const out = await this.send(
        'DescribeImageScanFindings',
        `${name}@${digest}`,
        (abortSignal) => this.client.send(new this.sdk.DescribeImageScanFindingsCommand({ ...this.registryIdArg(), repositoryName: name, imageId: { imageDigest: digest }, maxResults: 100 }), { abortSignal }),
        signal,
      );
      const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'];
      const findings = (out.imageScanFindings?.findings ?? [])
        .map((f) => ({
          name: f.name ?? '(unnamed)',
          severity: f.severity ?? 'UNDEFINED',
          ...(f.description ? { description: f.description } : {}),
          ...(f.uri ? { uri: f.uri } : {}),
          ...(packageOf(f.attributes) ? { package: packageOf(f.attributes)! } : {}),
        }))
        .sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
      return {
        status: out.imageScanStatus?.status ?? 'UNKNOWN',
        ...(out.imageScanStatus?.description ? { description: out.imageScanStatus.description } : {}),
        ...(out.imageScanFindings?.imageScanCompletedAt ? { completedAt: out.imageScanFindings.imageScanCompletedAt.toISOString() } : {}),
        counts: (out.imageScanFindings?.findingSeverityCounts ?? {}) as SeverityCounts,
        findings,
      };
    } catch (err) {
      if (err instanceof PilotError && (err.code === 'ecr.scanNotFound' || err.code === 'ecr.imageNotFound')) return undefined;
      throw err;
    }
  }
}

function packageOf(attrs: { key?: string; value?: string }[] | undefined): string | undefined {
  const get = (k: string) => attrs?.find((a) => a.key === k)?.value;
  const name = get('package_name');
  return name ? `${name}${get('package_version') ? ` ${get('package_version')}` : ''}` : undefined;
}

function repositoryInfo(r: { repositoryName?: string; repositoryUri?: string; registryId?: string; imageTagMutability?: string; imageScanningConfiguration?: { scanOnPush?: boolean }; createdAt?: Date }): RepositoryInfo {
  return {
    name: r.repositoryName ?? '',
    uri: r.repositoryUri ?? r.repositoryName ?? '',
    ...(r.registryId ? { registryId: r.registryId } : {}),
    immutable: (r.imageTagMutability ?? 'MUTABLE').startsWith('IMMUTABLE'),
    scanOnPush: r.imageScanningConfiguration?.scanOnPush === true,
    ...(r.createdAt ? { createdAt: r.createdAt.toISOString() } : {}),
  };
}

function remoteImage(d: {
  imageDigest?: string;
  imageTags?: string[];
  imagePushedAt?: Date;
  imageSizeInBytes?: number;
  imageScanStatus?: { status?: string };
  imageScanFindingsSummary?: { findingSeverityCounts?: Record<string, number> };
}): RemoteImage {
  return {
    digest: d.imageDigest ?? '',
    tags: d.imageTags ?? [],
    ...(d.imagePushedAt ? { pushedAt: d.imagePushedAt.toISOString() } : {}),
    ...(d.imageSizeInBytes !== undefined ? { sizeBytes: d.imageSizeInBytes } : {}),
    ...(d.imageScanStatus?.status ? { scanStatus: d.imageScanStatus.status } : {}),
    ...(d.imageScanFindingsSummary?.findingSeverityCounts ? { severityCounts: d.imageScanFindingsSummary.findingSeverityCounts as SeverityCounts } : {}),
  };
}

// ── errors ────────────────────────────────────────────────────────────────────────────────────────

/** Maps an SDK failure to a PilotError that names the action, the permission and the next step. */
export function ecrError(err: unknown, action: string, resource: string | undefined, settings: EcrSettings = {}): PilotError {
  if (err instanceof PilotError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? '';
  const message = e.message ?? String(err);
  const detail = `${name}: ${message}`;
  const profile = settings.profile ? ` --profile ${settings.profile}` : '';
  const where = settings.endpoint ? ` at ${settings.endpoint}` : '';
  const on = resource ? ` on ${resource}` : '';

  if (/SSO session .*(?:expired|invalid)|To refresh this SSO session|SSO Token .*expired|The SSO session/i.test(message)) {
    return new PilotError('aws.ssoExpired', 'your AWS SSO session has expired', { hint: `Sign in again: aws sso login${profile}`, detail, cause: err });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/i.test(message)) {
    return new PilotError('aws.noCredentials', settings.profile ? `no AWS credentials were found for the profile ${settings.profile}` : 'no AWS credentials were found', {
      hint: settings.profile
        ? `Check that the profile ${settings.profile} exists in ~/.aws/config and has credentials (aws configure / aws sso login${profile}), or change gitopsPilot.aws.profile`
        : 'Configure them (aws configure, aws sso login, AWS_PROFILE / AWS_ACCESS_KEY_ID) or set gitopsPilot.aws.profile',
      detail,
      cause: err,
    });
  }
  if (/Profile .* (?:could not be found|not found)/i.test(message)) {
    return inputError('aws.profileMissing', `the AWS profile ${settings.profile ?? ''} does not exist`, { hint: 'Check gitopsPilot.aws.profile (or AWS_PROFILE) against ~/.aws/config', detail, cause: err });
  }
  if (/Region is missing/i.test(message)) {
    return inputError('aws.noRegion', 'no AWS region is configured for ECR', { hint: 'Set image.region in gitops-pilot.yaml, gitopsPilot.aws.region, or AWS_REGION', detail, cause: err });
  }
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken' || name === 'RequestExpired' || /security token included in the request is expired/i.test(message)) {
    return new PilotError('aws.credentialsExpired', 'your AWS credentials have expired', {
      hint: `Refresh them (aws sso login${profile}, or a new session token), then try again`,
      detail,
      cause: err,
    });
  }
  if (name === 'AccessDeniedException' || /not authorized to perform/i.test(message)) {
    const permission = /not authorized to perform: (ecr:\w+)/.exec(message)?.[1] ?? `ecr:${action}`;
    return new PilotError('aws.accessDenied', `access denied: your AWS identity may not ${permission}${on}`, {
      hint: `Ask for the ${permission} permission (IAM policy), or use another profile (gitopsPilot.aws.profile)`,
      detail,
      cause: err,
    });
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch') {
    return new PilotError('aws.invalidCredentials', 'AWS did not accept your credentials', { hint: 'Check the access key (and secret) or sign in again', detail, cause: err });
  }
  if (name === 'RepositoryNotFoundException') {
    return new PilotError('registry.repositoryMissing', `the ECR repository ${resource?.split(/[:@]/)[0] ?? ''} does not exist`, {
      hint: 'Create it (Push Image offers to; on the command line: --create-repository), or fix image.repository in gitops-pilot.yaml',
      detail,
      cause: err,
    });
  }
  if (name === 'ImageNotFoundException') return new PilotError('ecr.imageNotFound', `no image ${resource ?? ''} in ECR`, { detail, cause: err });
  if (name === 'ScanNotFoundException') return new PilotError('ecr.scanNotFound', `${resource ?? 'the image'} has not been scanned`, { detail, cause: err });
  if (name === 'RepositoryAlreadyExistsException') return new PilotError('ecr.repositoryExists', `the ECR repository ${resource ?? ''} already exists`, { detail, cause: err });
  if (name === 'InvalidParameterException') return inputError('ecr.invalidParameter', `ECR refused the request${on}: ${message}`, { detail, cause: err });
  if (name === 'ThrottlingException' || name === 'ServerException' || (e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return new PilotError('ecr.unavailable', `ECR is unavailable right now (${name || 'server error'})`, { hint: 'Try again in a moment', detail, cause: err });
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|socket hang up|TimeoutError|timed? ?out|getaddrinfo|connect ENETUNREACH/i.test(`${name} ${message} ${e.code ?? ''}`)) {
    return new PilotError('ecr.unreachable', `the ECR API${where} cannot be reached`, {
      hint: settings.endpoint ? 'Check gitopsPilot.ecr.endpoint and that the endpoint is up' : 'Check the network (VPN, proxy) and the region',
      detail,
      cause: err,
    });
  }
  return new PilotError('ecr.failed', `ECR ${action} failed${on}: ${message}`, { detail, cause: err });
}
