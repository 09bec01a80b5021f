/**
 * How the CI integration tests run a generated pipeline: each job (stage, task) in a fresh container of the CLI
 * image on the real Docker engine, with host networking (dockerd runs with --bridge=none, and the sandbox's
 * servers listen on 127.0.0.1), the engine's socket where CI runners mount theirs (/var/run/docker.sock), and
 * the test's folders at the same paths. Each step is a `docker exec` of its shell script with the variables that
 * CI system sets; values reach docker exec through its own environment (`-e NAME`), never its command line.
 */
import { randomBytes } from 'node:crypto';
import { defaultDockerCli, docker, dockerEnv, type DockerDaemon } from '../../support/dockerd';
import { run } from '../../support/proc';
import { git } from '../../support/gitRepos';

export interface StepLog {
  readonly job: string;
  readonly step: string;
  readonly output: string;
  readonly ms: number;
}

export class JobContainer {
  private constructor(
    private readonly daemon: DockerDaemon,
    readonly id: string,
    private readonly log: StepLog[],
    readonly job: string,
  ) {}

  /** Starts the job's container (it idles like a runner's job container until the steps are exec'd in it). */
  static async start(daemon: DockerDaemon, image: string, job: string, mounts: readonly string[], log: StepLog[]): Promise<JobContainer> {
    const name = `gitops-pilot-ci-${job.replace(/[^\w.-]/g, '-')}-${randomBytes(4).toString('hex')}`;
    const args = ['run', '-d', '--rm', '--name', name, '--network', 'host', '-v', `${daemon.socketPath}:/var/run/docker.sock`];
    for (const m of new Set(mounts)) args.push('-v', `${m}:${m}`);
    args.push(image, 'tail', '-f', '/dev/null');
    const t0 = performance.now();
    const r = await docker(daemon, args, { timeoutMs: 60_000 });
    log.push({ job, step: '(container start)', output: '', ms: Math.round(performance.now() - t0) });
    if (r.code !== 0) throw new Error(`cannot start the ${job} container: ${r.stderr}`);
    return new JobContainer(daemon, r.stdout.trim(), log, job);
  }

  /** Runs one step's script with `sh -c` in `cwd`; throws with its output when it fails. */
  async exec(step: string, script: string, env: Record<string, string>, cwd: string): Promise<string> {
    // DOCKER_* values would steer the docker CLI running this exec: they go on its command line (none is secret)
    const own = Object.keys(env).filter((k) => k.startsWith('DOCKER_'));
    const passed = Object.keys(env).filter((k) => !k.startsWith('DOCKER_'));
    const args = ['exec', '-w', cwd, ...own.flatMap((k) => ['-e', `${k}=${env[k]}`]), ...passed.flatMap((k) => ['-e', k]), this.id, 'sh', '-c', script];
    const values = Object.fromEntries(passed.map((k) => [k, env[k]!]));
    const t0 = performance.now();
    const res = await run(defaultDockerCli(), args, { env: { ...dockerEnv(this.daemon), ...values }, timeoutMs: 300_000 });
    const output = `${res.stdout}${res.stderr}`;
    this.log.push({ job: this.job, step, output, ms: Math.round(performance.now() - t0) });
    if (res.code !== 0) throw new Error(`${this.job} › ${step} failed (exit ${res.code}):\n${output.split('\n').slice(-40).join('\n')}`);
    return output;
  }

  async stop(): Promise<void> {
    await docker(this.daemon, ['rm', '-f', this.id], { timeoutMs: 60_000 });
  }
}

/** What a CI checkout leaves: a clone of the app repository at `commit`, on the branch or detached. */
export function checkout(source: string, dest: string, commit: string, detached: boolean): void {
  git(process.cwd(), 'clone', '-q', source, dest);
  if (detached) git(dest, 'checkout', '-q', '--detach', commit);
  else git(dest, 'checkout', '-q', '-B', 'main', commit);
}
