/**
 * Standalone ECR emulator: a real registry + the auth proxy + the ECR API, until Ctrl-C.
 *
 *   node esbuild.mjs --tests && node out/test/support/ecr/main.js [options]
 *
 * Options
 *   --port N            API port (default: free port)       --proxy-port N   registry proxy port
 *   --account ID        default 123456789012                --region R       default us-east-1
 *   --repo NAME         create a repository (repeatable)     --immutable      created repos are IMMUTABLE
 *   --scan-on-push      created repos scan on push           --create-on-push push creates repositories
 *   --dir DIR           keep the registry's data in DIR (reused across runs)
 *   --token-ttl SECONDS registry token lifetime (default 43200)
 *   --env-file FILE     also write the env snippet to FILE (mode 0600)
 *   --json              print one JSON document instead of text
 *
 * Credentials default to AWS's documented example key pair (this emulator is local and fake);
 * set GITOPS_PILOT_ECR_ACCESS_KEY_ID / GITOPS_PILOT_ECR_SECRET_ACCESS_KEY to choose others.
 * Registry passwords and tokens are never printed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startEcrStack, type EcrStack } from './emulator';

export interface MainOptions {
  port?: number;
  proxyPort?: number;
  accountId?: string;
  region?: string;
  repositories: string[];
  immutable: boolean;
  scanOnPush: boolean;
  createOnPush: boolean;
  dir?: string;
  tokenTtlSeconds?: number;
  envFile?: string;
  json: boolean;
}

export function parseArgs(argv: string[]): MainOptions {
  const o: MainOptions = { repositories: [], immutable: false, scanOnPush: false, createOnPush: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number`);
      return v;
    };
    switch (a) {
      case '--port': o.port = int(); break;
      case '--proxy-port': o.proxyPort = int(); break;
      case '--account': o.accountId = value(); break;
      case '--region': o.region = value(); break;
      case '--repo': o.repositories.push(value()); break;
      case '--immutable': o.immutable = true; break;
      case '--scan-on-push': o.scanOnPush = true; break;
      case '--create-on-push': o.createOnPush = true; break;
      case '--dir': o.dir = value(); break;
      case '--token-ttl': o.tokenTtlSeconds = int(); break;
      case '--env-file': o.envFile = value(); break;
      case '--json': o.json = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

export async function startFromOptions(o: MainOptions): Promise<EcrStack> {
  if (o.dir) mkdirSync(o.dir, { recursive: true });
  return startEcrStack({
    port: o.port,
    proxyPort: o.proxyPort,
    accountId: o.accountId,
    region: o.region,
    tokenTtlMs: o.tokenTtlSeconds !== undefined ? o.tokenTtlSeconds * 1000 : undefined,
    createRepositoryOnPush: o.createOnPush,
    repositories: o.repositories.map((name) => ({ name, imageTagMutability: o.immutable ? 'IMMUTABLE' : 'MUTABLE', scanOnPush: o.scanOnPush })),
    credentials: [
      {
        accessKeyId: process.env.GITOPS_PILOT_ECR_ACCESS_KEY_ID || 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: process.env.GITOPS_PILOT_ECR_SECRET_ACCESS_KEY || 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      },
    ],
    registryOptions: o.dir ? { dir: o.dir, keepDir: true } : undefined,
  });
}

export function envSnippet(stack: EcrStack): string {
  return Object.entries(stack.ecr.env())
    .map(([k, v]) => `export ${k}='${v}'`)
    .join('\n');
}

async function main(): Promise<void> {
  let o: MainOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`ecr emulator: ${(e as Error).message}`);
    process.exit(2);
  }
  const stack = await startFromOptions(o);
  const { ecr } = stack;
  const env = envSnippet(stack);
  if (o.envFile) writeFileSync(o.envFile, env + '\n', { mode: 0o600 });
  if (o.json) {
    console.log(
      JSON.stringify({
        endpoint: ecr.endpoint,
        registryHost: ecr.registryHost,
        proxyEndpoint: ecr.proxyEndpoint,
        accountId: ecr.accountId,
        region: ecr.region,
        repositories: o.repositories.map((r) => ecr.repositoryUri(r)),
        env: ecr.env(),
      }),
    );
  } else {
    console.log(
      [
        'ECR emulator running (Ctrl-C to stop)',
        `  API endpoint   ${ecr.endpoint}      (aws ecr … --endpoint-url ${ecr.endpoint}; ECRClient({ endpoint }))`,
        `  registry host  ${ecr.registryHost}   (repositoryUri prefix; docker login ${ecr.registryHost} -u AWS --password-stdin)`,
        `  account        ${ecr.accountId}  region ${ecr.region}`,
        ...o.repositories.map((r) => `  repository     ${ecr.repositoryUri(r)}`),
        '',
        '# environment for the SDK / AWS CLI v2 (CLI 2.9 ignores AWS_ENDPOINT_URL_ECR: pass --endpoint-url):',
        env,
        '',
        `# login: /usr/bin/aws ecr get-login-password --endpoint-url ${ecr.endpoint} | docker login ${ecr.registryHost} -u AWS --password-stdin`,
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`ecr emulator: ${(e as Error).message}`);
    process.exit(1);
  });
}
