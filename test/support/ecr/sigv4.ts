/**
 * AWS Signature Version 4 verification for the emulator's JSON API (header-signed requests, which is what
 * the SDK and the CLI send). Checks the access key id is known, the scope (region, service), the clock skew
 * and the signature itself.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { EcrError, errors } from './errors';

export interface KnownCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it in X-Amz-Security-Token (temporary credentials). */
  sessionToken?: string;
}

export interface SignedRequest {
  method: string;
  /** The raw request target (path and query). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VerifyOptions {
  region: string;
  service: string;
  now?: number;
  /** Verify the signature bytes (default true); false only checks presence, key, scope and time. */
  verifySignature?: boolean;
  /** Allowed clock skew; AWS allows 15 minutes. */
  maxSkewMs?: number;
}

/** Returns the credentials that signed the request, or throws the EcrError AWS would answer with. */
export function verifySigV4(req: SignedRequest, lookup: (accessKeyId: string) => KnownCredentials | undefined, opts: VerifyOptions): KnownCredentials {
  const auth = header(req.headers, 'authorization');
  if (!auth) throw errors.missingAuth();
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(auth.trim());
  if (!m) throw new EcrError('IncompleteSignatureException', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth.split(' ')[0]}`);
  const parts = new Map<string, string>();
  for (const p of m[1]!.split(',')) {
    const i = p.indexOf('=');
    if (i > 0) parts.set(p.slice(0, i).trim(), p.slice(i + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new EcrError('IncompleteSignatureException', 'Authorization header requires \'Credential\', \'Signature\' and \'SignedHeaders\' parameters.');
  }
  const [accessKeyId, date, region, service, terminator] = credential.split('/');
  const known = accessKeyId ? lookup(accessKeyId) : undefined;
  if (!known) throw errors.unrecognizedClient();
  if (known.sessionToken !== undefined && header(req.headers, 'x-amz-security-token') !== known.sessionToken) throw errors.unrecognizedClient();
  if (region !== opts.region) throw errors.invalidSignature(`Credential should be scoped to a valid region, not '${region}'. `);
  if (service !== opts.service) throw errors.invalidSignature(`Credential should be scoped to correct service: '${opts.service}'. `);
  if (terminator !== 'aws4_request') throw errors.invalidSignature("Credential should be scoped with a valid terminator: 'aws4_request'");

  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) throw new EcrError('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (amzDate.slice(0, 8) !== date) throw errors.invalidSignature(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  const now = opts.now ?? Date.now();
  const skew = opts.maxSkewMs ?? 15 * 60_000;
  if (Math.abs(now - t) > skew) {
    throw errors.invalidSignature(`Signature expired: ${amzDate} is now earlier than ${isoBasic(now - skew)} (${isoBasic(now)} - 15 min.)`);
  }
  if (opts.verifySignature === false) return known;

  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw errors.invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  const canonicalHeaders = names.map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const q = req.url.indexOf('?');
  const path = q >= 0 ? req.url.slice(0, q) : req.url;
  const query = q >= 0 ? req.url.slice(q + 1) : '';
  const payloadHeader = header(req.headers, 'x-amz-content-sha256');
  const payloadHash = payloadHeader && payloadHeader !== 'UNSIGNED-PAYLOAD' ? payloadHeader : sha256hex(req.body);
  const canonicalRequest = [req.method, canonicalUri(path), canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${known.secretAccessKey}`, date!);
  key = hmac(key, region!);
  key = hmac(key, service!);
  key = hmac(key, 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.invalidSignature();
  return known;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Non-S3 services: each segment of the (already encoded) path is encoded again. */
function canonicalUri(path: string): string {
  return (path || '/').split('/').map(rfc3986).join('/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs = query.split('&').filter(Boolean).map((kv) => {
    const i = kv.indexOf('=');
    const k = decodeURIComponent((i >= 0 ? kv.slice(0, i) : kv).replace(/\+/g, ' '));
    const v = i >= 0 ? decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' ')) : '';
    return [rfc3986(k), rfc3986(v)] as const;
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
