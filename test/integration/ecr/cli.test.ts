// The ECR emulator proved with real clients: AWS CLI v2 (/usr/bin/aws) for the API, and a real Docker
// engine (login, build, push, pull) for the registry behind the emulator's auth proxy.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { docker, dockerBuild, removeImages, dockerClis, dockerOk, ensureBaseImage, parsePushDigest, startDockerd, writeSampleApp, type DockerDaemon } from '../../support/dockerd';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { AWS_CLI, awsCliEnv, awsEcr } from '../../support/ecr/awsCli';
import { run } from '../../support/proc';
import { syntheticCounts } from '../../support/ecr/scan';
import { tempDir } from '../../support/tmp';

describe('ECR emulator through the real AWS CLI v2 and docker', () => {
  let daemon: DockerDaemon;
  let stack: EcrStack;
  let tmp: { dir: string; cleanup: () => void };
  let env: NodeJS.ProcessEnv;
  let configDir: string;
  let base: string;
  let password = '';
  const pushed: Record<string, { digest: string; size: number }> = {};

  const ecr = () => stack.ecr;
  const image = (repo: string, tag: string) => `${ecr().registryHost}/${repo}:${tag}`;

  before(async () => {
    daemon = await startDockerd();
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }] });
    tmp = tempDir('gitops-pilot-ecr-cli-');
    env = awsCliEnv(stack.ecr, tmp.dir);
    configDir = join(tmp.dir, 'docker-config');
    mkdirSync(configDir);
    base = await ensureBaseImage(daemon);
  });

  after(async () => {
    if (daemon && stack) await removeImages(daemon, `${stack.ecr.registryHost}/`).catch(() => undefined);
    await stack?.close();
    await daemon?.stop();
    tmp?.cleanup();
  });

  test('the CLI under test is AWS CLI v2', async () => {
    const r = await run(AWS_CLI, ['--version'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /^aws-cli\/2\./);
  });

  test('get-login-password gives a password docker login accepts (via stdin)', async () => {
    const r = await awsEcr(ecr(), env, ['get-login-password']);
    assert.equal(r.code, 0, r.stderr);
    password = r.stdout.trim();
    assert.ok(password.length > 100, 'an ECR-like token');
    assert.equal(ecr().store.checkToken(password), 'ok');
    const login = await docker(daemon, ['login', ecr().registryHost, '--username', 'AWS', '--password-stdin'], { configDir, input: password });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    assert.ok(!(login.stdout + login.stderr).includes(password), 'docker must not echo the token');
  });

  test('a wrong password is refused by the registry endpoint', async () => {
    const bad = await docker(daemon, ['login', ecr().registryHost, '--username', 'AWS', '--password-stdin'], {
      configDir: join(tmp.dir, 'other-config'),
      input: 'not-a-token',
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /failed with status: 401 Unauthorized/);
  });

  test('docker build + push of a two-layer app; describe-images reports the digest docker push printed', async () => {
    const app = writeSampleApp({ base, version: '1.0.0' });
    try {
      await dockerBuild(daemon, app.dir, [image('demo-app', '1.0.0')]);
    } finally {
      app.cleanup();
    }
    const history = await dockerOk(daemon, ['history', '--format', '{{.Size}} {{.CreatedBy}}', image('demo-app', '1.0.0')]);
    assert.match(history.stdout, /COPY file:/);
    assert.match(history.stdout, /RUN|\/bin\/sh -c mkdir/);
    const push = await docker(daemon, ['push', image('demo-app', '1.0.0')], { configDir, timeoutMs: 180_000 });
    assert.equal(push.code, 0, push.stderr + push.stdout);
    assert.ok(!push.stdout.includes(password));
    const reported = parsePushDigest(push.stdout);
    assert.ok(reported, push.stdout);
    pushed['1.0.0'] = reported;

    const r = await awsEcr<{ imageDetails: any[] }>(ecr(), env, ['describe-images', '--repository-name', 'demo-app']);
    assert.equal(r.code, 0, r.stderr);
    const details = r.json!.imageDetails;
    assert.equal(details.length, 1);
    const d = details[0];
    assert.equal(d.imageDigest, reported.digest);
    assert.deepEqual(d.imageTags, ['1.0.0']);
    assert.equal(d.registryId, ecr().accountId);
    assert.equal(d.repositoryName, 'demo-app');
    assert.equal(d.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(d.artifactMediaType, 'application/vnd.docker.container.image.v1+json');
    assert.ok(d.imageSizeInBytes > 500_000, `busybox layer is compressed to ~1 MB, got ${d.imageSizeInBytes}`);
    const pushedAt = Date.parse(d.imagePushedAt);
    assert.ok(Math.abs(Date.now() - pushedAt) < 10 * 60_000, `pushedAt ${d.imagePushedAt} is recent`);
    // scanOnPush: a completed synthetic scan, deterministic per digest
    assert.equal(d.imageScanStatus.status, 'COMPLETE');
    const expected = Object.fromEntries(Object.entries(syntheticCounts(reported.digest)).filter(([, n]) => n > 0));
    assert.deepEqual(d.imageScanFindingsSummary.findingSeverityCounts, expected);

    // the manifest has the base layer plus the app's RUN and COPY layers
    const m = await awsEcr<{ images: any[] }>(ecr(), env, ['batch-get-image', '--repository-name', 'demo-app', '--image-ids', 'imageTag=1.0.0']);
    assert.equal(m.code, 0, m.stderr);
    const manifest = JSON.parse(m.json!.images[0].imageManifest);
    assert.equal(manifest.layers.length, 3);
    assert.equal(Buffer.byteLength(m.json!.images[0].imageManifest), reported.size);
  });

  test('the Debian docker 20.10 CLI pushes through the same login and reports the same digest', async () => {
    const clis = dockerClis();
    assert.ok(clis.length >= 1);
    const cli = clis.find((c) => c === '/usr/bin/docker') ?? clis[0]!;
    await dockerOk(daemon, ['tag', image('demo-app', '1.0.0'), image('demo-app', 'stable')], { cli });
    const push = await docker(daemon, ['push', image('demo-app', 'stable')], { cli, configDir, timeoutMs: 180_000 });
    assert.equal(push.code, 0, push.stderr + push.stdout);
    assert.equal(parsePushDigest(push.stdout)?.digest, pushed['1.0.0']!.digest);
    assert.match(push.stdout, /Layer already exists/);
    const r = await awsEcr<{ imageDetails: any[] }>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', 'imageTag=stable']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json!.imageDetails[0].imageTags, ['1.0.0', 'stable']);
  });

  test('a second build moves a tag; list-images, its filter and batch-delete-image agree', async () => {
    const app = writeSampleApp({ base, version: '1.0.1' });
    try {
      await dockerBuild(daemon, app.dir, [image('demo-app', '1.0.1'), image('demo-app', 'stable')]);
    } finally {
      app.cleanup();
    }
    for (const tag of ['1.0.1', 'stable']) {
      const push = await docker(daemon, ['push', image('demo-app', tag)], { configDir, timeoutMs: 180_000 });
      assert.equal(push.code, 0, push.stderr + push.stdout);
      pushed[tag] = parsePushDigest(push.stdout)!;
    }
    assert.equal(pushed['1.0.1']!.digest, pushed.stable!.digest);
    assert.notEqual(pushed['1.0.1']!.digest, pushed['1.0.0']!.digest);

    const list = await awsEcr<{ imageIds: Array<{ imageDigest: string; imageTag?: string }> }>(ecr(), env, ['list-images', '--repository-name', 'demo-app']);
    assert.equal(list.code, 0, list.stderr);
    const ids = list.json!.imageIds.map((i) => `${i.imageTag ?? '-'}@${i.imageDigest}`).sort();
    assert.deepEqual(ids, [`1.0.0@${pushed['1.0.0']!.digest}`, `1.0.1@${pushed['1.0.1']!.digest}`, `stable@${pushed['1.0.1']!.digest}`].sort());

    const untagged = await awsEcr<{ imageIds: unknown[] }>(ecr(), env, ['list-images', '--repository-name', 'demo-app', '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual(untagged.json!.imageIds, []);

    const del = await awsEcr<{ imageIds: unknown[]; failures: unknown[] }>(ecr(), env, ['batch-delete-image', '--repository-name', 'demo-app', '--image-ids', 'imageTag=1.0.0']);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(del.json!.failures, []);
    assert.deepEqual(del.json!.imageIds, [{ imageDigest: pushed['1.0.0']!.digest, imageTag: '1.0.0' }]);
    const after = await awsEcr<{ imageDetails: any[] }>(ecr(), env, ['describe-images', '--repository-name', 'demo-app']);
    assert.deepEqual(
      after.json!.imageDetails.map((d) => d.imageDigest),
      [pushed['1.0.1']!.digest],
      'deleting the only tag of an image deletes the image',
    );
  });

  test('describe-images paginates with --page-size (several requests) and --max-items (nextToken)', async () => {
    for (const tag of ['p1', 'p2', 'p3']) {
      const app = writeSampleApp({ base, version: tag });
      try {
        await dockerBuild(daemon, app.dir, [image('demo-app', tag)]);
      } finally {
        app.cleanup();
      }
      const push = await docker(daemon, ['push', image('demo-app', tag)], { configDir, timeoutMs: 180_000 });
      assert.equal(push.code, 0, push.stderr);
    }
    ecr().resetStats();
    const all = await awsEcr<{ imageDetails: any[] }>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--page-size', '1']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.json!.imageDetails.length, 4);
    assert.equal(ecr().stats().api.byAction.DescribeImages!.count, 4, 'one request per page of one');

    const first = await awsEcr<{ imageDetails: any[]; NextToken?: string }>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--max-items', '3']);
    assert.equal(first.json!.imageDetails.length, 3);
    assert.ok(first.json!.NextToken);
    const rest = await awsEcr<{ imageDetails: any[]; NextToken?: string }>(ecr(), env, [
      'describe-images', '--repository-name', 'demo-app', '--max-items', '3', '--starting-token', first.json!.NextToken!,
    ]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.json!.imageDetails.length, 1);
    const digests = new Set([...first.json!.imageDetails, ...rest.json!.imageDetails].map((d) => d.imageDigest));
    assert.equal(digests.size, 4);
  });

  test('pushing a new image under an existing tag leaves the old one untagged (tagStatus=UNTAGGED)', async () => {
    const before = await awsEcr<any>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', 'imageTag=p3']);
    const oldDigest: string = before.json.imageDetails[0].imageDigest;
    const app = writeSampleApp({ base, version: 'p3b' });
    try {
      await dockerBuild(daemon, app.dir, [image('demo-app', 'p3')]);
    } finally {
      app.cleanup();
    }
    const push = await docker(daemon, ['push', image('demo-app', 'p3')], { configDir, timeoutMs: 180_000 });
    assert.equal(push.code, 0, push.stderr);
    const untagged = await awsEcr<{ imageIds: unknown[] }>(ecr(), env, ['list-images', '--repository-name', 'demo-app', '--filter', 'tagStatus=UNTAGGED']);
    assert.deepEqual(untagged.json!.imageIds, [{ imageDigest: oldDigest }]);
    const details = await awsEcr<any>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--filter', 'tagStatus=UNTAGGED']);
    assert.equal(details.json.imageDetails.length, 1);
    assert.equal(details.json.imageDetails[0].imageDigest, oldDigest);
    assert.equal(details.json.imageDetails[0].imageTags, undefined);
  });

  test('describe-repositories: all, by name, and RepositoryNotFoundException', async () => {
    const all = await awsEcr<{ repositories: any[] }>(ecr(), env, ['describe-repositories']);
    assert.equal(all.code, 0, all.stderr);
    const repo = all.json!.repositories.find((r) => r.repositoryName === 'demo-app');
    assert.deepEqual(
      { ...repo, createdAt: typeof repo.createdAt },
      {
        repositoryArn: `arn:aws:ecr:${ecr().region}:${ecr().accountId}:repository/demo-app`,
        registryId: ecr().accountId,
        repositoryName: 'demo-app',
        repositoryUri: `${ecr().registryHost}/demo-app`,
        createdAt: 'string',
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: 'AES256' },
      },
    );
    const missing = await awsEcr(ecr(), env, ['describe-repositories', '--repository-names', 'nope']);
    assert.equal(missing.code, 254);
    assert.match(
      missing.stderr,
      /An error occurred \(RepositoryNotFoundException\) when calling the DescribeRepositories operation: The repository with name 'nope' does not exist in the registry with id '123456789012'/,
    );
  });

  test('create-repository (immutable, scan on push, tags); pushing an existing tag again is rejected like ECR', async () => {
    const created = await awsEcr<{ repository: any }>(ecr(), env, [
      'create-repository', '--repository-name', 'team/api', '--image-tag-mutability', 'IMMUTABLE',
      '--image-scanning-configuration', 'scanOnPush=false', '--tags', 'Key=team,Value=platform',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json!.repository.repositoryUri, `${ecr().registryHost}/team/api`);
    assert.equal(created.json!.repository.imageTagMutability, 'IMMUTABLE');
    const again = await awsEcr(ecr(), env, ['create-repository', '--repository-name', 'team/api']);
    assert.equal(again.code, 254);
    assert.match(again.stderr, /RepositoryAlreadyExistsException/);

    await dockerOk(daemon, ['tag', image('demo-app', '1.0.1'), image('team/api', 'v1')]);
    const push = await docker(daemon, ['push', image('team/api', 'v1')], { configDir, timeoutMs: 180_000 });
    assert.equal(push.code, 0, push.stderr + push.stdout);
    await dockerOk(daemon, ['tag', image('demo-app', 'p1'), image('team/api', 'v1')]);
    const overwrite = await docker(daemon, ['push', image('team/api', 'v1')], { configDir, timeoutMs: 180_000 });
    assert.notEqual(overwrite.code, 0);
    assert.match(overwrite.stderr + overwrite.stdout, /tag invalid: The image tag 'v1' already exists in the 'team\/api' repository and cannot be overwritten because the repository is immutable/);

    // put-image-tag-mutability turns it back to MUTABLE and the same push now succeeds
    const mut = await awsEcr<any>(ecr(), env, ['put-image-tag-mutability', '--repository-name', 'team/api', '--image-tag-mutability', 'MUTABLE']);
    assert.equal(mut.code, 0, mut.stderr);
    assert.deepEqual(mut.json, { registryId: ecr().accountId, repositoryName: 'team/api', imageTagMutability: 'MUTABLE' });
    const retry = await docker(daemon, ['push', image('team/api', 'v1')], { configDir, timeoutMs: 180_000 });
    assert.equal(retry.code, 0, retry.stderr + retry.stdout);
  });

  test('pushing to a repository that was never created fails with name unknown', async () => {
    await dockerOk(daemon, ['tag', image('demo-app', '1.0.1'), image('not-created', 'x')]);
    const push = await docker(daemon, ['push', image('not-created', 'x')], { configDir, timeoutMs: 180_000 });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr + push.stdout, /name unknown: The repository with name 'not-created' does not exist in the registry with id '123456789012'/);
  });

  test('describe-image-scan-findings: synthetic findings for scan-on-push, explicit ones, ScanNotFoundException', async () => {
    const digest = pushed['1.0.1']!.digest;
    const r = await awsEcr<any>(ecr(), env, ['describe-image-scan-findings', '--repository-name', 'demo-app', '--image-id', 'imageTag=1.0.1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.imageId.imageDigest, digest);
    assert.equal(r.json.imageScanStatus.status, 'COMPLETE');
    const counts = syntheticCounts(digest);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    assert.equal(r.json.imageScanFindings.findings.length, total);
    for (const f of r.json.imageScanFindings.findings) assert.match(f.name, /^CVE-\d{4}-\d+$/);

    await ecr().setScanFindings('demo-app', '1.0.1', { counts: { CRITICAL: 2, HIGH: 1 } });
    const set = await awsEcr<any>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', `imageDigest=${digest}`]);
    assert.deepEqual(set.json.imageDetails[0].imageScanFindingsSummary.findingSeverityCounts, { CRITICAL: 2, HIGH: 1 });

    const none = await awsEcr(ecr(), env, ['describe-image-scan-findings', '--repository-name', 'team/api', '--image-id', 'imageTag=v1']);
    assert.equal(none.code, 254);
    assert.match(none.stderr, /ScanNotFoundException/);
  });

  test('docker pull by digest after removing the local image gets the same image back', async () => {
    const ref = `${ecr().registryHost}/demo-app@${pushed['1.0.1']!.digest}`;
    // remove every name this test gave the image, so the pull must fetch it from the registry (builds are
    // unique per test run, so no other process holds a name for the same image)
    const id = (await dockerOk(daemon, ['image', 'inspect', '--format', '{{.Id}}', image('demo-app', '1.0.1')])).stdout.trim();
    const refs = JSON.parse((await dockerOk(daemon, ['image', 'inspect', '--format', '{{json .RepoTags}}{{json .RepoDigests}}', id])).stdout.replace('][', ',')) as string[];
    const names = [...new Set(refs)];
    // one by one: once the last tag goes, docker deletes the image and its digest references with it
    for (const n of names.filter((x) => x.startsWith(`${ecr().registryHost}/`))) await docker(daemon, ['rmi', n]);
    assert.notEqual((await docker(daemon, ['image', 'inspect', id])).code, 0, 'the image is gone locally');
    ecr().resetStats();
    const pull = await docker(daemon, ['pull', ref], { configDir, timeoutMs: 180_000 });
    assert.equal(pull.code, 0, pull.stderr + pull.stdout);
    const out = await dockerOk(daemon, ['run', '--rm', '--network', 'none', ref]);
    assert.equal(out.stdout.trim(), 'demo-app 1.0.1');
    const d = await awsEcr<any>(ecr(), env, ['describe-images', '--repository-name', 'demo-app', '--image-ids', 'imageTag=1.0.1']);
    assert.ok(d.json.imageDetails[0].lastRecordedPullTime, 'the pull is recorded');
    assert.ok((ecr().stats().registry.byOp['GET manifest'] ?? 0) >= 1);
    assert.ok((ecr().stats().registry.byOp['GET blob'] ?? 0) >= 3, 'every layer came from the registry');
  });

  test('the emulator counted the CLI and docker traffic', () => {
    const s = ecr().stats();
    assert.ok(s.api.requests > 0);
    assert.ok(s.registry.requests > 0);
  });
});
