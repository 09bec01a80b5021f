/**
 * The GitLab REST client, built as its own bundle (dist/lazy-gitlab.js) and loaded on first use with
 * `await import('../lazy/gitlab')`. Import only the SDK here, never our own modules (see esbuild.mjs).
 */
export { Gitlab } from '@gitbeaker/rest';
