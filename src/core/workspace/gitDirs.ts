/**
 * Where a folder's git repository keeps the files that move when its branch or HEAD moves: `HEAD` and
 * `ORIG_HEAD` in the git directory; `packed-refs` and `refs/heads/**` in the common directory (they
 * differ in a linked worktree). A `git commit`, `pull`, `checkout`, `reset` or `rebase` made anywhere
 * (a terminal, another tool, this extension) rewrites one of them, so watching them tells the
 * Workspace that an environment's history may have changed. Read from the file system, not by running
 * git (nothing is spawned in Restricted Mode). No `vscode` import.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface GitDirs {
  /** the repository's `.git` directory (a linked worktree's own one) */
  readonly gitDir: string;
  /** where refs and packed-refs are (the main repository's `.git` for a linked worktree) */
  readonly commonDir: string;
}

/** A folder to watch and the glob, relative to it, of the files that say HEAD moved. */
export interface WatchSpec {
  readonly base: string;
  readonly glob: string;
}

/** The git directories of the repository `folder` is in (walking up), or undefined outside git. */
export function findGitDirs(folder: string): GitDirs | undefined {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const found = gitDirAt(dotGit);
    if (found) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

function gitDirAt(dotGit: string): GitDirs | undefined {
  try {
    const st = statSync(dotGit);
    if (st.isDirectory()) return existsSync(join(dotGit, 'HEAD')) ? { gitDir: dotGit, commonDir: dotGit } : undefined;
    // a linked worktree or submodule: `gitdir: <path>`, and the worktree's `commondir` names the shared one
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
    if (!m) return undefined;
    const gitDir = resolve(dirname(dotGit), m[1]!);
    let commonDir = gitDir;
    const commonFile = join(gitDir, 'commondir');
    if (existsSync(commonFile)) commonDir = resolve(gitDir, readFileSync(commonFile, 'utf8').trim());
    return { gitDir, commonDir };
  } catch {
    return undefined;
  }
}

const GIT_DIR_FILES = ['HEAD', 'ORIG_HEAD'];
const COMMON_DIR_FILES = ['packed-refs'];

/** What to watch for a repository: its HEAD files and its branch refs. */
export function headWatchSpecs(g: GitDirs): WatchSpec[] {
  if (g.gitDir === g.commonDir) return [{ base: g.gitDir, glob: `{${[...GIT_DIR_FILES, ...COMMON_DIR_FILES].join(',')},refs/heads/**}` }];
  return [
    { base: g.gitDir, glob: `{${GIT_DIR_FILES.join(',')}}` },
    { base: g.commonDir, glob: `{${COMMON_DIR_FILES.join(',')},refs/heads/**}` },
  ];
}

/** Whether a changed path is one of the files that say the repository's HEAD or a branch moved. */
export function isHeadFile(g: GitDirs, path: string): boolean {
  const p = resolve(path);
  const inGit = rel(g.gitDir, p);
  if (inGit !== undefined && GIT_DIR_FILES.includes(inGit)) return true;
  const inCommon = rel(g.commonDir, p);
  if (inCommon === undefined) return false;
  // `refs/heads/main.lock` is git writing: the rename to `main` is the move
  return COMMON_DIR_FILES.includes(inCommon) || (inCommon.startsWith('refs/heads/') && !inCommon.endsWith('.lock'));
}

function rel(base: string, p: string): string | undefined {
  const r = relative(base, p);
  if (!r || r.startsWith('..') || isAbsolute(r)) return undefined;
  return r.split(sep).join('/');
}
