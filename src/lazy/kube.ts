/**
 * The Kubernetes SDK, built as its own bundle (dist/lazy-kube.js) and loaded on first use with
 * `await import('../lazy/kube')`. Import only the SDK here, never our own modules (see esbuild.mjs).
 * Only the KubeConfig (kubeconfig parsing and authentication: tokens, exec plugins, auth providers,
 * proxies) is used: requests and watches are src/core/kube's own, so the generated API clients stay out.
 */
export { KubeConfig } from '@kubernetes/client-node';
