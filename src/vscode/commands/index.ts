/** Every command the extension contributes, in one list (test/unit/manifest.test.ts checks it against package.json). */
import { buildImage } from './buildImage';
import { abortRollout } from './abortRollout';
import { compareEnvironments } from './compareEnvironments';
import { compareWith } from './compareWith';
import { copyImageReference } from './copyImageReference';
import { createCiPipeline } from './createCiPipeline';
import { createConfig } from './createConfig';
import { deployImageTo } from './deployImageTo';
import { groupByApplication } from './groupByApplication';
import { groupByEnvironment } from './groupByEnvironment';
import { mergePullRequest } from './mergePullRequest';
import { openPullRequest } from './openPullRequest';
import { openValuesFile } from './openValuesFile';
import { promoteCanary } from './promoteCanary';
import { promoteAll } from './promoteAll';
import { promoteTo } from './promoteTo';
import { promoteToProduction } from './promoteToProduction';
import { promoteToStaging } from './promoteToStaging';
import { pushImage } from './pushImage';
import { reconcileFlux } from './reconcileFlux';
import { refreshArgoApp } from './refreshArgoApp';
import { resumeFlux } from './resumeFlux';
import { refreshEnvironments } from './refreshEnvironments';
import { refreshImages } from './refreshImages';
import { rollBack } from './rollBack';
import { rollBackRelease } from './rollBackRelease';
import { rollBackToHere } from './rollBackToHere';
import { selectKubeContext } from './selectKubeContext';
import { setImageTag } from './setImageTag';
import { setPullRequestToken } from './setPullRequestToken';
import { ship } from './ship';
import { showLog } from './showLog';
import { showRolloutDetails } from './showRolloutDetails';
import { suspendFlux } from './suspendFlux';
import { syncArgoApp } from './syncArgoApp';
import type { CommandDef } from './types';
import { watchRollout } from './watchRollout';

export const allCommands: readonly CommandDef[] = [
  refreshEnvironments,
  openValuesFile,
  createConfig,
  createCiPipeline,
  showLog,
  setImageTag,
  promoteToStaging,
  promoteToProduction,
  promoteTo,
  promoteAll,
  rollBack,
  rollBackToHere,
  rollBackRelease,
  compareWith,
  compareEnvironments,
  groupByApplication,
  groupByEnvironment,
  buildImage,
  pushImage,
  ship,
  deployImageTo,
  refreshImages,
  copyImageReference,
  watchRollout,
  showRolloutDetails,
  selectKubeContext,
  syncArgoApp,
  refreshArgoApp,
  reconcileFlux,
  suspendFlux,
  resumeFlux,
  promoteCanary,
  abortRollout,
  setPullRequestToken,
  openPullRequest,
  mergePullRequest,
];
