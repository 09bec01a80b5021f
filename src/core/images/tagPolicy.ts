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
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { TagPolicy } from '../config/model';
import { inputError, PilotError } from '../errors';
import { GitRepo } from '../gitops/git';
import type { Logger } from '../log';
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

/**
 * Reads what the tag policies need from the app repository at `dir`; `inputs` are the build's paths. Git
 * runs through the same backend (and error translation) as the GitOps operations.
 */
export async function readGitFacts(dir: string, inputs: readonly string[], opts: GitReadOptions): Promise<GitFacts> {
  let repo: GitRepo;
  try {
    repo = await GitRepo.open(dir, opts);
  } catch (err) {
    if (!(err instanceof PilotError && err.code === 'git.notARepository')) throw err;
    throw inputError('tag.notARepository', `${dir} is not in a git repository, so the image cannot be tagged from a commit`, {
      hint: 'Run git init and commit, or use tag: build in gitops-pilot.yaml',
      cause: err,
    });
  }
  const sha = await repo.resolve('HEAD');
  if (!sha) throw inputError('tag.noCommits', `the repository ${repo.root} has no commits yet`, { hint: 'Commit your code, then build' });
  const shortSha = await repo.shortId(sha);
  const branch = await repo.symbolicBranch();
  const rels = inputs.filter((p) => isInside(repo.root, p));
  const dirtyFiles = await repo.changedFiles(rels);
  let version: GitFacts['version'];
  if (opts.versions) {
    const latest = (await repo.mergedTags(sha).catch(() => [])).find((t) => SEMVER.test(t));
    if (latest) version = { tag: latest, distance: await repo.countSince(`refs/tags/${latest}`, sha) };
  }
  return { sha, shortSha, ...(branch ? { branch } : {}), dirtyFiles, ...(version ? { version } : {}), gitDir: repo.gitDir, root: repo.root };
}

function isInside(root: string, p: string): boolean {
  const r = relative(root, isAbsolute(p) ? p : resolve(root, p));
  return !(r.startsWith('..') || isAbsolute(r));
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
  /** where the build number came from, for messages: "GITHUB_RUN_NUMBER (GitHub Actions)" */
  readonly buildNumberFrom?: string;
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
        throw inputError('tag.noBuildNumber', 'the build tag policy has no build number', { hint: `Set ${BUILD_NUMBER_VARIABLES[0]!.name} (CI systems: ${BUILD_NUMBER_VARIABLES.slice(1).map((v) => v.name).join(', ')}), or check that the registry can be read` });
      }
      base = `build-${req.buildNumber}`;
      source = `build number ${req.buildNumber}${req.buildNumberFrom ? ` from ${req.buildNumberFrom}` : ''}`;
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

/**
 * Where CI systems put their build number, first found wins. Tekton has no built-in one: a pipeline passes
 * its own param as GITOPS_PILOT_BUILD_NUMBER (env: [{ name: GITOPS_PILOT_BUILD_NUMBER, value: $(params.build-number) }]),
 * which also overrides the others anywhere.
 */
export const BUILD_NUMBER_VARIABLES: readonly { readonly name: string; readonly system: string }[] = [
  { name: 'GITOPS_PILOT_BUILD_NUMBER', system: 'set for GitOps Pilot, e.g. from a Tekton param' },
  { name: 'BUILD_NUMBER', system: 'Jenkins' },
  { name: 'GITHUB_RUN_NUMBER', system: 'GitHub Actions' },
  { name: 'CI_PIPELINE_IID', system: 'GitLab CI' },
];

/** The CI's build number for the build policy, if one of BUILD_NUMBER_VARIABLES is set; a value that is not a positive whole number is refused. */
export function buildNumberFromEnv(env: NodeJS.ProcessEnv): { readonly n: number; readonly from: string } | undefined {
  for (const v of BUILD_NUMBER_VARIABLES) {
    const raw = env[v.name]?.trim();
    if (raw === undefined || raw === '') continue;
    if (!/^[1-9]\d{0,8}$/.test(raw)) {
      throw inputError('tag.badBuildNumber', `${v.name}=${JSON.stringify(raw)} is not a positive whole number, so it cannot number the build`, {
        hint: `Set ${v.name} to the build number (e.g. 42), or unset it to count from the registry's build-<n> tags`,
      });
    }
    return { n: Number(raw), from: `${v.name} (${v.system})` };
  }
  return undefined;
}

/**
 * A branch name from CI variables, for branch-sha builds of a detached checkout: GITOPS_PILOT_BRANCH, then
 * GitHub Actions (GITHUB_HEAD_REF for a pull request's branch, else GITHUB_REF_NAME), GitLab CI
 * (CI_COMMIT_REF_NAME), Jenkins (BRANCH_NAME in multibranch pipelines, GIT_BRANCH from the git plugin).
 */
export function branchFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITOPS_PILOT_BRANCH || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || env.BRANCH_NAME || env.GIT_BRANCH?.replace(/^origin\//, '') || undefined;
}
