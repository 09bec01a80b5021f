/** ECR API errors as AWS JSON 1.1 sends them: `{"__type": "...", "message": "..."}` plus `x-amzn-ErrorType`. */

export class EcrError extends Error {
  constructor(
    /** The error shape name, e.g. RepositoryNotFoundException (what the SDK turns into an exception class). */
    readonly type: string,
    message: string,
    /** HTTP status: 400 for client errors, 500 for ServerException. */
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const errors = {
  repositoryNotFound: (name: string, registryId: string) =>
    new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`),
  repositoryAlreadyExists: (name: string, registryId: string) =>
    new EcrError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registryId}'`),
  repositoryNotEmpty: (name: string, registryId: string) =>
    new EcrError(
      'RepositoryNotEmptyException',
      `The repository with name '${name}' in registry with id '${registryId}' cannot be deleted because it still contains images`,
    ),
  imageNotFound: (id: { imageDigest?: string; imageTag?: string }, name: string, registryId: string) =>
    new EcrError(
      'ImageNotFoundException',
      `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${registryId}'`,
    ),
  scanNotFound: (id: { imageDigest?: string; imageTag?: string }, name: string, registryId: string) =>
    new EcrError(
      'ScanNotFoundException',
      `Image scan does not exist for the image with '{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}' in the repository with name '${name}' in the registry with id '${registryId}'`,
    ),
  invalidParameter: (message: string) => new EcrError('InvalidParameterException', message),
  constraint: (field: string, constraint: string) =>
    new EcrError('InvalidParameterException', `Invalid parameter at '${field}' failed to satisfy constraint: '${constraint}'`),
  accessDenied: (userArn: string, action: string, resource: string) =>
    new EcrError('AccessDeniedException', `User: ${userArn} is not authorized to perform: ecr:${action} on resource: ${resource}`),
  missingAuth: () => new EcrError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403),
  unrecognizedClient: () => new EcrError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  expiredToken: () => new EcrError('ExpiredTokenException', 'The security token included in the request is expired'),
  invalidSignature: (message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.') =>
    new EcrError('InvalidSignatureException', message),
  unknownOperation: () => new EcrError('UnknownOperationException', ''),
  serialization: (message: string) => new EcrError('SerializationException', message),
  server: (message: string) => new EcrError('ServerException', message, 500),
};
