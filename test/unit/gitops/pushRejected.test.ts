/**
 * Which push failures mean "someone pushed first" (fetch, rebase, retry) and which are real failures
 * (said to the user at once). Texts as git 2.39 prints them, with and without --porcelain's stdout line.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPushRejected } from '../../../src/core/gitops/git';

describe('isPushRejected', () => {
  test('the remote moved: each way git words it', () => {
    for (const text of [
      // stderr only (what simple-git's error carried when a concurrent push won the race)
      "Pushing to /tmp/remote.git\nerror: failed to push some refs to '/tmp/remote.git'\nhint: Updates were rejected because the remote contains work that you do\nhint: not have locally. This is usually caused by another repository pushing\nhint: to the same ref.",
      "error: failed to push some refs to 'origin'\nhint: Updates were rejected because the tip of your current branch is behind\nhint: its remote counterpart.",
      '!\trefs/heads/main:refs/heads/main\t[rejected] (fetch first)\nDone',
      '!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)',
      '! [remote rejected] HEAD -> main (cannot lock ref \'refs/heads/main\': is at 1234 but expected 5678)',
      'error: failed to update ref refs/heads/main',
      '! [rejected]        main -> main (stale info)',
    ]) {
      assert.equal(isPushRejected(text), true, text);
    }
  });

  test('real failures are not retried as if the remote had moved', () => {
    for (const text of [
      "! [remote rejected] main -> main (pre-receive hook declined)\nerror: failed to push some refs to 'origin'",
      "remote: error: GH006: Protected branch update failed for refs/heads/main.\nerror: failed to push some refs to 'github.com:acme/gitops.git'",
      "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights",
      "fatal: unable to access 'https://git.example.com/gitops.git/': Could not resolve host: git.example.com",
      'remote: Permission to acme/gitops.git denied to someone.',
    ]) {
      assert.equal(isPushRejected(text), false, text);
    }
  });
});
