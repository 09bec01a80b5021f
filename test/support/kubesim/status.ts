/**
 * Errors as the API server reports them: a `Status` object (kind Status, apiVersion v1) with the HTTP
 * code, a machine-readable reason and the exact message wording of kube-apiserver.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown by the store and the server; carries the Status the client receives. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }
  toStatus(): StatusObject {
    const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** How a resource is named in messages: `deployments.apps`, or `pods` for the core group. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource });
}

export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}

export function conflict(resource: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: group || undefined, kind: resource },
  );
}

/** A 422 like field validation failures: `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be ...` */
export function invalid(kind: string, group: string, name: string, causes: Array<{ field: string; message: string; reason?: string }>): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `${qualifiedKind} "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`;
  return new ApiError(422, 'Invalid', message, {
    name,
    group: group || undefined,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 for a resourceVersion that left the kept history (what a compacted etcd / watch cache answers). */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function tooOldResourceVersion(requested: string | number, oldest: string | number): ApiError {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

/**
 * The authorizer's denial, worded like kube-apiserver:
 * `deployments.apps "web" is forbidden: User "alice" cannot patch resource "deployments" in API group "apps" in the namespace "dev"`
 */
export function forbidden(opts: { user: string; verb: string; resource: string; subresource?: string; group: string; namespace?: string; name?: string; reason?: string }): ApiError {
  const qualified = qualifiedResource(opts.resource, opts.group);
  const subject = opts.name ? `${qualified} "${opts.name}"` : qualified;
  const resourceText = opts.subresource ? `${opts.resource}/${opts.subresource}` : opts.resource;
  const scope = opts.namespace ? `in the namespace "${opts.namespace}"` : 'at the cluster scope';
  let message = `${subject} is forbidden: User "${opts.user}" cannot ${opts.verb} resource "${resourceText}" in API group "${opts.group}" ${scope}`;
  if (opts.reason) message += `: ${opts.reason}`;
  return new ApiError(403, 'Forbidden', message, { name: opts.name, group: opts.group || undefined, kind: opts.resource });
}

export function forbiddenPath(user: string, verb: string, path: string): ApiError {
  return new ApiError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

export function tooManyRequests(retryAfterSeconds = 1): ApiError {
  return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
}

export function serviceUnavailable(message = 'the server is currently unable to handle the request'): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {
    causes: [{ reason: 'UnsupportedMediaType', message: contentType }],
  });
}

export function methodNotAllowed(verb: string, resource: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb} ${resource})`);
}

/** A generic Status for HTTP codes without a dedicated constructor (fault injection). */
export function statusForCode(code: number, message?: string): ApiError {
  switch (code) {
    case 401:
      return unauthorized();
    case 410:
      return expired(message ?? 'too old resource version');
    case 429:
      return tooManyRequests();
    case 500:
      return internalError(message ?? 'kubesim: injected fault');
    case 503:
      return serviceUnavailable(message);
    case 404:
      return new ApiError(404, 'NotFound', message ?? 'the server could not find the requested resource');
    case 409:
      return new ApiError(409, 'Conflict', message ?? 'conflict');
    case 504:
      return new ApiError(504, 'Timeout', message ?? 'the server was unable to return a response in the time allotted, but may still be processing the request');
    default:
      return new ApiError(code, 'Unknown', message ?? `kubesim: injected HTTP ${code}`);
  }
}
