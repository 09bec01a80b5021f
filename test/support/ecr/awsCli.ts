/**
 * Runs the real AWS CLI v2 (`/usr/bin/aws`; the `aws` first on PATH here is a pyenv CLI v1 shim) against
 * the emulator, isolated from the user's AWS config: empty config and credentials files, no AWS_* from the
 * caller's environment, no IMDS, no pager.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from '../proc';
import type { EcrEmulator } from './emulator';

export const AWS_CLI = process.env.GITOPS_PILOT_AWS_CLI || '/usr/bin/aws';

/**
 * The environment for the CLI: the emulator's credentials and region, AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE pointing at empty files in `dir`, HOME = `dir`.
 */
export function awsCliEnv(ecr: Pick<EcrEmulator, 'credentials' | 'region'>, dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const config = join(dir, 'aws-config');
  const credentials = join(dir, 'aws-credentials');
  writeFileSync(config, '');
  writeFileSync(credentials, '');
  const env: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'LANG', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k];
  return {
    ...env,
    HOME: dir,
    AWS_ACCESS_KEY_ID: ecr.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ecr.credentials.secretAccessKey,
    AWS_REGION: ecr.region,
    AWS_DEFAULT_REGION: ecr.region,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}

export interface AwsResult<T> extends RunResult {
  /** stdout parsed as JSON when the command succeeded and printed something. */
  json: T | undefined;
}

/** `aws ecr <args…> --endpoint-url <emulator> --output json`. */
export async function awsEcr<T = any>(
  ecr: Pick<EcrEmulator, 'endpoint'>,
  env: NodeJS.ProcessEnv,
  args: string[],
  opts: { timeoutMs?: number } = {},
): Promise<AwsResult<T>> {
  const r = await run(AWS_CLI, ['ecr', ...args, '--endpoint-url', ecr.endpoint, '--output', 'json'], { env, timeoutMs: opts.timeoutMs ?? 60_000 });
  let json: T | undefined;
  if (r.code === 0 && r.stdout.trim() && args[0] !== 'get-login-password') json = JSON.parse(r.stdout) as T;
  return { ...r, json };
}
