/** Every command the extension contributes, in one list (test/unit/manifest.test.ts checks it against package.json). */
import { createConfig } from './createConfig';
import { openValuesFile } from './openValuesFile';
import { refreshEnvironments } from './refreshEnvironments';
import { showLog } from './showLog';
import type { CommandDef } from './types';

export const allCommands: readonly CommandDef[] = [refreshEnvironments, openValuesFile, createConfig, showLog];
