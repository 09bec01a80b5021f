/**
 * `npm run bench`: measurements side by side with what a user would use instead, on this machine. A
 * benchmark, not a test: it prints a table, writes bench/results.json, and exits 0 however slow the
 * machine is (a section that cannot run is reported and skipped).
 *
 *   npm run bench                    every section
 *   npm run bench -- --only=bump     some sections (activation, bump, rollout, host, images, scale, argo, apps)
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { benchActivation } from './activation';
import { benchArgo } from './argo';
import { benchApps } from './release';
import { benchBump } from './bump';
import { benchExtensionHost } from './extensionHost';
import { benchImages } from './images';
import { Results } from './results';
import { benchRollout } from './rollout';
import { benchScale } from './scale';

const SECTIONS: Record<string, (r: Results) => Promise<void>> = {
  activation: benchActivation,
  bump: benchBump,
  rollout: benchRollout,
  host: benchExtensionHost,
  images: benchImages,
  scale: benchScale,
  argo: benchArgo,
  apps: benchApps,
};

async function main(): Promise<void> {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const results = new Results();
  const skipped: string[] = [];
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  console.log(`benchmarks on ${machine}\n`);
  for (const [name, fn] of Object.entries(SECTIONS)) {
    if (only && !only.includes(name)) continue;
    console.log(`── ${name}`);
    const t0 = Date.now();
    try {
      await fn(results);
    } catch (err) {
      skipped.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      console.log(`  (skipped: ${err instanceof Error ? err.message : String(err)})`);
    }
    console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const out = join(repoRoot, 'bench', 'results.json');
  mkdirSync(join(repoRoot, 'bench'), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ machine, date: new Date().toISOString(), results: results.rows, skipped }, null, 2)}\n`);
  console.log(`${results.table()}\n\nwritten to ${out}${skipped.length ? `\nskipped: ${skipped.join('; ')}` : ''}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(0);
  },
);
