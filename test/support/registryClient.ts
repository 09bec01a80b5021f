/**
 * A small Docker Registry HTTP API v2 client (basic auth), used by the ECR emulator to read the real
 * registry and by tests to seed or inspect it without a Docker engine.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

export const MANIFEST_ACCEPT = [MediaTypes.dockerManifest, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.ociIndex].join(', ');

export interface RegistryTarget {
  /** `http://host:port` */
  url: string;
  username?: string;
  password?: string;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  /** Bytes of the manifest itself. */
  size: number;
}

export interface ManifestContent extends ManifestInfo {
  body: string;
  json: {
    mediaType?: string;
    config?: { mediaType?: string; size?: number; digest?: string };
    layers?: Array<{ mediaType?: string; size?: number; digest?: string }>;
    manifests?: Array<{ mediaType?: string; size?: number; digest?: string; platform?: unknown }>;
    [k: string]: unknown;
  };
}

export class RegistryClient {
  private readonly auth: string | undefined;

  constructor(
    readonly target: RegistryTarget,
    private readonly timeoutMs = 30_000,
  ) {
    this.auth = target.username !== undefined ? `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}` : undefined;
  }

  async request(
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {},
  ): Promise<Response> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.target.url}${pathOrUrl}`;
    const headers: Record<string, string> = { ...init.headers };
    if (this.auth) headers.authorization = this.auth;
    return fetch(url, {
      method,
      headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs),
    });
  }

  private async fail(r: Response, what: string): Promise<never> {
    const text = await r.text().catch(() => '');
    let code: string | undefined;
    let message = text.slice(0, 300);
    try {
      const e = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors?.[0];
      if (e) {
        code = e.code;
        message = `${e.code}: ${e.message}`;
      }
    } catch {
      /* not JSON */
    }
    throw new RegistryError(`${what}: HTTP ${r.status} ${message}`, r.status, code);
  }

  /** GET /v2/ → true when the credentials are accepted. */
  async ping(): Promise<boolean> {
    const r = await this.request('GET', '/v2/');
    await r.arrayBuffer();
    return r.status === 200;
  }

  /** Every repository name (follows the catalog's Link pagination). */
  async catalog(pageSize = 1000): Promise<string[]> {
    const names: string[] = [];
    let next: string | undefined = `/v2/_catalog?n=${pageSize}`;
    while (next) {
      const r = await this.request('GET', next);
      if (r.status !== 200) await this.fail(r, 'catalog');
      names.push(...(((await r.json()) as { repositories?: string[] }).repositories ?? []));
      const link = r.headers.get('link');
      next = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
    }
    return names;
  }

  /** Tags of a repository, or undefined when the registry does not know it. */
  async tags(repo: string): Promise<string[] | undefined> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    while (next) {
      const r = await this.request('GET', next);
      if (r.status === 404) {
        await r.arrayBuffer();
        return undefined;
      }
      if (r.status !== 200) await this.fail(r, `tags of ${repo}`);
      tags.push(...(((await r.json()) as { tags?: string[] | null }).tags ?? []));
      const link = r.headers.get('link');
      next = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
    }
    return tags;
  }

  /** HEAD a manifest by tag or digest; undefined when absent. */
  async headManifest(repo: string, ref: string): Promise<ManifestInfo | undefined> {
    const r = await this.request('HEAD', `/v2/${repo}/manifests/${ref}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (r.status === 404) return undefined;
    if (r.status !== 200) await this.fail(r, `manifest ${repo}:${ref}`);
    return {
      digest: r.headers.get('docker-content-digest') ?? '',
      mediaType: (r.headers.get('content-type') ?? '').split(';')[0]!.trim(),
      size: Number(r.headers.get('content-length') ?? 0),
    };
  }

  /** GET a manifest by tag or digest; undefined when absent. */
  async getManifest(repo: string, ref: string): Promise<ManifestContent | undefined> {
    const r = await this.request('GET', `/v2/${repo}/manifests/${ref}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (r.status === 404) {
      await r.arrayBuffer();
      return undefined;
    }
    if (r.status !== 200) await this.fail(r, `manifest ${repo}:${ref}`);
    const buf = Buffer.from(await r.arrayBuffer());
    const body = buf.toString('utf8');
    return {
      digest: r.headers.get('docker-content-digest') ?? sha256Digest(buf),
      mediaType: (r.headers.get('content-type') ?? '').split(';')[0]!.trim(),
      size: buf.length,
      body,
      json: JSON.parse(body) as ManifestContent['json'],
    };
  }

  async putManifest(repo: string, ref: string, body: string, mediaType: string): Promise<string> {
    const r = await this.request('PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'content-type': mediaType }, body });
    if (r.status !== 201) await this.fail(r, `put manifest ${repo}:${ref}`);
    await r.arrayBuffer();
    return r.headers.get('docker-content-digest') ?? sha256Digest(Buffer.from(body));
  }

  /** DELETE a manifest by digest (the registry also drops the tags that point to it). false when absent. */
  async deleteManifest(repo: string, digest: string): Promise<boolean> {
    const r = await this.request('DELETE', `/v2/${repo}/manifests/${digest}`);
    if (r.status === 404) {
      await r.arrayBuffer();
      return false;
    }
    if (r.status !== 202) await this.fail(r, `delete manifest ${repo}@${digest}`);
    await r.arrayBuffer();
    return true;
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const r = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`);
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    return this.fail(r, `blob ${repo}@${digest}`);
  }

  /** Monolithic upload (POST then PUT ?digest=); skips blobs already present. Returns the digest. */
  async uploadBlob(repo: string, data: Buffer): Promise<string> {
    const digest = sha256Digest(data);
    if (await this.hasBlob(repo, digest)) return digest;
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`);
    if (start.status !== 202) await this.fail(start, `start upload to ${repo}`);
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (!location) throw new RegistryError(`start upload to ${repo}: no Location`, start.status);
    const url = new URL(location, this.target.url);
    url.searchParams.set('digest', digest);
    const put = await this.request('PUT', url.toString(), {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      body: data,
    });
    if (put.status !== 201) await this.fail(put, `upload blob to ${repo}`);
    await put.arrayBuffer();
    return digest;
  }
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A ustar archive holding regular files (enough for an image layer). */
export function tarFiles(files: Record<string, string | Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
    const h = Buffer.alloc(512);
    h.write(name, 0, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136); // mtime 0: reproducible layers
    h.write('        ', 148); // checksum placeholder
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface SyntheticImage {
  digest: string;
  /** Bytes of the manifest. */
  manifestSize: number;
  /** Sum of the compressed layer sizes. */
  layersSize: number;
  layers: Array<{ digest: string; size: number }>;
  manifest: string;
}

/**
 * Pushes a small image made in memory (no Docker engine): `layers` layers, each one file whose content
 * depends on `seed`, a config, and a Docker schema 2 manifest tagged with each of `tags`. The same seed
 * gives the same digest.
 */
export async function pushSyntheticImage(
  client: RegistryClient,
  repo: string,
  tags: string[],
  opts: { seed?: string; layers?: number } = {},
): Promise<SyntheticImage> {
  const seed = opts.seed ?? tags[0] ?? 'image';
  const layers: Array<{ digest: string; size: number; diffId: string; data: Buffer }> = [];
  for (let i = 0; i < (opts.layers ?? 2); i++) {
    const tar = tarFiles({ [`layer${i}.txt`]: `${seed} layer ${i}\n` });
    const data = gzipSync(tar);
    layers.push({ digest: sha256Digest(data), size: data.length, diffId: sha256Digest(tar), data });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Labels: { 'org.opencontainers.image.version': seed } },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    }),
  );
  for (const l of layers) await client.uploadBlob(repo, l.data);
  const configDigest = await client.uploadBlob(repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.dockerManifest,
    config: { mediaType: MediaTypes.dockerConfig, size: config.length, digest: configDigest },
    layers: layers.map((l) => ({ mediaType: MediaTypes.dockerLayer, size: l.size, digest: l.digest })),
  });
  const digest = sha256Digest(manifest);
  const refs = tags.length ? tags : [digest];
  for (const t of refs) await client.putManifest(repo, t, manifest, MediaTypes.dockerManifest);
  return {
    digest,
    manifestSize: Buffer.byteLength(manifest),
    layersSize: layers.reduce((a, l) => a + l.size, 0),
    layers: layers.map(({ digest: d, size }) => ({ digest: d, size })),
    manifest,
  };
}
