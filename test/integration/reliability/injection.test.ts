/**
 * Injection and untrusted input: values crafted as options (--upload-pack=…, -c core.sshCommand=…), with
 * shell metacharacters, or with path traversal — in CLI flags and in gitops-pilot.yaml — are refused
 * before any process runs, never reach a process's arguments, and no process is ever started through a
 * shell. (Runs the CLI in-process, with a spy on node:child_process.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../../support/cli';
import { gitFixture, type GitFixture } from '../../support/gitRepos';
import { repoRoot } from '../../support/paths';
import { spyOnSpawns, type SpawnRecord } from '../../support/spawnSpy';
import { writeTree } from '../../support/tmp';

const PAYLOADS = [
  '--upload-pack=touch /tmp/gitops-pilot-pwned',
  '--receive-pack=touch /tmp/gitops-pilot-pwned',
  '-c core.sshCommand=touch /tmp/gitops-pilot-pwned',
  '--exec=touch /tmp/gitops-pilot-pwned',
  '$(touch /tmp/gitops-pilot-pwned)',
  '`touch /tmp/gitops-pilot-pwned`',
  'a; touch /tmp/gitops-pilot-pwned',
  'a && touch /tmp/gitops-pilot-pwned',
  'a | tee /tmp/gitops-pilot-pwned',
  '-rf',
  '--force',
  '../../../etc/passwd',
  'tag\nInjected-Trailer: yes',
  'main:refs/heads/evil',
  '@{-1}',
];

const counts = { cases: 0, refusedBeforeAnyProcess: 0, spawns: 0 };

describe('crafted input is refused before any process runs', () => {
  let fx: GitFixture;
  let work: string;
  let spy: ReturnType<typeof spyOnSpawns>;
  before(() => {
    fx = gitFixture({ 'envs/dev/values.yaml': 'image:\n  repository: demo\n  tag: "1"\n', 'envs/prod/values.yaml': 'image:\n  repository: demo\n  tag: "1"\n' }, 1);
    work = fx.clones[0]!;
    spy = spyOnSpawns();
  });
  after(() => {
    spy.restore();
    fx.cleanup();
    console.log(`  injection cases tried: ${counts.cases}, refused before any process ran: ${counts.refusedBeforeAnyProcess}, processes started in the accepted cases: ${counts.spawns}`);
  });

  const payloadIn = (calls: SpawnRecord[], payload: string) => calls.filter((c) => [c.command, ...c.args].some((a) => a.includes(payload)));

  async function refused(args: string[], cwd = work): Promise<void> {
    counts.cases++;
    spy.calls.length = 0;
    const r = await runCli(args, cwd);
    assert.equal(r.code, 2, `${JSON.stringify(args)} is bad input (exit 2), got ${r.code}: ${r.err}`);
    assert.deepEqual(spy.calls, [], `${JSON.stringify(args)}: no process may run`);
    counts.refusedBeforeAnyProcess++;
  }

  for (const p of PAYLOADS) {
    test(`tag ${JSON.stringify(p)}`, async () => {
      await refused(['bump', '--env', 'dev', '--tag', p]);
      await refused(['set-image', '--file', 'envs/dev/values.yaml', '--path', 'image.tag', '--tag', p]);
    });
    test(`digest, environment, commit and push mode ${JSON.stringify(p)}`, async () => {
      await refused(['bump', '--env', 'dev', '--tag', 'ok', '--digest', p]);
      await refused(['bump', '--env', p, '--tag', 'ok']);
      await refused(['promote', '--from', p, '--to', 'prod', '--yes']);
      await refused(['promote', '--from', 'dev', '--to', p, '--yes']);
      await refused(['bump', '--env', 'dev', '--tag', 'ok', '--push-mode', p]);
    });
  }

  test('rollback --to a crafted commit id never reaches git', async () => {
    for (const p of PAYLOADS) {
      counts.cases++;
      spy.calls.length = 0;
      const r = await runCli(['rollback', '--env', 'dev', '--to', p], work);
      assert.equal(r.code, 2, r.err);
      assert.deepEqual(payloadIn(spy.calls, p), [], `${p} reached a process`);
    }
  });

  test('gitops-pilot.yaml: option-like branch and remote, traversal and option-like files, crafted workloads and repositories', async () => {
    const configs: Record<string, string> = {
      branch: 'gitops:\n  branch: "--upload-pack=touch /tmp/gitops-pilot-pwned"\n',
      remote: 'gitops:\n  remote: "-c core.sshCommand=touch /tmp/gitops-pilot-pwned"\n',
      remoteMeta: 'gitops:\n  remote: "origin;touch /tmp/gitops-pilot-pwned"\n',
      traversal: 'environments:\n  - { name: dev, file: ../../../etc/passwd }\n',
      absolute: 'environments:\n  - { name: dev, file: /etc/passwd }\n',
      optionFile: 'environments:\n  - { name: dev, file: "envs/--upload-pack=x/values.yaml" }\n',
      workload: 'environments:\n  - { name: dev, file: envs/dev/values.yaml, workload: "deployment/$(touch /tmp/x)" }\n',
      repository: 'image:\n  repository: "demo;touch /tmp/gitops-pilot-pwned"\n',
      envName: 'environments:\n  - { name: "--force", file: envs/dev/values.yaml }\n',
      path: 'environments:\n  - { name: dev, file: envs/dev/values.yaml, path: "image..tag" }\n',
    };
    for (const [name, config] of Object.entries(configs)) {
      const dir = join(fx.root, `config-${name}`);
      writeTree(dir, { 'gitops-pilot.yaml': config, 'envs/dev/values.yaml': 'image:\n  tag: "1"\n' });
      await refused(['bump', '--env', 'dev', '--tag', 'ok', '--dir', dir], dir);
    }
  });

  for (const p of PAYLOADS) {
    test(`image tags and Kubernetes names ${JSON.stringify(p)}`, async () => {
      const app = join(fx.root, 'app');
      writeTree(app, { 'gitops-pilot.yaml': 'image:\n  repository: 127.0.0.1:5999/demo-app\n', Dockerfile: 'FROM scratch\n' });
      await refused(['build', '--tag', p], app);
      await refused(['build', '--push', '--tag', p], app);
      await refused(['push', '--tag', p], app);
      await refused(['rollout-status', '--namespace', p, '--deployment', 'web']);
      await refused(['rollout-status', '--namespace', 'dev', '--deployment', p]);
      await refused(['rollout-status', '--namespace', 'dev', '--rollout', p]);
      // a context name is looked up in the kubeconfig, never passed to a program
      counts.cases++;
      spy.calls.length = 0;
      const r = await runCli(['rollout-status', '--kubeconfig', join(fx.root, 'no-such-kubeconfig'), '--context', p, '--namespace', 'dev', '--deployment', 'web'], work);
      assert.notEqual(r.code, 0, r.err);
      assert.deepEqual(spy.calls, [], `context ${JSON.stringify(p)}: no process may run`);
      counts.refusedBeforeAnyProcess++;
    });
  }

  test('gitops-pilot.yaml image section: option-like Dockerfile, context outside the project, build args, target and platform', async () => {
    const configs: Record<string, string> = {
      dockerfile: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  dockerfile: "--file=/etc/passwd"\n',
      contextOutside: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  context: ../../..\n',
      contextOption: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  context: "--output=/tmp/gitops-pilot-pwned"\n',
      buildArgKey: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  buildArgs: { "--network=host": "x" }\n',
      buildArgMeta: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  buildArgs: { "A;touch /tmp/gitops-pilot-pwned": "x" }\n',
      target: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  target: "--no-cache"\n',
      platform: 'image:\n  repository: 127.0.0.1:5999/demo-app\n  platform: "-q"\n',
      repositoryOption: 'image:\n  repository: "--upload-pack=x"\n',
    };
    for (const [name, config] of Object.entries(configs)) {
      const dir = join(fx.root, `image-${name}`);
      writeTree(dir, { 'gitops-pilot.yaml': config, Dockerfile: 'FROM scratch\n' });
      await refused(['build', '--tag', 'ok', '--dir', dir], dir);
    }
    // a monorepo's service building from the repository root is fine: the boundary is the repository
    const service = join(work, 'services/api');
    writeTree(service, { 'gitops-pilot.yaml': 'image:\n  repository: 127.0.0.1:5999/api\n  context: ../..\n  dockerfile: Dockerfile\n', Dockerfile: 'FROM scratch\n' });
    const r = await runCli(['build', '--tag', 'ok', '--dir', service], service, { GITOPS_PILOT_DOCKER: join(fx.root, 'no-such-docker') });
    assert.doesNotMatch(r.err, /outside the repository/, r.err);
    assert.match(r.err, /docker|Docker/, 'it got as far as running docker');
  });

  test('accepted input: processes run with argument arrays, never through a shell', async () => {
    counts.cases++;
    spy.calls.length = 0;
    const r = await runCli(['bump', '--env', 'dev', '--tag', 'sha-1234567'], work);
    assert.equal(r.code, 0, r.err);
    assert.ok(spy.calls.length > 0, 'git ran');
    counts.spawns += spy.calls.length;
    assert.deepEqual(spy.calls.filter((c) => c.shell), [], 'no shell');
    assert.ok(spy.calls.every((c) => c.fn === 'spawn' && /(^|\/)git$/.test(c.command)), JSON.stringify(spy.calls.map((c) => `${c.fn} ${c.command}`)));
  });
});

describe('the source never starts a process through a shell', () => {
  test('no exec/execSync, no shell: true, in src/', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          const text = readFileSync(p, 'utf8');
          if (/\bshell:\s*true\b/.test(text)) offenders.push(`${p}: shell: true`);
          if (/\b(exec|execSync)\(/.test(text.replace(/\.exec\(/g, ''))) offenders.push(`${p}: exec()`);
          if (/from 'node:child_process'|require\('child_process'\)/.test(text) && /\bexec\b(?!File)/.test(text.match(/import \{([^}]*)\} from 'node:child_process'/)?.[1] ?? '')) offenders.push(`${p}: imports exec`);
        }
      }
    };
    walk(join(repoRoot, 'src'));
    assert.deepEqual(offenders, []);
  });
});
