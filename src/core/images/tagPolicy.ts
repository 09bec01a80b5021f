/**
 * Tag policies (image.tag in gitops-pilot.yaml): what an image built from the app repository is tagged.
 *
 *   sha         the short git SHA                    3f9a1c2
 *   branch-sha  <branch>-<short SHA>                 main-3f9a1c2, feature-login-3f9a1c2
 *   semver      the latest version tag reachable from HEAD (v1.2.3 → 1.2.3; with commits since it,
 *               git describe's 1.2.3-4-g3f9a1c2), else package.json's version
 *   build       build-<n>, n one more than the highest build number the repository has seen
 *
 * A tag derived from git names the commit, so building from a working tree with changes in the build
 * context would lie: that is refused unless the caller accepts a `-dirty` suffix. Never `latest`. Every
 * tag is checked against the OCI tag grammar.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TagPolicy } from '../config/model';
import { inputError, PilotError } from '../errors';
import { gitEnvironment } from '../gitops/git';
import type { Logger } from '../log';
import { runProcess } from '../util/process';
import { validateTag } from './reference';

export const TAG_POLICIES: readonly TagPolicy[] = ['sha', 'branch-sha', 'semver', 'build'];

export interface GitFacts {
  /** full commit id of HEAD */
  readonly sha: string;
  readonly shortSha: string;
  /** undefined on a detached HEAD */
  readonly branch?: string;
  /** changed or untracked files in the build inputs (relative to the repository root) */
  readonly dirtyFiles: readonly string[];
  /** the latest semver tag reachable from HEAD and how many commits HEAD is past it */
  readonly version?: { readonly tag: string; readonly distance: number };
  /** the repository's git directory (where the build counter is kept) */
  readonly gitDir: string;
  readonly root: string;
}

export interface GitReadOptions {
  readonly gitPath?: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** whether to look for version tags (only the semver policy needs them) */
  readonly versions?: boolean;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Reads what the tag policies need from the app repository at `dir`; `inputs` are the build's paths. */
export async function readGitFacts(dir: string, inputs: readonly string[], opts: GitReadOptions): Promise<GitFacts> {
  const { env } = gitEnvironment();
  const git = async (args: string[], allowFail = false): Promise<string | undefined> => {
    const r = await runProcess(opts.gitPath || 'git', args, {
      cwd: dir,
      env,
      signal: opts.signal,
      timeoutMs: 60_000,
      log: opts.log,
      program: { name: 'git', code: 'git.notInstalled', hint: 'Install git, or set gitopsPilot.git.path to its location' },
    });
    if (r.code === 0) return r.stdout;
    if (allowFail) return undefined;
    throw new PilotError('git.failed', `git ${args[0]} failed in ${dir}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`, { detail: r.stderr });
  };
  const top = await git(['rev-parse', '--show-toplevel', '--absolute-git-dir'], true);
  if (top === undefined) {
    throw inputError('tag.notARepository', `${dir} is not in a git repository, so the image cannot be tagged from a commit`, {
      hint: 'Run git init and commit, or use tag: build in gitops-pilot.yaml',
    });
  }
  const [root, gitDir] = top.trim().split('\n') as [string, string];
  const sha = (await git(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], true))?.trim();
  if (!sha) throw inputError('tag.noCommits', `the repository ${root} has no commits yet`, { hint: 'Commit your code, then build' });
  const shortSha = (await git(['rev-parse', '--short=7', sha]))!.trim();
  const branch = (await git(['symbolic-ref', '--short', '-q', 'HEAD'], true))?.trim() || undefined;
  const rels = inputs.map((p) => relativeInside(root, p)).filter((p): p is string => p !== undefined);
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...(rels.length ? rels.map((r) => `:(top)${r}`) : [':(top)'])]);
  const dirtyFiles = parsePorcelainZ(status ?? '');
  let version: GitFacts['version'];
  if (opts.versions) {
    const tags = (await git(['tag', '--merged', sha, '--sort=-v:refname'], true)) ?? '';
    const latest = tags.split('\n').map((t) => t.trim()).find((t) => SEMVER.test(t));
    if (latest) {
      const distance = Number((await git(['rev-list', '--count', `refs/tags/${latest}..${sha}`]))!.trim());
      version = { tag: latest, distance };
    }
  }
  return { sha, shortSha, ...(branch ? { branch } : {}), dirtyFiles, ...(version ? { version } : {}), gitDir, root };
}

function relativeInside(root: string, p: string): string | undefined {
  const r = relative(root, isAbsolute(p) ? p : resolve(root, p));
  if (r.startsWith('..') || isAbsolute(r)) return undefined;
  return r.split(sep).join('/');
}

/** Paths from `git status --porcelain=v1 -z` (renames give their new path). */
export function parsePorcelainZ(out: string): string[] {
  const parts = out.split('\0');
  const files: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the original path follows
  }
  return files;
}

/** A branch name as a tag component: lowercase, [a-z0-9_.-], no leading separator. */
export function sanitizeBranch(branch: string): string {
  const s = branch
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/[.-]+$/, '');
  return s || 'branch';
}

export interface TagRequest {
  readonly policy: TagPolicy;
  readonly git?: GitFacts;
  /** package.json's version (semver without a version tag) */
  readonly packageVersion?: string;
  /** build policy: the number to use */
  readonly buildNumber?: number;
  /** the user accepted a -dirty suffix for a build from a working tree with changes */
  readonly allowDirty?: boolean;
  /** branch name when HEAD is detached (a CI checkout): from the CI's variables */
  readonly branchFallback?: string;
}

export interface ComputedTag {
  readonly tag: string;
  /** the working tree had changes in the build inputs and the tag says so */
  readonly dirty: boolean;
  /** how the tag was made, for messages: "git SHA 3f9a1c2", "version tag v1.2.3", … */
  readonly source: string;
}

export const DIRTY_SUFFIX = '-dirty';

/** The tag a policy gives; throws input errors a user can act on (and never returns `latest`). */
export function computeTag(req: TagRequest): ComputedTag {
  const git = req.git;
  const needGit = (what: string): GitFacts => {
    if (!git) throw inputError('tag.notARepository', `the ${req.policy} tag policy needs a git repository (${what})`, { hint: 'Use tag: build in gitops-pilot.yaml, or build from a git clone' });
    return git;
  };
  let base: string;
  let source: string;
  let fromGit = true;
  switch (req.policy) {
    case 'sha': {
      const g = needGit('the commit id');
      base = g.shortSha;
      source = `git SHA ${g.shortSha}`;
      break;
    }
    case 'branch-sha': {
      const g = needGit('the branch and commit');
      const branch = g.branch ?? req.branchFallback;
      if (!branch) {
        throw inputError('tag.detachedHead', `HEAD is detached in ${g.root}, so there is no branch for the branch-sha tag`, {
          hint: 'Check out a branch, set GITOPS_PILOT_BRANCH (CI), or use tag: sha',
        });
      }
      const b = sanitizeBranch(branch).slice(0, 128 - g.shortSha.length - 1 - DIRTY_SUFFIX.length);
      base = `${b}-${g.shortSha}`;
      source = `branch ${branch} at ${g.shortSha}`;
      break;
    }
    case 'semver': {
      if (git?.version) {
        const m = SEMVER.exec(git.version.tag)!;
        const v = `${m[1]}.${m[2]}.${m[3]}${m[4] ? `-${m[4]}` : ''}`;
        base = git.version.distance === 0 ? v : `${v}-${git.version.distance}-g${git.shortSha}`;
        source = git.version.distance === 0 ? `version tag ${git.version.tag}` : `${git.version.distance} commit(s) after version tag ${git.version.tag}`;
      } else if (req.packageVersion !== undefined) {
        const m = SEMVER.exec(req.packageVersion.trim());
        if (!m) {
          throw inputError('tag.badVersion', `package.json's version ${JSON.stringify(req.packageVersion)} is not a semantic version`, { hint: 'Use a version like 1.2.3, or tag a commit v1.2.3' });
        }
        base = `${m[1]}.${m[2]}.${m[3]}${m[4] ? `-${m[4]}` : ''}`;
        source = `package.json version ${req.packageVersion.trim()}`;
        fromGit = git !== undefined;
      } else {
        throw inputError('tag.noVersion', 'the semver tag policy found no version tag (v1.2.3) reachable from HEAD and no package.json version', {
          hint: 'Tag a commit (git tag v1.0.0), add a version to package.json, or use tag: sha',
        });
      }
      break;
    }
    case 'build': {
      if (req.buildNumber === undefined || !Number.isInteger(req.buildNumber) || req.buildNumber < 1) {
        throw inputError('tag.noBuildNumber', 'the build tag policy has no build number', { hint: 'Set GITOPS_PILOT_BUILD_NUMBER, or check that the registry can be read' });
      }
      base = `build-${req.buildNumber}`;
      source = `build number ${req.buildNumber}`;
      fromGit = false;
      break;
    }
    default:
      throw inputError('tag.unknownPolicy', `unknown tag policy ${JSON.stringify(req.policy)}`, { hint: `Use one of: ${TAG_POLICIES.join(', ')}` });
  }
  const dirty = fromGit && (git?.dirtyFiles.length ?? 0) > 0;
  if (dirty && !req.allowDirty) {
    const files = git!.dirtyFiles;
    throw inputError('tag.dirtyTree', `the working tree has uncommitted changes in the build inputs (${files.slice(0, 3).join(', ')}${files.length > 3 ? `, … ${files.length} files` : ''}), so ${base} would not name what is built`, {
      hint: `Commit or stash them, or accept the tag ${base}${DIRTY_SUFFIX} (--allow-dirty on the command line)`,
    });
  }
  const tag = validateTag(dirty ? `${base}${DIRTY_SUFFIX}` : base);
  if (tag === 'latest') throw inputError('tag.latest', 'an image is never tagged only latest');
  return { tag, dirty, source };
}

/** The next build number: one more than any `build-<n>` tag in the registry and the last one used here. */
export function nextBuildNumber(registryTags: readonly string[], lastLocal: number | undefined): number {
  let max = lastLocal ?? 0;
  for (const t of registryTags) {
    const m = /^build-(\d{1,9})$/.exec(t);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

/** The build counter kept in the app repository's git directory, per image repository. */
export class BuildCounter {
  constructor(private readonly file: string) {}

  static forGitDir(gitDir: string): BuildCounter {
    return new BuildCounter(join(gitDir, 'gitops-pilot', 'build-numbers.json'));
  }

  async last(repository: string): Promise<number | undefined> {
    const all = await this.read();
    const n = all[repository];
    return typeof n === 'number' ? n : undefined;
  }

  /** Records a used number (never lowers it). */
  async record(repository: string, n: number): Promise<void> {
    const all = await this.read();
    if ((all[repository] ?? 0) >= n) return;
    all[repository] = n;
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, `${JSON.stringify(all, null, 2)}\n`);
  }

  private async read(): Promise<Record<string, number>> {
    try {
      const j = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      return j && typeof j === 'object' ? (j as Record<string, number>) : {};
    } catch {
      return {};
    }
  }
}

/** package.json's version in `dir`, if there is one. */
export async function readPackageVersion(dir: string): Promise<string | undefined> {
  try {
    const j = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof j.version === 'string' ? j.version : undefined;
  } catch {
    return undefined;
  }
}

/** A branch name from CI variables, for branch-sha builds of a detached checkout. */
export function branchFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITOPS_PILOT_BRANCH || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || env.BRANCH_NAME || env.GIT_BRANCH?.replace(/^origin\//, '') || undefined;
}
