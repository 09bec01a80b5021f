import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temp directory, removed by the returned cleanup (call it in `after`). */
export function tempDir(prefix = 'gitops-pilot-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes files given as { 'relative/path': 'content' } under `root`. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

/** Numbered folders under `root` (p0, p1, …), each written from { 'relative/path': 'content' }: one per test. */
export function folderMaker(root: string): (files: Record<string, string>) => string {
  let n = 0;
  return (files) => {
    const dir = join(root, `p${n++}`);
    writeTree(dir, files);
    return dir;
  };
}
