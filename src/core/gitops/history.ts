/**
 * An environment's deploy history: the commits that changed the image its file declares (by whatever
 * tool: GitOps Pilot, a CI `sed`, a hand edit), newest first, with the image before and after.
 */
import type { Environment } from '../config/model';
import { GitRepo, type GitOptions } from './git';
import { parseTrailers, type DeployKind, type ImageRef } from './message';
import { readDeclaredImage } from './readImage';

export interface DeployRecord {
  readonly sha: string;
  readonly author: string;
  readonly email: string;
  /** ISO 8601 */
  readonly date: string;
  readonly subject: string;
  readonly kind: DeployKind | 'other';
  readonly before: ImageRef | undefined;
  readonly after: ImageRef | undefined;
  readonly trailers: Readonly<Record<string, string>>;
}

export async function environmentHistory(env: Environment, git: GitOptions, max = 20): Promise<DeployRecord[]> {
  const repo = await GitRepo.open(env.gitopsRoot, git);
  // read a few more commits than asked: some change other lines of the file, not the image
  const commits = await repo.fileHistory(env.file, max * 3);
  const read = (text: string | undefined): ImageRef | undefined => {
    if (text === undefined) return undefined;
    try {
      const d = readDeclaredImage(text, env.file, env.locator);
      return { repository: d.repository, tag: d.tag, digest: d.digest };
    } catch {
      return undefined;
    }
  };
  // `git log -- file` lists every commit that touched the file, so the version before commit i is the
  // version after commit i+1: one `git show` per commit, plus the parent of the oldest.
  const after = await Promise.all(commits.map((c) => repo.showFile(c.sha, env.file)));
  const records: DeployRecord[] = [];
  for (let i = 0; i < commits.length && records.length < max; i++) {
    const c = commits[i]!;
    const beforeText = i + 1 < commits.length ? after[i + 1] : await repo.showFile(`${c.sha}^`, env.file);
    const a = read(after[i]);
    const b = read(beforeText);
    if (sameImage(a, b)) continue;
    const kind = /^(deploy|promote|rollback)\(/.exec(c.subject)?.[1] as DeployKind | undefined;
    records.push({ ...c, kind: kind ?? 'other', before: b, after: a, trailers: parseTrailers(c.body) });
  }
  return records;
}

function sameImage(a: ImageRef | undefined, b: ImageRef | undefined): boolean {
  return a?.tag === b?.tag && a?.digest === b?.digest && a?.repository === b?.repository;
}
