/**
 * A self-signed serving certificate for the simulator's HTTPS mode, made with the openssl CLI
 * (Node cannot create X.509 certificates). kubectl sends bearer tokens only over TLS, so tests of
 * kubectl against authentication need it; the certificate goes into the kubeconfig as the CA.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsMaterial {
  /** PEM certificate (also the CA clients trust) */
  cert: string;
  /** PEM private key */
  key: string;
}

let cached: TlsMaterial | undefined;

/** A certificate for 127.0.0.1 / ::1 / localhost, valid for a day; made once per process. */
export function selfSignedCertificate(): TlsMaterial {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=kubesim',
        '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
        '-addext', 'basicConstraints=critical,CA:TRUE',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`kubesim: openssl could not create a certificate (${r.error?.message ?? r.stderr})`);
    cached = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
