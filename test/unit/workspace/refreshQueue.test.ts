/**
 * The refresh manager's decisions, in plain Node with a hand-driven clock: bursts of watcher events
 * become one call; which paths of a real git repository (and of a linked worktree) say HEAD moved.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { realpathSync } from 'node:fs';
import { nullLogger } from '../../../src/core/log';
import { findGitDirs, headWatchSpecs, isHeadFile, type GitDirs } from '../../../src/core/workspace/gitDirs';
import { RefreshQueue, type Clock, type QueueTarget } from '../../../src/core/workspace/refreshQueue';
import { git } from '../../support/gitRepos';
import { tempDir, writeTree } from '../../support/tmp';

/** A clock whose timers run when the test says so. */
class ManualClock implements Clock {
  private timers = new Map<number, () => void>();
  private next = 0;
  setTimeout(fn: () => void): unknown {
    this.timers.set(++this.next, fn);
    return this.next;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  get waiting(): number {
    return this.timers.size;
  }
  fire(): void {
    const fns = [...this.timers.values()];
    this.timers.clear();
    for (const f of fns) f();
  }
}

function recorder(): QueueTarget & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async filesChanged(paths) {
      calls.push(`files ${paths.join(' ')}`);
    },
    async headMoved(roots) {
      calls.push(`head ${roots.join(' ')}`);
    },
  };
}

describe('git directories', () => {
  const tmp = tempDir('gitops-pilot-gitdirs-');
  let repo: string;
  let dirs: GitDirs;
  before(() => {
    repo = join(realpathSync(tmp.dir), 'gitops');
    git(tmp.dir, 'init', '-q', '-b', 'main', repo);
    writeTree(repo, { 'envs/dev/values.yaml': 'image:\n  tag: "1"\n' });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    dirs = findGitDirs(join(repo, 'envs/dev'))!;
  });
  after(tmp.cleanup);

  test('found from a folder inside the repository; HEAD, ORIG_HEAD, packed-refs and branch refs are moves', () => {
    assert.deepEqual(dirs, { gitDir: join(repo, '.git'), commonDir: join(repo, '.git') });
    assert.deepEqual(headWatchSpecs(dirs), [{ base: join(repo, '.git'), glob: '{HEAD,ORIG_HEAD,packed-refs,refs/heads/**}' }]);
    for (const p of ['HEAD', 'ORIG_HEAD', 'packed-refs', 'refs/heads/main', 'refs/heads/feature/x']) assert.ok(isHeadFile(dirs, join(repo, '.git', p)), p);
    for (const p of ['refs/heads/main.lock', 'index', 'objects/ab/cdef', 'refs/remotes/origin/main', 'FETCH_HEAD']) assert.ok(!isHeadFile(dirs, join(repo, '.git', p)), p);
    assert.ok(!isHeadFile(dirs, join(repo, 'envs/dev/values.yaml')));
    assert.equal(findGitDirs(join(tmp.dir, 'elsewhere')), undefined, 'outside a repository');
  });

  test('a linked worktree: its own HEAD, the shared refs', () => {
    const wt = join(realpathSync(tmp.dir), 'wt');
    git(repo, 'worktree', 'add', '-q', '-b', 'other', wt);
    const w = findGitDirs(wt)!;
    assert.equal(w.gitDir, join(repo, '.git', 'worktrees', 'wt'));
    assert.equal(w.commonDir, join(repo, '.git'));
    assert.deepEqual(headWatchSpecs(w), [
      { base: w.gitDir, glob: '{HEAD,ORIG_HEAD}' },
      { base: join(repo, '.git'), glob: '{packed-refs,refs/heads/**}' },
    ]);
    assert.ok(isHeadFile(w, join(w.gitDir, 'HEAD')));
    assert.ok(isHeadFile(w, join(repo, '.git', 'refs/heads/other')));
  });

  test('the queue: a burst is one call after the quiet moment; HEAD moves first, per GitOps root; lock files and objects are nothing', async () => {
    const clock = new ManualClock();
    const target = recorder();
    const q = new RefreshQueue(target, nullLogger, 250, clock);
    q.setRepositories(new Map([[repo, dirs]]));
    const values = join(repo, 'envs/dev/values.yaml');
    q.pathChanged(values);
    q.pathChanged(join(repo, '.git/refs/heads/main.lock'));
    q.pathChanged(join(repo, '.git/objects/ab/cdef'));
    q.pathChanged(join(repo, '.git/refs/heads/main'));
    q.pathChanged(values);
    assert.equal(clock.waiting, 1, 'one timer, restarted by each event');
    assert.deepEqual(target.calls, [], 'nothing before the quiet moment');
    clock.fire();
    await q.flush();
    assert.deepEqual(target.calls, [`head ${repo}`, `files ${values}`]);

    q.pathChanged(join(repo, '.git/index'));
    assert.equal(clock.waiting, 0, 'the index is not a move: nothing scheduled');
    q.pathChanged(join(repo, '.git/HEAD'));
    await q.flush();
    assert.deepEqual(target.calls.slice(2), [`head ${repo}`], 'flush hands it over without waiting');
    assert.equal(clock.waiting, 0);
    q.dispose();
  });
});
