/**
 * ECR API actions (AWS JSON 1.1, target prefix AmazonEC2ContainerRegistry_V20150921). Inputs and outputs
 * follow the ECR API reference; timestamps are epoch seconds (the protocol's default).
 */
import { EcrError, errors } from './errors';
import { severityCounts, type ScanRecord } from './scan';
import { REPOSITORY_NAME, type EcrStore, type ImageRecord, type RepositoryMeta, type TagMutability } from './store';

export const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

export interface ApiContext {
  store: EcrStore;
  accountId: string;
  region: string;
  /** host:port docker uses for this registry (the auth proxy), the prefix of every repositoryUri. */
  registryHost: string;
  /** http://host:port (GetAuthorizationToken's proxyEndpoint). */
  proxyEndpoint: string;
  tokenTtlMs: number;
}

type Input = Record<string, unknown>;
type Handler = (input: Input, ctx: ApiContext) => Promise<unknown>;

const ts = (d: Date) => d.getTime() / 1000;

function str(input: Input, key: string): string | undefined;
function str(input: Input, key: string, required: true): string;
function str(input: Input, key: string, required = false): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) {
    if (required) throw errors.constraint(key, 'must not be null');
    return undefined;
  }
  if (typeof v !== 'string') throw errors.serialization(`STRING_VALUE can not be converted to ${key}`);
  return v;
}

function checkRegistry(input: Input, ctx: ApiContext): void {
  const id = str(input, 'registryId');
  if (id !== undefined && id !== ctx.accountId) {
    throw errors.invalidParameter(`Invalid parameter at 'registryId' failed to satisfy constraint: 'registry id ${id} is not accessible from account ${ctx.accountId}'`);
  }
}

function repositoryName(input: Input): string {
  const name = str(input, 'repositoryName', true);
  if (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
    throw errors.constraint('repositoryName', `must satisfy regular expression '${REPOSITORY_NAME.source.slice(1, -1)}'`);
  }
  return name;
}

async function existingRepository(input: Input, ctx: ApiContext): Promise<RepositoryMeta> {
  checkRegistry(input, ctx);
  const name = repositoryName(input);
  const repo = await ctx.store.repository(name);
  if (!repo) throw errors.repositoryNotFound(name, ctx.accountId);
  return repo;
}

export function repositoryArn(ctx: Pick<ApiContext, 'region' | 'accountId'>, name: string): string {
  return `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${name}`;
}

function repositoryJson(r: RepositoryMeta, ctx: ApiContext) {
  return {
    repositoryArn: repositoryArn(ctx, r.name),
    registryId: ctx.accountId,
    repositoryName: r.name,
    repositoryUri: `${ctx.registryHost}/${r.name}`,
    createdAt: ts(r.createdAt),
    imageTagMutability: r.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

// ── pagination ──

function maxResults(input: Input, defaultMax: number): number {
  const v = input.maxResults;
  if (v === undefined || v === null) return defaultMax;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1000) {
    throw errors.constraint('maxResults', 'Member must have value less than or equal to 1000 and greater than or equal to 1');
  }
  return v;
}

/** Opaque tokens: the offset and the listing they belong to. */
function paginate<T>(items: T[], input: Input, scope: string, defaultMax = 100): { page: T[]; nextToken?: string } {
  const max = maxResults(input, defaultMax);
  let offset = 0;
  const token = str(input, 'nextToken');
  if (token !== undefined) {
    try {
      const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: string; o?: number };
      if (t.s !== scope || typeof t.o !== 'number' || t.o < 0) throw new Error('other listing');
      offset = t.o;
    } catch {
      throw errors.invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken'");
    }
  }
  const page = items.slice(offset, offset + max);
  const next = offset + max < items.length ? Buffer.from(JSON.stringify({ s: scope, o: offset + max })).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}

// ── images ──

interface ImageId {
  imageDigest?: string;
  imageTag?: string;
}

function imageIds(input: Input): ImageId[] | undefined {
  const v = input.imageIds;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw errors.serialization('imageIds must be a list');
  return v.map((x: unknown) => {
    const o = (x ?? {}) as Record<string, unknown>;
    const id: ImageId = {};
    if (typeof o.imageDigest === 'string') id.imageDigest = o.imageDigest;
    if (typeof o.imageTag === 'string') id.imageTag = o.imageTag;
    return id;
  });
}

function tagStatusFilter(input: Input): 'TAGGED' | 'UNTAGGED' | 'ANY' {
  const f = input.filter as { tagStatus?: unknown } | undefined;
  const s = f?.tagStatus ?? 'ANY';
  if (s !== 'TAGGED' && s !== 'UNTAGGED' && s !== 'ANY') throw errors.constraint('filter.tagStatus', 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]');
  return s;
}

function byTagStatus(images: ImageRecord[], s: 'TAGGED' | 'UNTAGGED' | 'ANY'): ImageRecord[] {
  return s === 'ANY' ? images : images.filter((i) => (s === 'TAGGED' ? i.tags.length > 0 : i.tags.length === 0));
}

function scanStatusJson(s: ScanRecord) {
  return { status: s.status, description: s.description };
}

function scanSummaryJson(s: ScanRecord) {
  return {
    ...(s.completedAt ? { imageScanCompletedAt: ts(s.completedAt) } : {}),
    vulnerabilitySourceUpdatedAt: ts(s.vulnerabilitySourceUpdatedAt),
    findingSeverityCounts: severityCounts(s.findings),
  };
}

function imageDetailJson(img: ImageRecord, repo: RepositoryMeta, ctx: ApiContext) {
  const scan = ctx.store.scan(repo, img);
  return {
    registryId: ctx.accountId,
    repositoryName: repo.name,
    imageDigest: img.digest,
    ...(img.tags.length ? { imageTags: img.tags } : {}),
    imageSizeInBytes: img.sizeInBytes,
    imagePushedAt: ts(img.pushedAt),
    ...(scan ? { imageScanStatus: scanStatusJson(scan) } : {}),
    ...(scan && scan.status === 'COMPLETE' ? { imageScanFindingsSummary: scanSummaryJson(scan) } : {}),
    imageManifestMediaType: img.manifestMediaType,
    ...(img.artifactMediaType ? { artifactMediaType: img.artifactMediaType } : {}),
    ...(img.lastPulledAt ? { lastRecordedPullTime: ts(img.lastPulledAt) } : {}),
  };
}

/** The image an id names, or an ImageNotFoundException. */
async function findImage(repo: RepositoryMeta, id: ImageId, ctx: ApiContext, all?: ImageRecord[]): Promise<ImageRecord> {
  const images = all ?? (await ctx.store.images(repo.name));
  const img = images.find((i) => (!id.imageDigest || i.digest === id.imageDigest) && (!id.imageTag || i.tags.includes(id.imageTag)));
  if (!img || (!id.imageDigest && !id.imageTag)) throw errors.imageNotFound(id, repo.name, ctx.accountId);
  return img;
}

function mutability(v: unknown): TagMutability {
  if (v === undefined || v === null) return 'MUTABLE';
  if (v !== 'MUTABLE' && v !== 'IMMUTABLE') throw errors.constraint('imageTagMutability', 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]');
  return v;
}

// ── actions ──

export const actions: Record<string, Handler> = {
  async GetAuthorizationToken(_input, ctx) {
    const { password, expiresAt } = ctx.store.issueToken(ctx.tokenTtlMs);
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          expiresAt: ts(expiresAt),
          proxyEndpoint: ctx.proxyEndpoint,
        },
      ],
    };
  },

  async CreateRepository(input, ctx) {
    checkRegistry(input, ctx);
    const name = repositoryName(input);
    if (await ctx.store.repository(name)) throw errors.repositoryAlreadyExists(name, ctx.accountId);
    const scanning = input.imageScanningConfiguration as { scanOnPush?: unknown } | undefined;
    const tags = Array.isArray(input.tags) ? (input.tags as Array<{ Key?: unknown; Value?: unknown }>) : [];
    for (const t of tags) {
      if (typeof t.Key !== 'string' || !t.Key) throw new EcrError('InvalidTagParameterException', 'Invalid parameter at \'tags\': each tag needs a non-empty Key');
    }
    const repo = ctx.store.createRepository(name, {
      imageTagMutability: mutability(input.imageTagMutability),
      scanOnPush: scanning?.scanOnPush === true,
      tags: tags.map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') })),
    });
    return { repository: repositoryJson(repo, ctx) };
  },

  async DeleteRepository(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const images = await ctx.store.images(repo.name);
    if (images.length && input.force !== true) throw errors.repositoryNotEmpty(repo.name, ctx.accountId);
    for (const img of images) await ctx.store.deleteImage(repo.name, img.digest).catch(() => false);
    const json = repositoryJson(repo, ctx);
    ctx.store.deleteRepository(repo.name);
    return { repository: json };
  },

  async DescribeRepositories(input, ctx) {
    checkRegistry(input, ctx);
    const names = input.repositoryNames as unknown;
    if (names !== undefined && names !== null) {
      if (!Array.isArray(names) || names.length < 1 || names.length > 100) throw errors.constraint('repositoryNames', 'Member must have length between 1 and 100');
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        throw errors.invalidParameter('Invalid parameter: maxResults and nextToken cannot be used with repositoryNames');
      }
      const out = [];
      for (const n of names as unknown[]) {
        const repo = typeof n === 'string' ? await ctx.store.repository(n) : undefined;
        if (!repo) throw errors.repositoryNotFound(String(n), ctx.accountId);
        out.push(repositoryJson(repo, ctx));
      }
      return { repositories: out };
    }
    const all = await ctx.store.allRepositories();
    const { page, nextToken } = paginate(all, input, 'DescribeRepositories');
    return { repositories: page.map((r) => repositoryJson(r, ctx)), ...(nextToken ? { nextToken } : {}) };
  },

  async DescribeImages(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const ids = imageIds(input);
    const all = await ctx.store.images(repo.name);
    if (ids) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        throw errors.invalidParameter('Invalid parameter: maxResults and nextToken cannot be used with imageIds');
      }
      const found: ImageRecord[] = [];
      for (const id of ids) {
        const img = await findImage(repo, id, ctx, all);
        if (!found.includes(img)) found.push(img);
      }
      return { imageDetails: found.map((i) => imageDetailJson(i, repo, ctx)) };
    }
    const images = byTagStatus(all, tagStatusFilter(input));
    const { page, nextToken } = paginate(images, input, `DescribeImages:${repo.name}`);
    return { imageDetails: page.map((i) => imageDetailJson(i, repo, ctx)), ...(nextToken ? { nextToken } : {}) };
  },

  async ListImages(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const images = byTagStatus(await ctx.store.images(repo.name), tagStatusFilter(input));
    const ids: ImageId[] = images.flatMap((i) => (i.tags.length ? i.tags.map((t) => ({ imageDigest: i.digest, imageTag: t })) : [{ imageDigest: i.digest }]));
    const { page, nextToken } = paginate(ids, input, `ListImages:${repo.name}`);
    return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
  },

  async BatchGetImage(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const ids = imageIds(input);
    if (!ids || ids.length < 1 || ids.length > 100) throw errors.constraint('imageIds', 'Member must have length between 1 and 100');
    const all = await ctx.store.images(repo.name);
    const images = [];
    const failures = [];
    for (const id of ids) {
      if (!id.imageDigest && !id.imageTag) {
        failures.push({ imageId: id, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request: missing digest and tag' });
        continue;
      }
      const img = all.find((i) => (!id.imageDigest || i.digest === id.imageDigest) && (!id.imageTag || i.tags.includes(id.imageTag)));
      if (!img) {
        const tagOnly = id.imageTag && all.some((i) => i.tags.includes(id.imageTag!));
        failures.push(
          tagOnly
            ? { imageId: id, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid image tag for image digest' }
            : { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
        );
        continue;
      }
      const m = await ctx.store.manifest(repo.name, img.digest);
      if (!m) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      images.push({
        registryId: ctx.accountId,
        repositoryName: repo.name,
        imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
        imageManifest: m.body,
        imageManifestMediaType: img.manifestMediaType,
      });
    }
    return { images, failures };
  },

  async BatchDeleteImage(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const ids = imageIds(input);
    if (!ids || ids.length < 1 || ids.length > 100) throw errors.constraint('imageIds', 'Member must have length between 1 and 100');
    const deleted: ImageId[] = [];
    const failures = [];
    for (const id of ids) {
      const all = await ctx.store.images(repo.name);
      const img = all.find((i) => (!id.imageDigest || i.digest === id.imageDigest) && (!id.imageTag || i.tags.includes(id.imageTag)));
      if (!img || (!id.imageDigest && !id.imageTag)) {
        failures.push({ imageId: id, failureCode: id.imageDigest || id.imageTag ? 'ImageNotFound' : 'MissingDigestAndTag', failureReason: 'Requested image not found' });
        continue;
      }
      if (id.imageTag && !id.imageDigest && img.tags.length > 1) {
        // ECR: removing one of several tags only untags the image
        ctx.store.untag(repo.name, id.imageTag);
        deleted.push({ imageDigest: img.digest, imageTag: id.imageTag });
        continue;
      }
      await ctx.store.deleteImage(repo.name, img.digest);
      if (img.tags.length) for (const t of img.tags) deleted.push({ imageDigest: img.digest, imageTag: t });
      else deleted.push({ imageDigest: img.digest });
    }
    return { imageIds: deleted, failures };
  },

  async DescribeImageScanFindings(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const [id] = imageIds({ imageIds: [input.imageId] }) ?? [];
    if (!id || (!id.imageDigest && !id.imageTag)) throw errors.constraint('imageId', 'must not be null');
    const img = await findImage(repo, id, ctx);
    const scan = ctx.store.scan(repo, img);
    if (!scan) throw errors.scanNotFound(id, repo.name, ctx.accountId);
    const base = {
      registryId: ctx.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
      imageScanStatus: scanStatusJson(scan),
    };
    if (scan.status !== 'COMPLETE') return base;
    const { page, nextToken } = paginate(scan.findings, input, `DescribeImageScanFindings:${repo.name}@${img.digest}`);
    return {
      ...base,
      imageScanFindings: { ...scanSummaryJson(scan), findings: page },
      ...(nextToken ? { nextToken } : {}),
    };
  },

  async StartImageScan(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const [id] = imageIds({ imageIds: [input.imageId] }) ?? [];
    if (!id || (!id.imageDigest && !id.imageTag)) throw errors.constraint('imageId', 'must not be null');
    const img = await findImage(repo, id, ctx);
    ctx.store.startScan(repo.name, img.digest);
    const scan = ctx.store.scan(repo, img)!;
    return {
      registryId: ctx.accountId,
      repositoryName: repo.name,
      imageId: { imageDigest: img.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
      imageScanStatus: scanStatusJson(scan),
    };
  },

  async PutImageTagMutability(input, ctx) {
    const repo = await existingRepository(input, ctx);
    if (input.imageTagMutability === undefined) throw errors.constraint('imageTagMutability', 'must not be null');
    repo.imageTagMutability = mutability(input.imageTagMutability);
    return { registryId: ctx.accountId, repositoryName: repo.name, imageTagMutability: repo.imageTagMutability };
  },

  async PutImageScanningConfiguration(input, ctx) {
    const repo = await existingRepository(input, ctx);
    const cfg = input.imageScanningConfiguration as { scanOnPush?: unknown } | undefined;
    if (!cfg) throw errors.constraint('imageScanningConfiguration', 'must not be null');
    const on = cfg.scanOnPush === true;
    if (on && !repo.scanOnPush) repo.scanOnPushSince = new Date();
    repo.scanOnPush = on;
    return { registryId: ctx.accountId, repositoryName: repo.name, imageScanningConfiguration: { scanOnPush: on } };
  },

  async ListTagsForResource(input, ctx) {
    const arn = str(input, 'resourceArn', true);
    const prefix = repositoryArn(ctx, '');
    if (!arn.startsWith(prefix)) throw errors.invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
    const repo = await ctx.store.repository(arn.slice(prefix.length));
    if (!repo) throw errors.repositoryNotFound(arn.slice(prefix.length), ctx.accountId);
    return { tags: repo.tags };
  },
};

/** The IAM resource an action is evaluated against (for AccessDeniedException messages). */
export function resourceFor(action: string, input: Input, ctx: Pick<ApiContext, 'region' | 'accountId'>): string {
  if (action === 'GetAuthorizationToken') return '*';
  if (action === 'ListTagsForResource' && typeof input.resourceArn === 'string') return input.resourceArn;
  const name = typeof input.repositoryName === 'string' ? input.repositoryName : undefined;
  if (name) return repositoryArn(ctx, name);
  const names = input.repositoryNames;
  if (Array.isArray(names) && typeof names[0] === 'string') return repositoryArn(ctx, names[0]);
  return repositoryArn(ctx, '*');
}
