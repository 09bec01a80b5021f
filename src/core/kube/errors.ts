/**
 * What went wrong talking to a cluster, said so a user knows the cause and the next step: the context
 * is missing, the cluster cannot be reached, the credentials were rejected (an expired exec token, or no
 * access entry), a verb on a resource is forbidden, the namespace or the workload does not exist, the
 * credential plugin failed. Server messages pass through `redact()` (they can echo tokens).
 */
import { PilotError } from '../errors';
import { redact } from '../log';
import type { ContextInfo } from './kubeconfig';

/** The Status object the API server sends with an error. */
export interface KubeStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number };
}

/** An HTTP error answer from the API server. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(status?.message || `${method} ${path}: HTTP ${statusCode}`);
  }
  get code(): number {
    return this.statusCode;
  }
}

/** The credential plugin of the kubeconfig user failed (not found, non-zero exit, bad output). */
export class ExecCredentialError extends Error {
  override readonly name = 'ExecCredentialError';
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

/** What was being done, for the message: `list deployments in namespace dev`. */
export interface Operation {
  readonly verb: string;
  /** plural resource, e.g. `deployments` (qualified for CRDs: `rollouts.argoproj.io`) */
  readonly resource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  ECONNABORTED: 'connection aborted',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate is not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not match its name',
};

export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (typeof code === 'string' && (code in NETWORK_CODES || code === 'timeout')) || (err as Error)?.message === 'socket hang up';
}

function what(op: Operation): string {
  const target = op.name ? `${op.resource ?? 'object'} "${op.name}"` : (op.resource ?? 'objects');
  return `${op.verb} ${target}${op.namespace ? ` in namespace ${op.namespace}` : ''}`;
}

/** Turns anything a request threw into a PilotError with a next step. */
export function kubeError(err: unknown, ctx: ContextInfo, op: Operation): PilotError {
  if (err instanceof PilotError) return err;
  const where = `context "${ctx.name}"`;
  if (err instanceof ExecCredentialError) {
    const cmd = ctx.exec ? [ctx.exec.command, ...ctx.exec.args].join(' ') : 'the credential plugin';
    const notFound = (err.cause as { code?: string } | undefined)?.code === 'ENOENT';
    return new PilotError('kube.execFailed', redact(notFound ? `The credential plugin of ${where} (${ctx.exec?.command ?? '?'}) is not installed or not on the PATH` : `Getting credentials for ${where} failed: ${cmd}: ${firstLine(err.message) || 'no output'}`), {
      hint: notFound
        ? `Install ${ctx.exec?.command ?? 'it'} (for EKS: the AWS CLI), or start VS Code from a shell where it is on the PATH`
        : ctx.exec?.command === 'aws'
          ? 'Log in to AWS (aws sso login, or check AWS_PROFILE) and run the command yourself to see the error'
          : 'Run the command yourself to see the error, then try again',
      cause: err,
    });
  }
  if (err instanceof KubeApiError) {
    const message = redact(err.status?.message ?? '');
    switch (err.statusCode) {
      case 401:
        return new PilotError('kube.unauthorized', `The cluster of ${where} rejected your credentials (401 Unauthorized)`, {
          hint: ctx.exec
            ? `The token from ${ctx.exec.command} may have expired, or your identity has no access to this cluster (EKS: an access entry or aws-auth mapping): log in again (${ctx.exec.command === 'aws' ? 'aws sso login' : 'refresh your credentials'}) and ask a cluster admin for access`
            : 'The token or certificate in your kubeconfig is expired or wrong: get a new one, or pick another context',
          cause: err,
        });
      case 403:
        return new PilotError('kube.forbidden', `You may not ${what(op)} (${where}): ${message || '403 Forbidden'}`, {
          hint: `Ask a cluster admin for RBAC permission to ${op.verb} ${op.resource ?? 'this resource'}${op.namespace ? ` in ${op.namespace}` : ''}, or use a context with more access`,
          cause: err,
        });
      case 404:
        return new PilotError('kube.notFound', `Not found while trying to ${what(op)} (${where}): ${message || '404'}`, { hint: 'Check the names in gitops-pilot.yaml', cause: err });
      case 429:
        return new PilotError('kube.throttled', `The API server of ${where} is throttling requests (429)`, { hint: 'GitOps Pilot retries by itself', cause: err });
      default:
        return new PilotError('kube.apiError', `The API server of ${where} answered ${err.statusCode}${err.status?.reason ? ` ${err.status.reason}` : ''} to ${what(op)}${message ? `: ${message}` : ''}`, {
          hint: err.statusCode >= 500 ? 'The cluster has a problem; GitOps Pilot retries by itself' : 'Check the cluster and try again',
          cause: err,
        });
    }
  }
  if (isNetworkError(err)) {
    const code = (err as { code?: string }).code ?? '';
    const reason = code === 'timeout' ? 'no answer in time' : (NETWORK_CODES[code] ?? (err as Error).message);
    const tls = /CERT|TLS/.test(code);
    return new PilotError('kube.unreachable', `Cannot reach the cluster of ${where} at ${ctx.server}: ${reason}`, {
      hint: tls
        ? 'Check the certificate-authority of the cluster in your kubeconfig'
        : 'Check that the cluster is running and reachable (VPN, network); `kubectl --context ' + ctx.name + ' get ns` shows the same',
      cause: err,
    });
  }
  const text = err instanceof Error ? err.message : String(err);
  return new PilotError('kube.failed', redact(`${what(op)} (${where}) failed: ${text}`), { cause: err });
}

function firstLine(s: string): string {
  return s.trim().split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** The namespace does not exist. */
export function namespaceMissing(ctx: ContextInfo, namespace: string): PilotError {
  return new PilotError('kube.namespaceMissing', `Namespace "${namespace}" does not exist in the cluster of context "${ctx.name}"`, {
    hint: 'Check cluster.namespace in gitops-pilot.yaml and the context (is it the right cluster?); Argo CD may not have created it yet',
  });
}

/** The workload does not exist in an existing namespace. */
export function workloadMissing(ctx: ContextInfo, namespace: string, kind: string, name: string): PilotError {
  return new PilotError('kube.workloadMissing', `${kind}/${name} does not exist in namespace ${namespace} (context "${ctx.name}")`, {
    hint: `Check workload in gitops-pilot.yaml (kubectl --context ${ctx.name} -n ${namespace} get ${kind}), or sync the Argo CD application that creates it`,
  });
}

/** The Argo CRDs are not served by this cluster. */
export function crdMissing(ctx: ContextInfo, resource: string, product: string): PilotError {
  return new PilotError('kube.crdMissing', `${product} is not installed in the cluster of context "${ctx.name}" (${resource} is not served)`, {
    hint: `Install ${product}, or remove it from gitops-pilot.yaml for this environment`,
  });
}
