/** Pipeline files for a CI system, from the project's gitops-pilot.yaml and the detected test tooling. */
import { renderGithub } from './github';
import { renderGitlab } from './gitlab';
import { renderJenkins } from './jenkins';
import type { CiPlan, CiSystem } from './plan';
import { renderTekton, type CiFile } from './tekton';

export type { CiFile } from './tekton';

/** Where each system expects its file (Tekton: a folder of manifests). */
export const DEFAULT_OUT: Readonly<Record<CiSystem, string>> = {
  github: '.github/workflows/gitops-pilot.yml',
  gitlab: '.gitlab-ci.yml',
  jenkins: 'Jenkinsfile',
  tekton: '.tekton',
};

/** The files of a pipeline; `out` replaces the default path (for Tekton, the folder). */
export function generateCi(system: CiSystem, plan: CiPlan, out = DEFAULT_OUT[system]): CiFile[] {
  switch (system) {
    case 'github':
      return [{ path: out, text: renderGithub(plan) }];
    case 'gitlab':
      return [{ path: out, text: renderGitlab(plan) }];
    case 'jenkins':
      return [{ path: out, text: renderJenkins(plan) }];
    case 'tekton':
      return renderTekton(plan, out);
  }
}
