/** The real-world YAML corpus (vendored from ../shared/corpus; see test/fixtures/corpus/SOURCES.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

export const corpusDir = join(repoRoot, 'test', 'fixtures', 'corpus');

export interface CorpusCase {
  file: string;
  kind: 'helm' | 'kustomize';
  /** Helm: key path; Kustomize: ['images', <name>, 'newTag'] */
  path: string[];
  old: string | null;
  oldRaw: string | null;
  line: number | null;
  present: boolean;
  new: string;
  note?: string;
}

export function corpusCases(): CorpusCase[] {
  return JSON.parse(readFileSync(join(corpusDir, 'cases.json'), 'utf8')) as CorpusCase[];
}

export function corpusText(file: string): string {
  return readFileSync(join(corpusDir, file), 'utf8');
}

export function caseName(c: CorpusCase): string {
  return `${c.file} ${c.kind === 'helm' ? c.path.join('.') : c.path[1]} -> ${c.new}`;
}
