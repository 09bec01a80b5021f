/**
 * Shared pieces of the image integration tests: an app repository (git, Dockerfile FROM the busybox base,
 * gitops-pilot.yaml pointing at the ECR emulator's registry), an image context wired to the real dockerd and
 * the emulator, captured logs, and a scan that no registry token issued by the emulator appears in a text.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../../../src/core/config/model';
import { loadProject } from '../../../src/core/config/project';
import { EcrClients, type ImageLimits, type ImageOpContext } from '../../../src/core/images/context';
import { DockerCli } from '../../../src/core/images/docker';
import { TokenCache } from '../../../src/core/images/login';
import { streamLogger } from '../../../src/core/log';
import { dockerEnv, type DockerDaemon } from '../../support/dockerd';
import type { EcrEmulator } from '../../support/ecr/emulator';
import { git, gitEnv } from '../../support/gitRepos';

export interface AppOptions {
  /** image.repository (default: <registry host>/demo-app) */
  repository: string;
  base: string;
  tag?: 'sha' | 'branch-sha' | 'semver' | 'build';
  /** Dockerfile text (default: base + ARG + RUN + COPY) */
  dockerfile?: string;
  /** environments: a GitOps folder in the same repository with envs/dev|staging/values.yaml */
  environments?: boolean;
  extraImage?: string;
}

/** Writes and commits an app repository in `dir`; returns its loaded project. */
export async function makeApp(dir: string, o: AppOptions): Promise<Project> {
  mkdirSync(dir, { recursive: true });
  const nonce = randomBytes(6).toString('hex');
  // the default is small: every classic-builder step is a container commit, slow on vfs storage. The nonce
  // in app.txt keeps concurrent test processes on the shared daemon from getting each other's images.
  writeFileSync(join(dir, 'Dockerfile'), o.dockerfile ?? `FROM ${o.base}\nCOPY app.txt /app/app.txt\n`);
  writeFileSync(join(dir, 'app.txt'), `demo-app ${nonce}\n`);
  const envs = o.environments
    ? `gitops:\n  repo: .\n  branch: main\nenvironments:\n  - name: dev\n    file: envs/dev/values.yaml\n  - name: staging\n    file: envs/staging/values.yaml\n    promoteFrom: dev\n`
    : '';
  writeFileSync(
    join(dir, 'gitops-pilot.yaml'),
    `image:\n  repository: ${o.repository}\n  context: .\n  dockerfile: Dockerfile\n  tag: ${o.tag ?? 'sha'}\n  buildArgs:\n    VERSION: "1.0"\n    NONCE: "${nonce}"\n${o.extraImage ?? ''}${envs}`,
  );
  if (o.environments) {
    for (const e of ['dev', 'staging']) {
      mkdirSync(join(dir, 'envs', e), { recursive: true });
      writeFileSync(join(dir, 'envs', e, 'values.yaml'), `image:\n  repository: ${o.repository}\n  tag: "0.0.1" # set by CI\n`);
    }
  }
  writeFileSync(join(dir, '.gitignore'), '.gitops-pilot/\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'app');
  return (await loadProject(dir))!;
}

export interface Captured {
  lines: string[];
  progress: string[];
  output: string[];
  text(): string;
}

export function capture(): Captured {
  const c: Captured = {
    lines: [],
    progress: [],
    output: [],
    text: () => [...c.lines, ...c.progress, ...c.output].join('\n'),
  };
  return c;
}

export interface ContextOptions {
  daemon: Pick<DockerDaemon, 'host'>;
  ecr: Pick<EcrEmulator, 'endpoint' | 'region'>;
  configDir: string;
  cli?: string;
  dockerEnvExtra?: Record<string, string>;
  captured?: Captured;
  signal?: AbortSignal;
  limits?: ImageLimits;
  tokens?: TokenCache;
  clients?: EcrClients;
  profile?: string;
  env?: NodeJS.ProcessEnv;
  /** more ECR client settings (timeouts, attempts) */
  ecrExtra?: Partial<import('../../../src/core/images/ecr').EcrSettings>;
}

/** An image context on the real dockerd and the ECR emulator, logging into `captured`. */
export function imageContext(o: ContextOptions): ImageOpContext {
  const cap = o.captured ?? capture();
  const log = streamLogger((l) => cap.lines.push(l), 'debug');
  return {
    log,
    docker: new DockerCli({ path: o.cli ?? 'docker', env: { ...dockerEnv(o.daemon, o.configDir), ...o.dockerEnvExtra }, log }),
    ecr: { endpoint: o.ecr.endpoint, region: o.ecr.region, ...(o.profile ? { profile: o.profile } : {}), ...o.ecrExtra },
    clients: o.clients ?? new EcrClients(log),
    tokens: o.tokens ?? new TokenCache(),
    env: o.env ?? {},
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (m) => cap.progress.push(m),
    onOutput: (l) => cap.output.push(l),
    limits: { retryDelayMs: 100, ...o.limits },
  };
}

/** AWS SDK environment for this test process: the emulator's credentials, no user config, no IMDS. */
export function useEmulatorCredentials(ecr: Pick<EcrEmulator, 'credentials' | 'region'>, dir: string): void {
  const empty = join(dir, 'aws-empty-config');
  writeFileSync(empty, '');
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: ecr.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ecr.credentials.secretAccessKey,
    AWS_REGION: ecr.region,
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_ENDPOINT_URL_ECR;
}

/**
 * Registry tokens the emulator issued (valid or expired) that appear in `text`, raw or inside
 * base64("AWS:<token>"): every word that could be one is checked against the emulator's own record.
 */
export function leakedTokens(ecr: Pick<EcrEmulator, 'store'>, text: string): string[] {
  const leaks = new Set<string>();
  for (const word of text.split(/[^A-Za-z0-9+/=]+/)) {
    if (word.length < 40) continue;
    if (ecr.store.checkToken(word) !== 'unknown') leaks.add(word);
    const decoded = Buffer.from(word, 'base64').toString('utf8');
    if (decoded.startsWith('AWS:') && ecr.store.checkToken(decoded.slice(4)) !== 'unknown') leaks.add(word);
  }
  return [...leaks];
}

/**
 * The environment of a `gitops-pilot` CLI process that builds and pushes through the real dockerd and the ECR
 * emulator: git identity, the daemon and docker config, the emulator's credentials and endpoint, and an empty
 * AWS config (written in `dir`) so that nothing of the machine's own AWS setup is read.
 */
export function cliImageEnv(daemon: DockerDaemon, configDir: string, ecr: EcrEmulator, dir: string): NodeJS.ProcessEnv {
  const awsConfig = join(dir, 'aws-config');
  writeFileSync(awsConfig, '');
  return {
    ...gitEnv,
    ...dockerEnv(daemon, configDir),
    ...ecr.env(),
    AWS_CONFIG_FILE: awsConfig,
    AWS_SHARED_CREDENTIALS_FILE: awsConfig,
    AWS_ENDPOINT_URL_ECR: '',
    GITOPS_PILOT_ECR_ENDPOINT: ecr.endpoint,
  };
}
