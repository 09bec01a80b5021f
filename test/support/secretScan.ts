/**
 * The end of a full run (test/run.mjs): every secret the emulators handed out during the run
 * (test/support/secrets.ts) is looked for in every text artifact of the run — each tier's console output,
 * the TAP reports, the extension-host results, the VS Code logs (GitOps Pilot's own output channel among
 * them) and anything else under out/results and out/test-results. A hit names the file and the kind of
 * secret, never the secret.
 *
 *   node out/test/support/secretScan.js      prints the count and exits 1 on a hit
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './paths';
import { SECRETS_FILE } from './secrets';

const DIRS = ['out/results', 'out/test-results'];
/** screenshots and other binaries are not text a token could be read from */
const BINARY = /\.(png|jpe?g|gif|webp|zip|vsix|gz|tar)$/i;

export interface ScanResult {
  secrets: number;
  files: number;
  bytes: number;
  hits: { file: string; secret: string }[];
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A description of a secret that does not reveal it: its kind and length. */
function describe(secret: string): string {
  return `${/^[A-Za-z0-9+/]+=*$/.test(secret) ? 'base64' : 'text'} secret of ${secret.length} characters`;
}

export function scanForSecrets(dirs = DIRS.map((d) => join(repoRoot, d)), secretsFile = SECRETS_FILE): ScanResult {
  const secrets = existsSync(secretsFile)
    ? [...new Set(readFileSync(secretsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string))]
    : [];
  const result: ScanResult = { secrets: secrets.length, files: 0, bytes: 0, hits: [] };
  for (const dir of dirs) {
    for (const file of listFiles(dir)) {
      if (file === secretsFile || BINARY.test(file) || statSync(file).size > 200 * 2 ** 20) continue;
      const text = readFileSync(file, 'utf8');
      result.files++;
      result.bytes += text.length;
      for (const s of secrets) if (text.includes(s)) result.hits.push({ file: relative(repoRoot, file), secret: describe(s) });
    }
  }
  return result;
}

if (require.main === module) {
  const r = scanForSecrets();
  console.log(`secret scan: ${r.secrets} secrets handed out in this run, looked for in ${r.files} files (${(r.bytes / 2 ** 20).toFixed(1)} MB): ${r.hits.length} hits`);
  for (const h of r.hits) console.log(`  ✘ ${h.file}: a ${h.secret}`);
  if (!r.secrets) console.log('  (no secrets recorded: did any emulator run?)');
  process.exit(r.hits.length ? 1 : 0);
}
