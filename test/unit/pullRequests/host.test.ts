import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PilotError } from '../../../src/core/errors';
import { parseRemoteUrl, providerOfHost, resolveTarget, tokenFromEnv } from '../../../src/core/pullRequests/host';

describe('remote URLs', () => {
  test('https, ssh, scp-like and git forms give host and path', () => {
    assert.deepEqual(parseRemoteUrl('https://github.com/acme/gitops.git'), { host: 'github.com', path: 'acme/gitops', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('https://x-access-token:abc@github.com/acme/gitops'), { host: 'github.com', path: 'acme/gitops', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('git@github.com:acme/gitops.git'), { host: 'github.com', path: 'acme/gitops', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('ssh://git@gitlab.example.com:2222/platform/team/gitops.git'), { host: 'gitlab.example.com', path: 'platform/team/gitops', scheme: 'https' });
    assert.deepEqual(parseRemoteUrl('https://ghe.corp.example:8443/acme/gitops/'), { host: 'ghe.corp.example:8443', path: 'acme/gitops', scheme: 'https' });
  });
  test('local paths are not remotes of a host', () => {
    assert.equal(parseRemoteUrl('/srv/git/gitops.git'), undefined);
    assert.equal(parseRemoteUrl('../gitops.git'), undefined);
    assert.equal(parseRemoteUrl('C:/repos/gitops'), undefined);
  });
  test('providers from host names', () => {
    assert.equal(providerOfHost('github.com'), 'github');
    assert.equal(providerOfHost('github.acme.com'), 'github');
    assert.equal(providerOfHost('acme.ghe.com'), 'github');
    assert.equal(providerOfHost('gitlab.com'), 'gitlab');
    assert.equal(providerOfHost('gitlab.internal:8443'), 'gitlab');
    assert.equal(providerOfHost('git.acme.com'), undefined);
    assert.equal(providerOfHost('notgithub.com'), undefined);
  });
});

describe('pull request target', () => {
  test('github.com from the remote', () => {
    assert.deepEqual(resolveTarget(undefined, 'git@github.com:acme/gitops.git'), { provider: 'github', api: 'https://api.github.com', repository: 'acme/gitops', webUrl: 'https://github.com/acme/gitops' });
  });
  test('GitHub Enterprise Server: REST under /api/v3 of the host', () => {
    assert.deepEqual(resolveTarget(undefined, 'https://github.acme.com/platform/gitops.git'), { provider: 'github', api: 'https://github.acme.com/api/v3', repository: 'platform/gitops', webUrl: 'https://github.acme.com/platform/gitops' });
  });
  test('GitHub Enterprise Cloud with data residency: api.<name>.ghe.com', () => {
    assert.equal(resolveTarget(undefined, 'https://acme.ghe.com/platform/gitops').api, 'https://api.acme.ghe.com');
    assert.equal(resolveTarget(undefined, 'https://acme.ghe.com/platform/gitops').webUrl, 'https://acme.ghe.com/platform/gitops');
  });
  test('gitlab.com and self-managed GitLab keep subgroups', () => {
    assert.deepEqual(resolveTarget(undefined, 'git@gitlab.com:acme/platform/gitops.git'), { provider: 'gitlab', api: 'https://gitlab.com', repository: 'acme/platform/gitops', webUrl: 'https://gitlab.com/acme/platform/gitops' });
    assert.equal(resolveTarget(undefined, 'https://gitlab.acme.internal/a/b.git').api, 'https://gitlab.acme.internal');
  });
  test('config names what a local path or an SSH alias cannot', () => {
    const t = resolveTarget({ provider: 'github', api: 'https://ghe.example.com/api/v3/', repository: 'platform/demo-app-gitops' }, '/srv/git/gitops.git');
    assert.deepEqual(t, { provider: 'github', api: 'https://ghe.example.com/api/v3', repository: 'platform/demo-app-gitops', webUrl: 'https://ghe.example.com/platform/demo-app-gitops' });
    const g = resolveTarget({ provider: 'gitlab', api: 'https://gitlab.example.com/api/v4', repository: 'g/p' }, 'gitops-alias:g/p.git');
    assert.equal(g.api, 'https://gitlab.example.com', 'the client adds /api/v4 itself');
    assert.equal(resolveTarget({ repository: 'other/repo' }, 'git@github.com:acme/gitops.git').repository, 'other/repo');
  });
  test('an unknown host or a local path without config: an input error naming the keys', () => {
    for (const url of ['git@git.acme.com:a/b.git', '/srv/git/gitops.git', undefined]) {
      assert.throws(() => resolveTarget(undefined, url), (e: unknown) => e instanceof PilotError && e.kind === 'input' && /gitops\.pullRequests\.provider/.test(e.hint ?? ''));
    }
    assert.throws(() => resolveTarget({ provider: 'github', api: 'https://ghe.example.com/api/v3' }, '/srv/git/x.git'), (e: unknown) => e instanceof PilotError && e.code === 'pr.noRepository');
    assert.throws(() => resolveTarget({ provider: 'github', repository: 'a/b/c' }, 'https://github.com/a/b'), (e: unknown) => e instanceof PilotError && e.code === 'pr.noRepository');
  });
  test('tokens: GITHUB_TOKEN before GH_TOKEN; GITLAB_TOKEN', () => {
    assert.equal(tokenFromEnv('github', { GH_TOKEN: 'b', GITHUB_TOKEN: 'a' }), 'a');
    assert.equal(tokenFromEnv('github', { GH_TOKEN: 'b', GITHUB_TOKEN: ' ' }), 'b');
    assert.equal(tokenFromEnv('gitlab', { GITHUB_TOKEN: 'a' }), undefined);
    assert.equal(tokenFromEnv('gitlab', { GITLAB_TOKEN: 'c' }), 'c');
  });
});
