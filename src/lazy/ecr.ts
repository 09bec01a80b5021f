/**
 * The AWS ECR SDK, built as its own bundle (dist/lazy-ecr.js) and loaded on first use with
 * `await import('../lazy/ecr')`. Import only the SDK here, never our own modules (see esbuild.mjs).
 */
export {
  CreateRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
} from '@aws-sdk/client-ecr';
