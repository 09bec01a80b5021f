/**
 * The GitHub REST client, built as its own bundle (dist/lazy-github.js) and loaded on first use with
 * `await import('../lazy/github')`. Import only the SDK here, never our own modules (see esbuild.mjs).
 */
export { Octokit } from '@octokit/rest';
