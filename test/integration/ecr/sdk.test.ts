// The ECR emulator through @aws-sdk/client-ecr (ECRClient with `endpoint`, static credentials): shapes,
// typed exceptions, pagination, credentials errors, injected API faults. Images are pushed through the
// emulator's registry endpoint with the registry v2 API (no Docker engine needed here).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  InvalidParameterException,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  StartImageScanCommand,
  paginateDescribeImages,
  paginateDescribeRepositories,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import { startEcrStack, type EcrStack } from '../../support/ecr/emulator';
import { syntheticCounts } from '../../support/ecr/scan';
import { RegistryClient, RegistryError, pushSyntheticImage, type SyntheticImage } from '../../support/registryClient';

describe('ECR emulator through @aws-sdk/client-ecr', () => {
  let stack: EcrStack;
  let client: ECRClient;
  let registry: RegistryClient;

  const ecr = () => stack.ecr;
  const newClient = (over: Partial<ConstructorParameters<typeof ECRClient>[0]> = {}) =>
    new ECRClient({ endpoint: ecr().endpoint, region: ecr().region, credentials: ecr().credentials, maxAttempts: 3, ...over });

  async function rejectsWith<T>(p: Promise<unknown>, ctor: abstract new (...a: never[]) => T, message?: RegExp): Promise<T> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof ctor, `expected ${ctor.name}, got ${(e as Error).name}: ${(e as Error).message}`);
      if (message) assert.match((e as Error).message, message);
      return e;
    }
    assert.fail(`expected ${ctor.name}, but it resolved`);
  }

  before(async () => {
    stack = await startEcrStack({ repositories: [{ name: 'demo-app', scanOnPush: true }, 'plain'] });
    client = newClient();
    registry = new RegistryClient({ url: ecr().proxyEndpoint, username: 'AWS', password: ecr().issueToken().password });
  });

  after(async () => {
    client?.destroy();
    await stack?.close();
  });

  test('GetAuthorizationToken: base64 "AWS:<password>", proxyEndpoint, expiresAt; the password opens the registry', async () => {
    const out = await client.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData![0]!;
    assert.equal(data.proxyEndpoint, ecr().proxyEndpoint);
    assert.ok(data.expiresAt instanceof Date);
    const hours = (data.expiresAt.getTime() - Date.now()) / 3600_000;
    assert.ok(hours > 11.9 && hours <= 12, `12 h validity, got ${hours}`);
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    assert.ok(decoded.startsWith('AWS:'));
    const password = decoded.slice(4);
    assert.ok(await new RegistryClient({ url: data.proxyEndpoint!, username: 'AWS', password }).ping());
    assert.equal(await new RegistryClient({ url: data.proxyEndpoint!, username: 'AWS', password: 'x' + password }).ping(), false);
  });

  test('CreateRepository returns ECR\'s shape; duplicates and bad names are typed errors', async () => {
    const out = await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'team/web',
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    const r = out.repository!;
    assert.equal(r.repositoryName, 'team/web');
    assert.equal(r.repositoryUri, `${ecr().registryHost}/team/web`);
    assert.equal(r.repositoryArn, `arn:aws:ecr:us-east-1:123456789012:repository/team/web`);
    assert.equal(r.registryId, '123456789012');
    assert.ok(r.createdAt instanceof Date);
    assert.equal(r.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(r.imageScanningConfiguration, { scanOnPush: true });
    const tags = await client.send(new ListTagsForResourceCommand({ resourceArn: r.repositoryArn }));
    assert.deepEqual(tags.tags, [{ Key: 'team', Value: 'web' }]);

    const dup = await rejectsWith(client.send(new CreateRepositoryCommand({ repositoryName: 'team/web' })), RepositoryAlreadyExistsException);
    assert.equal(dup.$metadata.httpStatusCode, 400);
    await rejectsWith(client.send(new CreateRepositoryCommand({ repositoryName: 'Bad_Name' })), InvalidParameterException, /repositoryName/);
  });

  test('DescribeRepositories pages with nextToken; names filter; RepositoryNotFoundException', async () => {
    for (let i = 1; i <= 5; i++) await client.send(new CreateRepositoryCommand({ repositoryName: `paged/r${i}` }));
    const pages: string[][] = [];
    for await (const page of paginateDescribeRepositories({ client, pageSize: 2 }, {})) {
      pages.push(page.repositories!.map((r) => r.repositoryName!));
    }
    const names = pages.flat();
    assert.ok(pages.length >= 4, `several pages, got ${pages.length}`);
    assert.ok(pages.every((p) => p.length <= 2));
    assert.equal(new Set(names).size, names.length, 'no repository twice');
    for (const n of ['demo-app', 'plain', 'team/web', 'paged/r1', 'paged/r5']) assert.ok(names.includes(n), n);

    const some = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['paged/r2', 'plain'] }));
    assert.deepEqual(some.repositories!.map((r) => r.repositoryName), ['paged/r2', 'plain']);
    const e = await rejectsWith(
      client.send(new DescribeRepositoriesCommand({ repositoryNames: ['missing'] })),
      RepositoryNotFoundException,
      /^The repository with name 'missing' does not exist in the registry with id '123456789012'$/,
    );
    assert.equal(e.name, 'RepositoryNotFoundException');
    assert.equal(e.$fault, 'client');
    await rejectsWith(client.send(new DescribeRepositoriesCommand({ nextToken: 'garbage' })), InvalidParameterException, /nextToken/);
  });

  const images: Record<string, SyntheticImage> = {};

  test('DescribeImages reports what the registry holds: digest, tags, size, pushedAt, media types, scan summary', async () => {
    const before = Date.now();
    images.a = await pushSyntheticImage(registry, 'demo-app', ['1.0.0', 'latest'], { seed: 'a', layers: 2 });
    images.b = await pushSyntheticImage(registry, 'demo-app', ['1.0.1'], { seed: 'b', layers: 3 });
    const out = await client.send(new DescribeImagesCommand({ repositoryName: 'demo-app' }));
    const byDigest = new Map(out.imageDetails!.map((d) => [d.imageDigest, d]));
    assert.equal(byDigest.size, 2);
    const a = byDigest.get(images.a.digest)!;
    assert.deepEqual(a.imageTags, ['1.0.0', 'latest']);
    assert.equal(a.imageSizeInBytes, images.a.layersSize);
    assert.equal(a.registryId, '123456789012');
    assert.equal(a.repositoryName, 'demo-app');
    assert.equal(a.imageManifestMediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(a.artifactMediaType, 'application/vnd.docker.container.image.v1+json');
    assert.ok(a.imagePushedAt instanceof Date);
    assert.ok(a.imagePushedAt.getTime() >= before - 1_000 && a.imagePushedAt.getTime() <= Date.now() + 1_000);
    assert.equal(a.imageScanStatus?.status, 'COMPLETE');
    const expected = Object.fromEntries(Object.entries(syntheticCounts(images.a.digest)).filter(([, n]) => n > 0));
    assert.deepEqual(a.imageScanFindingsSummary?.findingSeverityCounts, expected);
    assert.ok(a.imageScanFindingsSummary?.imageScanCompletedAt instanceof Date);
    assert.equal(byDigest.get(images.b.digest)!.imageSizeInBytes, images.b.layersSize);

    // by tag or digest; an unknown tag is ImageNotFoundException
    const one = await client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageTag: 'latest' }] }));
    assert.equal(one.imageDetails![0]!.imageDigest, images.a.digest);
    const byDig = await client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageDigest: images.b.digest }] }));
    assert.deepEqual(byDig.imageDetails![0]!.imageTags, ['1.0.1']);
    await rejectsWith(
      client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageTag: 'nope' }] })),
      ImageNotFoundException,
      /^The image with imageId \{imageDigest:'null', imageTag:'nope'\} does not exist within the repository with name 'demo-app' in the registry with id '123456789012'$/,
    );
    await rejectsWith(client.send(new DescribeImagesCommand({ repositoryName: 'missing' })), RepositoryNotFoundException);
    // images without scan-on-push have no scan status
    await pushSyntheticImage(registry, 'plain', ['p'], { seed: 'plain' });
    const plain = await client.send(new DescribeImagesCommand({ repositoryName: 'plain' }));
    assert.equal(plain.imageDetails![0]!.imageScanStatus, undefined);
  });

  test('DescribeImages and ListImages paginate; ListImages lists one id per tag and untagged digests', async () => {
    for (let i = 0; i < 4; i++) await pushSyntheticImage(registry, 'demo-app', [`page-${i}`], { seed: `page-${i}` });
    // move a tag: the image it pointed to becomes untagged
    const moved = await pushSyntheticImage(registry, 'demo-app', ['page-0'], { seed: 'page-0-again' });
    const pages: number[] = [];
    const digests: string[] = [];
    for await (const p of paginateDescribeImages({ client, pageSize: 2 }, { repositoryName: 'demo-app' })) {
      pages.push(p.imageDetails!.length);
      digests.push(...p.imageDetails!.map((d) => d.imageDigest!));
    }
    assert.equal(digests.length, 7, 'a, b, page-0 (old, untagged), page-0 (new), page-1..3');
    assert.equal(new Set(digests).size, 7);
    assert.deepEqual(pages, [2, 2, 2, 1]);

    const ids: Array<{ imageDigest?: string; imageTag?: string }> = [];
    for await (const p of paginateListImages({ client, pageSize: 3 }, { repositoryName: 'demo-app' })) ids.push(...p.imageIds!);
    assert.equal(ids.length, 8, '7 tags + 1 untagged digest');
    const untagged = await client.send(new ListImagesCommand({ repositoryName: 'demo-app', filter: { tagStatus: 'UNTAGGED' } }));
    assert.equal(untagged.imageIds!.length, 1);
    assert.equal(untagged.imageIds![0]!.imageTag, undefined);
    assert.notEqual(untagged.imageIds![0]!.imageDigest, moved.digest);
    const tagged = await client.send(new ListImagesCommand({ repositoryName: 'demo-app', filter: { tagStatus: 'TAGGED' } }));
    assert.equal(tagged.imageIds!.length, 7);
    await rejectsWith(client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', maxResults: 0 })), ECRServiceException);
  });

  test('DescribeImageScanFindings: synthetic per digest, explicit via setScanFindings, StartImageScan, ScanNotFoundException', async () => {
    const out = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'demo-app', imageId: { imageTag: '1.0.0' } }));
    assert.equal(out.imageScanStatus?.status, 'COMPLETE');
    assert.equal(out.imageId?.imageDigest, images.a!.digest);
    const counts = syntheticCounts(images.a!.digest);
    assert.equal(out.imageScanFindings?.findings?.length, Object.values(counts).reduce((x, y) => x + y, 0));

    await ecr().setScanFindings('demo-app', '1.0.1', {
      findings: [{ name: 'CVE-2024-0001', severity: 'CRITICAL', uri: 'https://example.invalid/CVE-2024-0001', attributes: [{ key: 'package_name', value: 'openssl' }] }],
    });
    const explicit = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'demo-app', imageId: { imageTag: '1.0.1' } }));
    assert.deepEqual(explicit.imageScanFindings?.findingSeverityCounts, { CRITICAL: 1 });
    assert.equal(explicit.imageScanFindings?.findings?.[0]?.name, 'CVE-2024-0001');
    await ecr().setScanFindings('demo-app', '1.0.1', { status: 'FAILED', description: 'UnsupportedImageError: The operating system and/or package manager are not supported.' });
    const failed = await client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageTag: '1.0.1' }] }));
    assert.equal(failed.imageDetails![0]!.imageScanStatus?.status, 'FAILED');
    assert.equal(failed.imageDetails![0]!.imageScanFindingsSummary, undefined);

    await rejectsWith(
      client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'plain', imageId: { imageTag: 'p' } })),
      ScanNotFoundException,
    );
    const started = await client.send(new StartImageScanCommand({ repositoryName: 'plain', imageId: { imageTag: 'p' } }));
    assert.equal(started.imageScanStatus?.status, 'COMPLETE'); // scanDelayMs 0
    const now = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'plain', imageId: { imageTag: 'p' } }));
    assert.equal(now.imageScanStatus?.status, 'COMPLETE');
  });

  test('PutImageTagMutability IMMUTABLE makes the registry refuse to overwrite a tag (TAG_INVALID)', async () => {
    const out = await client.send(new PutImageTagMutabilityCommand({ repositoryName: 'plain', imageTagMutability: 'IMMUTABLE' }));
    assert.deepEqual(
      { registryId: out.registryId, repositoryName: out.repositoryName, imageTagMutability: out.imageTagMutability },
      { registryId: '123456789012', repositoryName: 'plain', imageTagMutability: 'IMMUTABLE' },
    );
    await assert.rejects(pushSyntheticImage(registry, 'plain', ['p'], { seed: 'other' }), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.equal(e.status, 400);
      assert.equal(e.code, 'TAG_INVALID');
      assert.match(e.message, /The image tag 'p' already exists in the 'plain' repository and cannot be overwritten because the repository is immutable/);
      return true;
    });
    await pushSyntheticImage(registry, 'plain', ['p2'], { seed: 'other' }); // a new tag is fine
    const scanning = await client.send(new PutImageScanningConfigurationCommand({ repositoryName: 'plain', imageScanningConfiguration: { scanOnPush: true } }));
    assert.deepEqual(scanning.imageScanningConfiguration, { scanOnPush: true });
    const repo = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['plain'] }));
    assert.equal(repo.repositories![0]!.imageTagMutability, 'IMMUTABLE');
    assert.deepEqual(repo.repositories![0]!.imageScanningConfiguration, { scanOnPush: true });
  });

  test('BatchGetImage returns the stored manifest; BatchDeleteImage untags, then deletes', async () => {
    const got = await client.send(new BatchGetImageCommand({ repositoryName: 'demo-app', imageIds: [{ imageTag: 'latest' }, { imageTag: 'gone' }] }));
    assert.equal(got.images!.length, 1);
    assert.equal(got.images![0]!.imageManifest, images.a!.manifest);
    assert.equal(got.images![0]!.imageId?.imageDigest, images.a!.digest);
    assert.deepEqual(got.failures, [{ imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);

    const untag = await client.send(new BatchDeleteImageCommand({ repositoryName: 'demo-app', imageIds: [{ imageTag: 'latest' }] }));
    assert.deepEqual(untag.imageIds, [{ imageDigest: images.a!.digest, imageTag: 'latest' }]);
    const still = await client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageDigest: images.a!.digest }] }));
    assert.deepEqual(still.imageDetails![0]!.imageTags, ['1.0.0'], 'removing one of two tags keeps the image');

    const del = await client.send(new BatchDeleteImageCommand({ repositoryName: 'demo-app', imageIds: [{ imageDigest: images.a!.digest }] }));
    assert.deepEqual(del.imageIds, [{ imageDigest: images.a!.digest, imageTag: '1.0.0' }]);
    await rejectsWith(client.send(new DescribeImagesCommand({ repositoryName: 'demo-app', imageIds: [{ imageDigest: images.a!.digest }] })), ImageNotFoundException);
    assert.equal(await registry.headManifest('demo-app', '1.0.0'), undefined, 'gone from the registry too');
  });

  test('DeleteRepository refuses a non-empty repository unless forced; the data leaves the registry', async () => {
    await rejectsWith(client.send(new DeleteRepositoryCommand({ repositoryName: 'plain' })), RepositoryNotEmptyException);
    const out = await client.send(new DeleteRepositoryCommand({ repositoryName: 'plain', force: true }));
    assert.equal(out.repository?.repositoryName, 'plain');
    await rejectsWith(client.send(new DescribeImagesCommand({ repositoryName: 'plain' })), RepositoryNotFoundException);
    const catalog = await new RegistryClient({ url: stack.registry.url, username: stack.registry.username, password: stack.registry.password }).catalog();
    assert.ok(!catalog.includes('plain'));
  });

  test('credentials: unknown key, wrong secret, wrong region, expired credentials', async () => {
    const unknown = newClient({ credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' } });
    const e1 = await rejectsWith(unknown.send(new DescribeRepositoriesCommand({})), ECRServiceException, /security token included in the request is invalid/);
    assert.equal(e1.name, 'UnrecognizedClientException');
    const wrongSecret = newClient({ credentials: { accessKeyId: ecr().credentials.accessKeyId, secretAccessKey: 'wrong' } });
    const e2 = await rejectsWith(wrongSecret.send(new DescribeRepositoriesCommand({})), ECRServiceException, /signature we calculated does not match/);
    assert.equal(e2.name, 'InvalidSignatureException');
    const wrongRegion = newClient({ region: 'eu-west-1' });
    const e3 = await rejectsWith(wrongRegion.send(new DescribeRepositoriesCommand({})), ECRServiceException, /scoped to a valid region, not 'eu-west-1'/);
    assert.equal(e3.name, 'InvalidSignatureException');
    // a second, session-token credential
    const temp = ecr().addCredentials({ sessionToken: 'session-1' });
    const withSession = newClient({ credentials: temp });
    await withSession.send(new DescribeRepositoriesCommand({ repositoryNames: ['demo-app'] }));
    const noSession = newClient({ credentials: { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey } });
    await rejectsWith(noSession.send(new DescribeRepositoriesCommand({})), ECRServiceException, /security token included in the request is invalid/);

    ecr().expireCredentials();
    try {
      const e4 = await rejectsWith(client.send(new GetAuthorizationTokenCommand({})), ECRServiceException, /expired/);
      assert.equal(e4.name, 'ExpiredTokenException');
    } finally {
      ecr().expireCredentials(false);
    }
    for (const c of [unknown, wrongSecret, wrongRegion, withSession, noSession]) c.destroy();
  });

  test('AccessDeniedException names the action, the user and the resource; the registry denies pushes too', async () => {
    ecr().denyAction('ecr:GetAuthorizationToken');
    ecr().denyAction('DescribeImages');
    ecr().denyAction('InitiateLayerUpload');
    try {
      const e = await rejectsWith(client.send(new GetAuthorizationTokenCommand({})), ECRServiceException);
      assert.equal(e.name, 'AccessDeniedException');
      assert.equal(e.message, 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:GetAuthorizationToken on resource: *');
      const e2 = await rejectsWith(client.send(new DescribeImagesCommand({ repositoryName: 'demo-app' })), ECRServiceException);
      assert.equal(e2.message, 'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:us-east-1:123456789012:repository/demo-app');
      await assert.rejects(pushSyntheticImage(registry, 'demo-app', ['denied'], { seed: 'denied' }), (err: unknown) => {
        assert.ok(err instanceof RegistryError);
        assert.equal(err.status, 403);
        assert.match(err.message, /DENIED: User: arn:aws:iam::123456789012:user\/dev is not authorized to perform: ecr:InitiateLayerUpload/);
        return true;
      });
    } finally {
      for (const a of ['GetAuthorizationToken', 'DescribeImages', 'InitiateLayerUpload']) ecr().allowAction(a);
    }
    await client.send(new GetAuthorizationTokenCommand({}));
  });

  test('injected API faults: the SDK retries a throttle and a 500; a persistent 500 surfaces as ServerException', async () => {
    ecr().resetStats();
    const throttle = ecr().faults.add({ target: 'api', action: 'ListImages', kind: 'status', status: 400, errorType: 'ThrottlingException' });
    const out = await client.send(new ListImagesCommand({ repositoryName: 'demo-app' }));
    assert.ok(out.imageIds!.length > 0);
    assert.equal(throttle.hits, 1);
    assert.equal(ecr().stats().api.byAction.ListImages!.count, 2);
    assert.equal(ecr().stats().api.byAction.ListImages!.errors.ThrottlingException, 1);

    const down = ecr().faults.add({ target: 'api', action: 'DescribeRepositories', kind: 'status', status: 500, times: Infinity });
    try {
      const e = await rejectsWith(client.send(new DescribeRepositoriesCommand({})), ECRServiceException);
      assert.equal(e.name, 'ServerException');
      assert.equal(down.hits, 3, 'maxAttempts 3');
    } finally {
      down.remove();
    }
    await client.send(new DescribeRepositoriesCommand({}));
    assert.deepEqual(ecr().faults.pending(), []);
  });

  test('per-action request stats', () => {
    const s = ecr().stats();
    assert.ok(s.api.requests >= 6);
    const d = s.api.byAction.DescribeRepositories!;
    assert.equal(d.count, 4);
    assert.equal(d.errors.ServerException, 3);
    assert.ok(d.totalMs > 0);
  });
});
