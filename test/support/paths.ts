import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'gitops-pilot') return dir;
    if (dirname(dir) === dir) throw new Error(`repository root not found above ${start}`);
  }
}

/** The repository root, whether running from test/ or from the transpiled out/test/. */
export const repoRoot = findRoot(__dirname);
