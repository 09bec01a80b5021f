/** Tag policies on given git facts: sha, branch-sha, semver, build; dirty trees; the tag grammar. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PilotError } from '../../../src/core/errors';
import { isValidTag } from '../../../src/core/images/reference';
import { branchFromEnv, buildNumberFromEnv, computeTag, nextBuildNumber, sanitizeBranch, type GitFacts } from '../../../src/core/images/tagPolicy';

const facts = (over: Partial<GitFacts> = {}): GitFacts => ({
  sha: '3f9a1c2d4e5f60718293a4b5c6d7e8f901234567',
  shortSha: '3f9a1c2',
  branch: 'main',
  dirtyFiles: [],
  gitDir: '/w/.git',
  root: '/w',
  ...over,
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PilotError);
    assert.equal(e.kind, 'input', 'bad input, nothing built');
    return e.code;
  }
  return 'no error';
}

describe('computeTag', () => {
  test('sha: the short SHA', () => {
    assert.deepEqual(computeTag({ policy: 'sha', git: facts() }), { tag: '3f9a1c2', dirty: false, source: 'git SHA 3f9a1c2' });
  });

  test('branch-sha: the branch made tag-safe, then the SHA', () => {
    assert.equal(computeTag({ policy: 'branch-sha', git: facts() }).tag, 'main-3f9a1c2');
    assert.equal(computeTag({ policy: 'branch-sha', git: facts({ branch: 'Feature/Login_Fix#2' }) }).tag, 'feature-login_fix-2-3f9a1c2');
    assert.equal(computeTag({ policy: 'branch-sha', git: facts({ branch: undefined }), branchFallback: 'release/1.x' }).tag, 'release-1.x-3f9a1c2');
    assert.equal(code(() => computeTag({ policy: 'branch-sha', git: facts({ branch: undefined }) })), 'tag.detachedHead');
    const long = computeTag({ policy: 'branch-sha', git: facts({ branch: 'x'.repeat(300), dirtyFiles: ['a'] }), allowDirty: true }).tag;
    assert.ok(long.length <= 128 && long.endsWith('-3f9a1c2-dirty'), long);
  });

  test('semver: an exact version tag, commits after it, or package.json', () => {
    assert.equal(computeTag({ policy: 'semver', git: facts({ version: { tag: 'v1.2.3', distance: 0 } }) }).tag, '1.2.3');
    assert.equal(computeTag({ policy: 'semver', git: facts({ version: { tag: '2.0.0-rc.1', distance: 0 } }) }).tag, '2.0.0-rc.1');
    assert.equal(computeTag({ policy: 'semver', git: facts({ version: { tag: 'v1.2.3', distance: 4 } }) }).tag, '1.2.3-4-g3f9a1c2');
    assert.equal(computeTag({ policy: 'semver', git: facts(), packageVersion: '0.4.1' }).tag, '0.4.1');
    assert.equal(computeTag({ policy: 'semver', packageVersion: '0.4.1+build.7' }).tag, '0.4.1');
    assert.equal(code(() => computeTag({ policy: 'semver', git: facts(), packageVersion: 'latest' })), 'tag.badVersion');
    assert.equal(code(() => computeTag({ policy: 'semver', git: facts() })), 'tag.noVersion');
  });

  test('build: build-<n>', () => {
    assert.deepEqual(computeTag({ policy: 'build', buildNumber: 42 }), { tag: 'build-42', dirty: false, source: 'build number 42' });
    assert.equal(code(() => computeTag({ policy: 'build' })), 'tag.noBuildNumber');
    assert.equal(code(() => computeTag({ policy: 'build', buildNumber: 0 })), 'tag.noBuildNumber');
    // a build number does not claim to name a commit: changes in the tree are fine
    assert.equal(computeTag({ policy: 'build', buildNumber: 3, git: facts({ dirtyFiles: ['src/a.ts'] }) }).tag, 'build-3');
  });

  test('a git-derived tag on a dirty tree is refused unless -dirty is accepted', () => {
    const dirty = facts({ dirtyFiles: ['src/a.ts', 'Dockerfile', 'b', 'c'] });
    for (const policy of ['sha', 'branch-sha'] as const) assert.equal(code(() => computeTag({ policy, git: dirty })), 'tag.dirtyTree');
    assert.equal(code(() => computeTag({ policy: 'semver', git: { ...dirty, version: { tag: 'v1.0.0', distance: 0 } } })), 'tag.dirtyTree');
    try {
      computeTag({ policy: 'sha', git: dirty });
    } catch (e) {
      assert.match((e as PilotError).message, /src\/a\.ts, Dockerfile, b, … 4 files/);
      assert.match((e as PilotError).hint!, /3f9a1c2-dirty/);
    }
    assert.deepEqual(computeTag({ policy: 'sha', git: dirty, allowDirty: true }), { tag: '3f9a1c2-dirty', dirty: true, source: 'git SHA 3f9a1c2' });
  });

  test('unknown policy', () => {
    assert.equal(code(() => computeTag({ policy: 'latest' as never, git: facts() })), 'tag.unknownPolicy');
  });

  test('property: any branch name gives a valid tag, never starting with - or .', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (branch) => {
        const t = computeTag({ policy: 'branch-sha', git: facts({ branch }), allowDirty: true }).tag;
        assert.ok(isValidTag(t), t);
        assert.ok(/^[a-z0-9_]/.test(sanitizeBranch(branch)), sanitizeBranch(branch));
      }),
      { numRuns: 500 },
    );
  });
});

describe('helpers', () => {
  test('next build number: above the registry and the local counter', () => {
    assert.equal(nextBuildNumber([], undefined), 1);
    assert.equal(nextBuildNumber(['build-3', 'build-12', 'latest', 'build-x', '3f9a1c2'], 5), 13);
    assert.equal(nextBuildNumber(['build-3'], 20), 21);
  });

  test('branch from CI variables (a detached checkout): GitHub Actions, GitLab CI, Jenkins', () => {
    assert.equal(branchFromEnv({ GITHUB_REF_NAME: 'main' }), 'main');
    assert.equal(branchFromEnv({ GITHUB_HEAD_REF: 'feat/x', GITHUB_REF_NAME: '12/merge' }), 'feat/x', "a pull request's own branch, not the merge ref");
    assert.equal(branchFromEnv({ CI_COMMIT_REF_NAME: 'release/2.x' }), 'release/2.x');
    assert.equal(branchFromEnv({ BRANCH_NAME: 'PR-7' }), 'PR-7');
    assert.equal(branchFromEnv({ GIT_BRANCH: 'origin/main' }), 'main');
    assert.equal(branchFromEnv({ GITOPS_PILOT_BRANCH: 'mine', GITHUB_REF_NAME: 'main' }), 'mine');
    assert.equal(branchFromEnv({ GITHUB_REF_NAME: '' }), undefined);
    assert.equal(branchFromEnv({}), undefined);
    // what the branch-sha policy makes of them on a detached HEAD
    const tag = (env: NodeJS.ProcessEnv) => computeTag({ policy: 'branch-sha', git: facts({ branch: undefined }), branchFallback: branchFromEnv(env) }).tag;
    assert.equal(tag({ CI_COMMIT_REF_NAME: 'release/2.x' }), 'release-2.x-3f9a1c2');
    assert.equal(tag({ BRANCH_NAME: 'PR-7' }), 'pr-7-3f9a1c2');
  });

  test('build number from CI variables: Jenkins, GitHub Actions, GitLab CI, Tekton (through GITOPS_PILOT_BUILD_NUMBER)', () => {
    assert.deepEqual(buildNumberFromEnv({ BUILD_NUMBER: '42' }), { n: 42, from: 'BUILD_NUMBER (Jenkins)' });
    assert.deepEqual(buildNumberFromEnv({ GITHUB_RUN_NUMBER: '7' }), { n: 7, from: 'GITHUB_RUN_NUMBER (GitHub Actions)' });
    assert.deepEqual(buildNumberFromEnv({ CI_PIPELINE_IID: '1203' }), { n: 1203, from: 'CI_PIPELINE_IID (GitLab CI)' });
    assert.equal(buildNumberFromEnv({ GITOPS_PILOT_BUILD_NUMBER: '9', BUILD_NUMBER: '42', GITHUB_RUN_NUMBER: '7' })?.n, 9, 'the explicit one wins');
    assert.equal(buildNumberFromEnv({ BUILD_NUMBER: '', GITHUB_RUN_NUMBER: '7' })?.n, 7, 'an empty variable is unset');
    assert.equal(buildNumberFromEnv({}), undefined);
    for (const bad of ['0', '-1', '4.2', 'abc', '1e3', '0012', '12345678901']) {
      assert.equal(code(() => buildNumberFromEnv({ CI_PIPELINE_IID: bad })), 'tag.badBuildNumber', bad);
    }
    const n = buildNumberFromEnv({ GITHUB_RUN_NUMBER: '314' })!;
    assert.deepEqual(computeTag({ policy: 'build', buildNumber: n.n, buildNumberFrom: n.from }), { tag: 'build-314', dirty: false, source: 'build number 314 from GITHUB_RUN_NUMBER (GitHub Actions)' });
  });
});
