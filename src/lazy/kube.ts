/**
 * The Kubernetes SDK, built as its own bundle (dist/lazy-kube.js) and loaded on first use with
 * `await import('../lazy/kube')`. Import only the SDK here, never our own modules (see esbuild.mjs).
 */
export { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
