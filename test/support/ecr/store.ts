/**
 * The emulator's state. Images are never kept here: they are read from the real registry (v2 API: tags,
 * HEAD/GET manifests; untagged manifests from the registry's own storage revisions). Only what ECR adds on
 * top of a registry lives here: repository settings, push/pull times, scan results, issued tokens.
 */
import { randomBytes } from 'node:crypto';
import { recordSecret } from '../secrets';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MediaTypes, type ManifestContent, type RegistryClient } from '../registryClient';
import { explicitScan, syntheticScan, type ScanFindingsSpec, type ScanRecord } from './scan';

export type TagMutability = 'MUTABLE' | 'IMMUTABLE';

export interface RepositoryMeta {
  name: string;
  createdAt: Date;
  imageTagMutability: TagMutability;
  scanOnPush: boolean;
  /** Images pushed at or after this time get a scan-on-push result. */
  scanOnPushSince?: Date;
  tags: Array<{ Key: string; Value: string }>;
}

export interface ImageRecord {
  repository: string;
  digest: string;
  tags: string[];
  manifestMediaType: string;
  /** The config's media type (ECR's artifactMediaType). */
  artifactMediaType?: string;
  /** Sum of the compressed layer sizes (for a manifest list: the largest of its manifests). */
  sizeInBytes: number;
  pushedAt: Date;
  lastPulledAt?: Date;
}

export type TokenState = 'ok' | 'expired' | 'unknown';

export interface StoreOptions {
  /** How long after a push (or StartImageScan) a scan stays IN_PROGRESS. */
  scanDelayMs: number;
}

/** ECR's repository name grammar. */
export const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export class EcrStore {
  readonly repos = new Map<string, RepositoryMeta>();
  private readonly pushed = new Map<string, Date>();
  private readonly pulled = new Map<string, Date>();
  private readonly scans = new Map<string, { explicit?: ScanRecord; startedAt?: Date }>();
  private readonly tokens = new Map<string, { expiresAt: number }>();
  private readonly manifests = new Map<string, ManifestContent>();
  private readonly deleted = new Set<string>();

  constructor(
    readonly registry: RegistryClient,
    /** The registry's storage root, for untagged manifests and tag removal. */
    readonly storageDir: string | undefined,
    private readonly opts: StoreOptions,
  ) {}

  // ── repositories ──

  createRepository(name: string, settings: Partial<Omit<RepositoryMeta, 'name'>> = {}): RepositoryMeta {
    this.deleted.delete(name);
    const meta: RepositoryMeta = {
      name,
      createdAt: settings.createdAt ?? new Date(),
      imageTagMutability: settings.imageTagMutability ?? 'MUTABLE',
      scanOnPush: settings.scanOnPush ?? false,
      scanOnPushSince: settings.scanOnPush ? new Date(0) : undefined,
      tags: settings.tags ?? [],
    };
    this.repos.set(name, meta);
    return meta;
  }

  /**
   * The repository's settings. A repository the registry has but the emulator never created (someone pushed
   * to the registry directly) is adopted with default settings.
   */
  async repository(name: string): Promise<RepositoryMeta | undefined> {
    const meta = this.repos.get(name);
    if (meta || this.deleted.has(name) || !REPOSITORY_NAME.test(name)) return meta;
    const tags = await this.registry.tags(name);
    if (tags === undefined || (tags.length === 0 && this.revisionDigests(name).length === 0)) return undefined;
    return this.adopt(name);
  }

  /** Every repository: created through the API, plus those found in the registry's catalog. */
  async allRepositories(): Promise<RepositoryMeta[]> {
    for (const name of await this.registry.catalog()) {
      if (!this.repos.has(name) && !this.deleted.has(name)) this.adopt(name);
    }
    return [...this.repos.values()].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.name.localeCompare(b.name));
  }

  private adopt(name: string): RepositoryMeta {
    let createdAt = new Date();
    const dir = this.repoDir(name);
    if (dir && existsSync(dir)) createdAt = statSync(dir).mtime;
    return this.createRepository(name, { createdAt });
  }

  /** Forgets the repository and removes its data from the registry's storage. */
  deleteRepository(name: string): void {
    this.repos.delete(name);
    this.deleted.add(name);
    for (const m of [this.pushed, this.pulled, this.scans]) for (const k of [...m.keys()]) if (k.startsWith(`${name}@`)) m.delete(k);
    const dir = this.repoDir(name);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }

  private repoDir(name: string): string | undefined {
    return this.storageDir ? join(this.storageDir, 'docker', 'registry', 'v2', 'repositories', name) : undefined;
  }

  // ── images (read from the registry) ──

  /** Manifest digests the registry stores for the repository (tagged or not), from its revision links. */
  revisionDigests(repo: string): string[] {
    const dir = this.repoDir(repo);
    if (!dir) return [];
    const revs = join(dir, '_manifests', 'revisions', 'sha256');
    if (!existsSync(revs)) return [];
    return readdirSync(revs)
      .filter((hex) => existsSync(join(revs, hex, 'link')))
      .map((hex) => `sha256:${hex}`);
  }

  /** Every image in the repository, as the registry has it now. */
  async images(repo: string): Promise<ImageRecord[]> {
    const tags = (await this.registry.tags(repo)) ?? [];
    const byDigest = new Map<string, string[]>();
    await mapLimit(tags, 8, async (tag) => {
      const head = await this.registry.headManifest(repo, tag);
      if (!head?.digest) return;
      const list = byDigest.get(head.digest) ?? [];
      list.push(tag);
      byDigest.set(head.digest, list);
    });
    for (const d of this.revisionDigests(repo)) if (!byDigest.has(d)) byDigest.set(d, []);
    const out: ImageRecord[] = [];
    await mapLimit([...byDigest], 8, async ([digest, imageTags]) => {
      const rec = await this.record(repo, digest, imageTags.sort());
      if (rec) out.push(rec);
    });
    return out.sort((a, b) => a.pushedAt.getTime() - b.pushedAt.getTime() || a.digest.localeCompare(b.digest));
  }

  /** The image a tag or digest names (with all its tags), or undefined. */
  async resolve(repo: string, id: { imageDigest?: string; imageTag?: string }): Promise<ImageRecord | undefined> {
    if (!id.imageDigest && !id.imageTag) return undefined;
    let digest = id.imageDigest;
    if (id.imageTag) {
      const head = await this.registry.headManifest(repo, id.imageTag);
      if (!head) return undefined;
      if (digest && head.digest !== digest) return undefined;
      digest = head.digest;
    }
    const all = await this.images(repo);
    return all.find((i) => i.digest === digest);
  }

  async manifest(repo: string, digest: string): Promise<ManifestContent | undefined> {
    const cached = this.manifests.get(digest);
    if (cached) return cached;
    const m = await this.registry.getManifest(repo, digest);
    if (m) this.manifests.set(digest, m);
    return m;
  }

  private async record(repo: string, digest: string, tags: string[]): Promise<ImageRecord | undefined> {
    const m = await this.manifest(repo, digest);
    if (!m) return undefined;
    const mediaType = m.json.mediaType ?? m.mediaType;
    let size = 0;
    if (m.json.manifests) {
      for (const child of m.json.manifests) {
        const c = child.digest ? await this.manifest(repo, child.digest) : undefined;
        size = Math.max(size, c ? layersSize(c) : 0);
      }
    } else {
      size = layersSize(m);
    }
    return {
      repository: repo,
      digest,
      tags,
      manifestMediaType: mediaType,
      artifactMediaType: m.json.config?.mediaType ?? (m.json.manifests ? undefined : MediaTypes.dockerConfig),
      sizeInBytes: size,
      pushedAt: this.pushedAt(repo, digest),
      lastPulledAt: this.pulled.get(`${repo}@${digest}`),
    };
  }

  /** When the manifest was pushed: recorded by the proxy, else its revision link's mtime, else first seen. */
  pushedAt(repo: string, digest: string): Date {
    const key = `${repo}@${digest}`;
    let at = this.pushed.get(key);
    if (!at) {
      const dir = this.repoDir(repo);
      const link = dir ? join(dir, '_manifests', 'revisions', 'sha256', digest.replace(/^sha256:/, ''), 'link') : undefined;
      at = link && existsSync(link) ? statSync(link).mtime : new Date();
      this.pushed.set(key, at);
    }
    return at;
  }

  /** Called by the proxy when a manifest PUT succeeded. */
  recordPush(repo: string, digest: string, at = new Date()): void {
    const key = `${repo}@${digest}`;
    if (!this.pushed.has(key)) this.pushed.set(key, at);
  }

  recordPull(repo: string, digest: string, at = new Date()): void {
    this.pulled.set(`${repo}@${digest}`, at);
  }

  /** Removes one tag from the registry's storage (the registry's API can only delete by digest). */
  untag(repo: string, tag: string): void {
    const dir = this.repoDir(repo);
    if (!dir) throw new Error('untag needs the registry storage dir');
    rmSync(join(dir, '_manifests', 'tags', tag), { recursive: true, force: true });
  }

  /** Deletes the manifest (and the tags pointing to it) through the registry API. */
  async deleteImage(repo: string, digest: string): Promise<boolean> {
    const ok = await this.registry.deleteManifest(repo, digest);
    const key = `${repo}@${digest}`;
    this.pushed.delete(key);
    this.pulled.delete(key);
    this.scans.delete(key);
    return ok;
  }

  // ── scans ──

  scan(repo: RepositoryMeta, image: Pick<ImageRecord, 'digest' | 'pushedAt'>, now = new Date()): ScanRecord | undefined {
    const s = this.scans.get(`${repo.name}@${image.digest}`);
    if (s?.explicit) return s.explicit;
    if (s?.startedAt) return syntheticScan(image.digest, s.startedAt, this.opts.scanDelayMs, now);
    if (repo.scanOnPush && repo.scanOnPushSince && image.pushedAt.getTime() >= repo.scanOnPushSince.getTime()) {
      return syntheticScan(image.digest, image.pushedAt, this.opts.scanDelayMs, now);
    }
    return undefined;
  }

  startScan(repo: string, digest: string, now = new Date()): void {
    this.scans.set(`${repo}@${digest}`, { startedAt: now });
  }

  setScan(repo: string, digest: string, spec: ScanFindingsSpec, now = new Date()): void {
    this.scans.set(`${repo}@${digest}`, { explicit: explicitScan(digest, spec, now) });
  }

  // ── registry tokens ──

  /** A new registry password in the shape of ECR's (base64 of a JSON envelope), valid for ttlMs. */
  issueToken(ttlMs: number, now = Date.now()): { password: string; expiresAt: Date } {
    const expiresAt = now + ttlMs;
    const password = Buffer.from(
      JSON.stringify({
        payload: randomBytes(96).toString('base64'),
        datakey: randomBytes(48).toString('base64'),
        version: '2',
        type: 'DATA_KEY',
        expiration: Math.floor(expiresAt / 1000),
      }),
    ).toString('base64');
    this.tokens.set(password, { expiresAt });
    recordSecret(password);
    recordSecret(Buffer.from(`AWS:${password}`).toString('base64'));
    return { password, expiresAt: new Date(expiresAt) };
  }

  checkToken(password: string, now = Date.now()): TokenState {
    const t = this.tokens.get(password);
    if (!t) return 'unknown';
    return t.expiresAt > now ? 'ok' : 'expired';
  }

  /** Every token issued so far expires now. */
  expireTokens(now = Date.now()): number {
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.expiresAt > now) {
        t.expiresAt = now;
        n++;
      }
    }
    return n;
  }
}

function layersSize(m: ManifestContent): number {
  return (m.json.layers ?? []).reduce((a, l) => a + (l.size ?? 0), 0);
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(workers);
}
