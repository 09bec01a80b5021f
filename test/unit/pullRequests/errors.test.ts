import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { missingScopeError, translatePullRequestError } from '../../../src/core/pullRequests/errors';

const gh = { provider: 'github' as const, api: 'https://ghe.example.com/api/v3', repository: 'acme/gitops' };
const gl = { provider: 'gitlab' as const, api: 'https://gitlab.example.com', repository: 'acme/gitops' };

/** shaped like Octokit's RequestError */
function octokitError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`HttpError: ${JSON.stringify(data)}`), { status, response: { status, headers, data }, request: { headers: { authorization: 'token ghp_secretTokenValue1234567890' } } });
}
/** shaped like gitbeaker's GitbeakerRequestError */
function gitbeakerError(status: number, description: string) {
  return Object.assign(new Error(description), { cause: { description, request: new Request('https://gitlab.example.com/api/v4/x', { headers: { 'PRIVATE-TOKEN': 'glpat-secretTokenValue12345' } }), response: new Response('{}', { status, headers: {} }) } });
}

describe('pull request errors', () => {
  test('a classic token without the scope, found before the push: the scopes it has and needs, nothing pushed', () => {
    const e = missingScopeError(gh, 'read:org, gist', 'repo');
    assert.equal(e.code, 'pr.forbidden');
    assert.equal(e.message, 'the GitHub token may not open pull requests in acme/gitops (the token has scopes: read:org, gist; this needs: repo)');
    assert.match(e.hint ?? '', /^Give the token the repo scope \(classic\).*GITHUB_TOKEN or GH_TOKEN.*\. Nothing was pushed$/);
    assert.match(missingScopeError(gh, '', 'repo').message, /has scopes: none;/);
    const g = missingScopeError(gl, 'read_api', 'api');
    assert.equal(g.message, 'the GitLab token may not open merge requests in acme/gitops (the token has scopes: read_api; this needs: api)');
    assert.match(g.hint ?? '', /^Give the token the api scope and at least the Developer role.*GITLAB_TOKEN/);
  });
  test('401: the token was rejected, and how to set one', () => {
    const e = translatePullRequestError(octokitError(401, { message: 'Bad credentials' }), gh, 'opening a pull request');
    assert.equal(e.code, 'pr.unauthorized');
    assert.match(e.message, /^opening a pull request failed: the GitHub token was rejected \(GitHub said: Bad credentials\)$/);
    assert.match(e.hint!, /GITHUB_TOKEN or GH_TOKEN/);
    assert.match(e.hint!, /Set Pull Request Token/);
  });
  test('403 with scopes: says which scopes the token has and which are needed', () => {
    const e = translatePullRequestError(octokitError(403, { message: 'Resource not accessible' }, { 'x-oauth-scopes': 'read:org', 'x-accepted-oauth-scopes': 'repo' }), gh, 'x');
    assert.equal(e.code, 'pr.forbidden');
    assert.match(e.message, /the token has scopes: read:org; this needs: repo/);
    assert.match(e.hint!, /repo scope/);
    const g = translatePullRequestError(gitbeakerError(403, 'insufficient_scope'), gl, 'x');
    assert.match(g.hint!, /api scope/);
  });
  test('404, 405, 409, 422, 5xx each have their next step', () => {
    assert.equal(translatePullRequestError(octokitError(404, { message: 'Not Found' }), gh, 'x').code, 'pr.notFound');
    assert.equal(translatePullRequestError(gitbeakerError(405, '405 Method Not Allowed'), gl, 'x').code, 'pr.notMergeable');
    assert.equal(translatePullRequestError(octokitError(409, { message: 'Head branch was modified' }), gh, 'x').code, 'pr.headMoved');
    const v = translatePullRequestError(octokitError(422, { message: 'Validation Failed', errors: [{ message: 'A pull request already exists' }] }), gh, 'x');
    assert.match(v.message, /Validation Failed: A pull request already exists/);
    assert.equal(translatePullRequestError(octokitError(502, {}), gh, 'x').code, 'pr.serverError');
  });
  test('network and certificate failures', () => {
    const tls = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) });
    const e = translatePullRequestError(tls, gh, 'x');
    assert.equal(e.code, 'pr.tls');
    assert.match(e.hint!, /NODE_EXTRA_CA_CERTS/);
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    assert.equal(translatePullRequestError(refused, gh, 'x').code, 'pr.unreachable');
  });
  test('no token in any message, hint or detail', () => {
    for (const err of [octokitError(401, { message: 'token ghp_secretTokenValue1234567890 is bad' }), gitbeakerError(401, 'glpat-secretTokenValue12345')]) {
      const e = translatePullRequestError(err, gh, 'x');
      const all = `${e.message} ${e.hint} ${e.detail}`;
      assert.doesNotMatch(all.replace(/token \*\*\*/g, ''), /ghp_secretTokenValue1234567890/);
    }
  });
});
