/**
 * Every secret the test emulators hand out (ECR registry passwords, AWS secret keys, the registry's
 * htpasswd password, kube bearer tokens) is written down here, so that after a full run
 * (test/run.mjs) every log line, CLI output and test artifact of the run can be scanned for them
 * (test/support/secretScan.ts). The file lives under out/results (test output, never committed); the
 * secrets are the emulators' own random test values.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths';

export const SECRETS_FILE = process.env.GITOPS_PILOT_SECRETS_FILE || join(repoRoot, 'out/results/secrets.txt');

const seen = new Set<string>();

/** Records a secret (and, for an ECR token, the password inside it) for the end-of-run scan. */
export function recordSecret(value: string | undefined): void {
  if (!value || value.length < 8 || seen.has(value)) return;
  seen.add(value);
  try {
    mkdirSync(dirname(SECRETS_FILE), { recursive: true });
    appendFileSync(SECRETS_FILE, `${JSON.stringify(value)}\n`);
  } catch {
    // a read-only checkout: the scan then has fewer secrets to look for, and says how many it had
  }
}
