/**
 * The pull-request test world: a real bare GitOps repository with dev/staging/prod, a clone, an app
 * folder whose gitops-pilot.yaml sends prod through pull requests, a TLS certificate made by openssl,
 * and the bundled CLI run as a separate process (asynchronously: the emulator answers in this process).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from '../../support/cliProcess';
import { gitEnv, gitFixture, type GitFixture } from '../../support/gitRepos';
import { makeCertificate, type Tls } from '../../support/github/forge';
import { run } from '../../support/proc';
import { scanForSecrets } from '../../support/secretScan';

export const files = {
  'envs/dev/values.yaml': 'image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: 1.0.4\n',
  'envs/staging/values.yaml': 'image:\n  repository: 127.0.0.1:5000/demo-app\n  tag: "1.0.3"\n',
  'envs/prod/values.yaml': '# production\nimage:\n  repository: 127.0.0.1:5000/demo-app\n  tag: 1.0.2 # promoted by review\n',
  'README.md': 'gitops\n',
};

/** A GitOps repository and the environments of gitops-pilot.yaml (its lines after gitops:). */
export interface Layout {
  readonly files: Record<string, string>;
  readonly yaml: readonly string[];
}

/** One app: dev → staging → prod, prod through pull requests. */
export const singleApp: Layout = {
  files,
  yaml: [
    'environments:',
    '  - { name: dev, file: envs/dev/values.yaml }',
    '  - { name: staging, file: envs/staging/values.yaml, promoteFrom: dev }',
    '  - { name: prod, file: envs/prod/values.yaml, promoteFrom: staging, protected: true, pushMode: pull-request }',
  ],
};

export interface World {
  readonly fx: GitFixture;
  readonly clone: string;
  readonly app: string;
  readonly tls: Tls;
  /** every stdout+stderr the CLI printed, to prove no token leaked */
  readonly outputs: string[];
  cli(env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number | null; out: string; err: string }>;
  /**
   * The real `gh` (Debian's), pointed at a GitHub emulator on `host` as a GitHub Enterprise host, with the
   * test certificate trusted; asserts exit 0 and returns stdout. Its output joins `outputs` (the token scan).
   */
  gh(host: string, token: string, ...args: string[]): Promise<string>;
  /**
   * The secret scan of a full run (test/support/secretScan.ts), here over everything the CLI printed and
   * the GitOps clone's git directory (config, remote URLs, FETCH_HEAD, logs): asserts that the tokens the
   * emulators handed out (recordSecret) were looked for and none was found.
   */
  assertNoSecrets(): void;
}

export function makeWorld(pullRequests: Record<string, unknown>, layout: Layout = singleApp): World {
  const fx = gitFixture(layout.files, 1);
  const clone = fx.clones[0]!;
  const app = join(fx.root, 'app');
  const tls = makeCertificate(fx.root);
  const outputs: string[] = [];
  const yaml = [
    'gitops:',
    '  repo: ../clone1',
    '  branch: main',
    `  pullRequests: ${JSON.stringify(pullRequests)}`,
    ...layout.yaml,
    '',
  ].join('\n');
  require('node:fs').mkdirSync(app);
  writeFileSync(join(app, 'gitops-pilot.yaml'), yaml);
  return {
    fx,
    clone,
    app,
    tls,
    outputs,
    async cli(env, ...args) {
      const r = await run(process.execPath, [cliPath, ...args], {
        cwd: app,
        env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined, GITHUB_TOKEN: undefined, GH_TOKEN: undefined, GITLAB_TOKEN: undefined, NODE_EXTRA_CA_CERTS: tls.certFile, ...env },
        timeoutMs: 60_000,
      });
      outputs.push(r.stdout, r.stderr);
      return { code: r.code, out: r.stdout, err: r.stderr };
    },
    assertNoSecrets() {
      const dir = join(fx.root, 'scanned-output');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cli-and-gh.log'), outputs.join('\n'));
      const r = scanForSecrets([dir, join(clone, '.git')]);
      assert.ok(r.secrets > 0, 'the emulators recorded their tokens');
      assert.ok(r.files > 1 && r.bytes > 0, 'something was scanned');
      assert.deepEqual(r.hits, [], 'a token was printed or stored');
    },
    async gh(host, token, ...args) {
      const home = join(fx.root, 'gh-home');
      mkdirSync(home, { recursive: true });
      const r = await run('gh', args, {
        env: { PATH: process.env.PATH, HOME: home, GH_CONFIG_DIR: home, GH_HOST: host, GH_ENTERPRISE_TOKEN: token, SSL_CERT_FILE: tls.certFile, GH_NO_UPDATE_NOTIFIER: '1', GH_PROMPT_DISABLED: '1', NO_COLOR: '1' },
        timeoutMs: 60_000,
      });
      outputs.push(r.stdout, r.stderr);
      assert.equal(r.code, 0, `gh ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
  };
}
