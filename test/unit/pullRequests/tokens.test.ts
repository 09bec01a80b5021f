import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveTarget } from '../../../src/core/pullRequests/host';
import { authProviderFor, environmentToken, tokenHost } from '../../../src/core/pullRequests/tokens';

const dotcom = resolveTarget(undefined, 'git@github.com:acme/gitops.git');
const ghe = resolveTarget({ provider: 'github', api: 'https://ghe.example.com/api/v3', repository: 'platform/gitops' }, undefined);
const local = resolveTarget({ provider: 'github', api: 'http://localhost:8443/api/v3', repository: 'acme/gitops' }, undefined);
const gitlab = resolveTarget(undefined, 'https://gitlab.com/group/sub/gitops.git');
const selfManaged = resolveTarget({ provider: 'gitlab', api: 'https://git.corp.example/api/v4', repository: 'platform/gitops' }, undefined);

describe('which token goes to which pull-request host', () => {
  test('tokens are kept per API host (with its port)', () => {
    assert.equal(tokenHost(dotcom), 'api.github.com');
    assert.equal(tokenHost(ghe), 'ghe.example.com');
    assert.equal(tokenHost(local), 'localhost:8443');
    assert.equal(tokenHost(selfManaged), 'git.corp.example');
  });

  test("VS Code's sign-in: github for github.com, github-enterprise only for the server its setting names", () => {
    assert.equal(authProviderFor(dotcom, undefined), 'github');
    assert.equal(authProviderFor(ghe, undefined), undefined);
    assert.equal(authProviderFor(ghe, 'https://ghe.example.com'), 'github-enterprise');
    assert.equal(authProviderFor(ghe, 'https://other.example.com'), undefined);
    assert.equal(authProviderFor(ghe, 'not a url'), undefined);
    assert.equal(authProviderFor(gitlab, 'https://gitlab.com'), undefined);
  });

  test('environment tokens are bound to their host the way gh and glab bind them', () => {
    const env = { GH_TOKEN: 'dotcom-token', GITHUB_TOKEN: 'other', GH_ENTERPRISE_TOKEN: 'ghe-token', GH_HOST: 'ghe.example.com', GITLAB_TOKEN: 'gl-token' };
    assert.equal(environmentToken(dotcom, env), 'dotcom-token');
    assert.equal(environmentToken(dotcom, { GITHUB_TOKEN: ' spaced ' }), 'spaced');
    assert.equal(environmentToken(ghe, env), 'ghe-token');
    assert.equal(environmentToken(ghe, { ...env, GH_HOST: 'https://ghe.example.com/' }), 'ghe-token');
    assert.equal(environmentToken(local, env), undefined, 'GH_HOST names another host: its token stays home');
    assert.equal(environmentToken(local, { GH_HOST: 'localhost:8443', GITHUB_ENTERPRISE_TOKEN: 'local' }), 'local');
    assert.equal(environmentToken(ghe, { GH_TOKEN: 'dotcom-token' }), undefined, 'a github.com token never goes to another host');
    assert.equal(environmentToken(gitlab, env), 'gl-token');
    assert.equal(environmentToken(selfManaged, env), undefined, 'GITLAB_TOKEN goes to gitlab.com unless GITLAB_HOST names the host');
    assert.equal(environmentToken(selfManaged, { ...env, GITLAB_HOST: 'git.corp.example' }), 'gl-token');
  });
});
