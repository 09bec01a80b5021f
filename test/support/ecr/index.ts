/** The ECR emulator (API + registry auth proxy) and its helpers. See README.md. */
export { startEcrEmulator, startEcrStack } from './emulator';
export type { EcrEmulator, EcrEmulatorOptions, EcrStack, EcrStats, ActionStats, RepositorySeed } from './emulator';
export { Faults } from './faults';
export type { FaultRule, FaultKind, FaultHandle, RegistryOp } from './faults';
export type { ProxyStats } from './proxy';
export type { ScanFindingsSpec, ScanFinding, ScanStatus, Severity } from './scan';
export { syntheticCounts } from './scan';
export { EcrError } from './errors';
export { AWS_CLI, awsCliEnv, awsEcr } from './awsCli';
