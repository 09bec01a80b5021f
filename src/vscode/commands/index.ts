/** Every command the extension contributes, in one list (test/unit/manifest.test.ts checks it against package.json). */
import { compareWith } from './compareWith';
import { createConfig } from './createConfig';
import { openValuesFile } from './openValuesFile';
import { promoteTo } from './promoteTo';
import { promoteToProduction } from './promoteToProduction';
import { promoteToStaging } from './promoteToStaging';
import { refreshEnvironments } from './refreshEnvironments';
import { rollBack } from './rollBack';
import { rollBackToHere } from './rollBackToHere';
import { setImageTag } from './setImageTag';
import { showLog } from './showLog';
import type { CommandDef } from './types';

export const allCommands: readonly CommandDef[] = [
  refreshEnvironments,
  openValuesFile,
  createConfig,
  showLog,
  setImageTag,
  promoteToStaging,
  promoteToProduction,
  promoteTo,
  rollBack,
  rollBackToHere,
  compareWith,
];
