/** Real git repositories for tests: a bare "remote" and clones of it, like a GitOps repo and its users. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './tmp';

export const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface GitFixture {
  readonly root: string;
  readonly bare: string;
  readonly clones: string[];
  clone(name: string): string;
  /** the bare repository's history of a branch: subjects, oldest first */
  remoteSubjects(branch?: string): string[];
  remoteFile(path: string, branch?: string): string;
  cleanup(): void;
}

/**
 * A bare repository seeded with `files` on `main`, and `clones` working clones. The bare repository
 * refuses non-fast-forward pushes, so a force-push anywhere would fail the test.
 */
export function gitFixture(files: Record<string, string>, clones = 1): GitFixture {
  const tmp = tempDir('gitops-pilot-git-');
  const bare = join(tmp.dir, 'remote.git');
  git(tmp.dir, 'init', '--bare', '--initial-branch=main', bare);
  git(bare, 'config', 'receive.denyNonFastForwards', 'true');
  git(bare, 'config', 'receive.denyDeletes', 'true');
  const seed = join(tmp.dir, 'seed');
  git(tmp.dir, 'clone', '-q', bare, seed);
  git(seed, 'checkout', '-q', '-b', 'main');
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, rel)), { recursive: true });
    writeFileSync(join(seed, rel), content);
  }
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial environments');
  git(seed, 'push', '-q', 'origin', 'main');
  const fx: GitFixture = {
    root: tmp.dir,
    bare,
    clones: [],
    clone(name: string) {
      const dir = join(tmp.dir, name);
      git(tmp.dir, 'clone', '-q', bare, dir);
      git(dir, 'config', 'user.name', `User ${name}`);
      git(dir, 'config', 'user.email', `${name}@example.test`);
      return dir;
    },
    remoteSubjects(branch = 'main') {
      return git(bare, 'log', '--reverse', '--format=%s', branch).split('\n').filter(Boolean);
    },
    remoteFile(path: string, branch = 'main') {
      return git(bare, 'show', `${branch}:${path}`);
    },
    cleanup: tmp.cleanup,
  };
  for (let i = 0; i < clones; i++) fx.clones.push(fx.clone(`clone${i + 1}`));
  return fx;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
