/**
 * Many apps (issue 15): (a) discover + render 50 apps × 5 environments (apps/<app>/overlays/<env>/, 250
 * environments) in plain Node and in a real extension host, target < 200 ms (the scale section's probe);
 * (b) a 50-app release promotion — 50 edits and ONE commit, through the core and through the CLI — against
 * what a pipeline does instead: 50 `sed -i` + `git add` + `git commit`, in the same run on the same machine.
 */
import { spawnSync } from 'node:child_process';
import { loadProject } from '../../src/core/config/project';
import { nullLogger } from '../../src/core/log';
import { promoteRelease } from '../../src/core/release/promote';
import { cliPath } from '../support/cliProcess';
import { gitEnv, gitFixture } from '../support/gitRepos';
import { median, timed, type Results } from './results';
import { benchScale } from './scale';

const N = 50;
const APPS = Array.from({ length: N }, (_, i) => `svc${String(i + 1).padStart(2, '0')}`);
const values = (app: string, tag: string) => `# ${app}\nreplicaCount: 2\nimage:\n  repository: 123456789012.dkr.ecr.us-east-2.amazonaws.com/${app}\n  tag: ${tag}\nresources:\n  requests:\n    cpu: 100m\n`;

function sh(cwd: string, cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args, { cwd, env: gitEnv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

function repo(): { work: string; cleanup: () => void } {
  const files: Record<string, string> = {};
  for (const a of APPS) {
    files[`envs/staging/${a}.yaml`] = values(a, `sha-${a}-2`);
    files[`envs/prod/${a}.yaml`] = values(a, `sha-${a}-1`);
  }
  const fx = gitFixture(files);
  return { work: fx.clones[0]!, cleanup: fx.cleanup };
}

export async function benchRelease(results: Results, runs = 3): Promise<void> {
  const core: number[] = [];
  const cli: number[] = [];
  const sed: number[] = [];
  for (let k = 0; k < runs; k++) {
    const a = repo();
    try {
      const project = (await loadProject(a.work))!;
      const [r, ms] = await timed(() => promoteRelease({ project, git: { log: nullLogger }, push: false }, { from: 'staging', to: 'prod', confirmed: true }));
      if (r.status !== 'committed' || r.edits.length !== N) throw new Error(`core release: ${r.status}, ${r.edits.length} apps`);
      core.push(ms);
    } finally {
      a.cleanup();
    }
    const b = repo();
    try {
      const [r, ms] = await timed(() => spawnSync(process.execPath, [cliPath, 'promote', '--from', 'staging', '--to', 'prod', '--all', '--yes', '--no-push'], { cwd: b.work, env: { ...gitEnv, GIT_CONFIG_GLOBAL: undefined }, encoding: 'utf8' }));
      if (r.status !== 0) throw new Error(`cli release: ${r.stderr}`);
      cli.push(ms);
    } finally {
      b.cleanup();
    }
    const c = repo();
    try {
      const [, ms] = await timed(() => {
        for (const app of APPS) {
          const file = `envs/prod/${app}.yaml`;
          sh(c.work, 'sed', '-i', '-E', `s/^([[:space:]]*tag:[[:space:]]*).*/\\1sha-${app}-2/`, file);
          sh(c.work, 'git', 'add', '--', file);
          sh(c.work, 'git', 'commit', '-q', '-m', `deploy(prod): ${app} sha-${app}-2`);
        }
      });
      sed.push(ms);
    } finally {
      c.cleanup();
    }
  }
  results.add({ name: `release of ${N} apps: edits + one commit (core, median of ${runs})`, value: median(core), unit: 'ms', note: '1 commit, 50 Image: trailers' });
  results.add({ name: `release of ${N} apps: gitops-pilot promote --all --no-push (CLI process, median of ${runs})`, value: median(cli), unit: 'ms', note: '1 commit' });
  results.add({ name: `instead: ${N} × (sed -i + git add + git commit) (median of ${runs})`, value: median(sed), unit: 'ms', note: '50 commits' });
}

/** (a): the scale section's Node and extension-host probe on 50 apps × 5 environments. */
export async function benchApps(results: Results): Promise<void> {
  await benchScale(results, [N * 5]);
  await benchRelease(results);
}
