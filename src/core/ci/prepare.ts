/** What the CLI and the editor share to make a pipeline: the project's facts read from disk, then the pure generators. */
import { relative } from 'node:path';
import type { Project } from '../config/model';
import { runProcess } from '../util/process';
import { detectTests } from './detect';
import { generateCi, type CiFile } from './index';
import { planCi, withoutCredentials, type CiPlan, type CiSystem, type PlanOptions } from './plan';

/** The GitOps clone's remote URL (credentials removed), when the GitOps repository is a separate clone. */
export async function detectGitopsUrl(project: Project, gitPath = 'git'): Promise<string | undefined> {
  if (!relative(project.root, project.gitopsRoot).startsWith('..')) return undefined;
  try {
    const r = await runProcess(gitPath, ['-C', project.gitopsRoot, 'remote', 'get-url', project.gitops.remote], { timeoutMs: 10_000 });
    const url = r.code === 0 ? r.stdout.trim() : '';
    return url ? withoutCredentials(url) : undefined;
  } catch {
    return undefined;
  }
}

export interface PrepareOptions extends Omit<PlanOptions, 'tests'> {
  readonly system: CiSystem;
  readonly out?: string;
  readonly gitPath?: string;
}

export async function prepareCi(project: Project, opts: PrepareOptions): Promise<{ plan: CiPlan; files: CiFile[] }> {
  const tests = await detectTests(project.root);
  const gitopsUrl = opts.gitopsUrl ?? (await detectGitopsUrl(project, opts.gitPath));
  const plan = planCi(project, { ...opts, tests, ...(gitopsUrl ? { gitopsUrl } : {}) });
  return { plan, files: generateCi(opts.system, plan, opts.out) };
}
