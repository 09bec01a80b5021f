/**
 * Tag bump: edit + commit for one environment and for 50, through the core and through the CLI, against
 * the plain-shell way a pipeline does it (`sed -i` on the file + `git add` + `git commit`), on a real
 * chart's values file (podinfo's, which has two `tag:` keys). Also the bytes each way changes per file,
 * and the time to run every corpus case.
 */
import { spawnSync } from 'node:child_process';
import { loadProject } from '../../src/core/config/project';
import { editImage } from '../../src/core/gitops/imageEdit';
import { setImage, type OperationContext } from '../../src/core/gitops/operations';
import { nullLogger } from '../../src/core/log';
import { cliPath } from '../support/cliProcess';
import { corpusCases, corpusText } from '../support/corpus';
import { gitEnv, gitFixture } from '../support/gitRepos';
import { median, timed, type Results } from './results';

const VALUES = corpusText('helm-values/podinfo__podinfo.values.yaml');

function sh(cwd: string, cmd: string, ...args: string[]): void {
  const r = spawnSync(cmd, args, { cwd, env: gitEnv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** What a pipeline runs: sed on every `tag:` line of the file, then commit it. */
function sedBump(repo: string, env: string, tag: string): void {
  const file = `envs/${env}/values.yaml`;
  sh(repo, 'sed', '-i', '-E', `s/^([[:space:]]*tag:[[:space:]]*).*/\\1${tag}/`, file);
  sh(repo, 'git', 'add', '--', file);
  sh(repo, 'git', 'commit', '-q', '-m', `deploy(${env}): ${tag}`);
}

/** Bytes that differ between two versions of a file (the changed middle, old + new). */
function bytesChanged(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && j < b.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  return a.length - i - j + (b.length - i - j);
}

export async function benchBump(results: Results): Promise<void> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++) files[`envs/e${i}/values.yaml`] = VALUES;
  const fx = gitFixture(files, 3);
  try {
    const [ours, shell, cliClone] = fx.clones as [string, string, string];
    const project = (await loadProject(ours))!;
    const ctx: OperationContext = { project, git: { log: nullLogger }, push: false };
    const env = (id: string) => project.environments.find((e) => e.id === id)!;

    // one environment, ten bumps each way
    const one: number[] = [];
    const oneSed: number[] = [];
    const oneCli: number[] = [];
    for (let k = 1; k <= 10; k++) {
      one.push((await timed(() => setImage(ctx, { env: env('e0'), tag: `6.15.${k}` })))[1]);
      oneSed.push((await timed(() => sedBump(shell, 'e0', `6.15.${k}`)))[1]);
      oneCli.push(
        (
          await timed(() => {
            const r = spawnSync(process.execPath, [cliPath, 'bump', '--env', 'e0', '--tag', `6.15.${k}`, '--no-push'], { cwd: cliClone, env: gitEnv });
            if (r.status !== 0) throw new Error(String(r.stderr));
          })
        )[1],
      );
    }
    results.add({ name: 'bump 1 env: edit + commit (core, in the editor)', value: median(one), unit: 'ms', peer: 'sed -i + git add + git commit', peerValue: median(oneSed) });
    results.add({ name: 'bump 1 env: gitops-pilot bump --no-push (new process)', value: median(oneCli), unit: 'ms', peer: 'sed -i + git add + git commit', peerValue: median(oneSed) });

    // bytes changed in the file by one bump
    const before = VALUES;
    const oursAfter = editImage(before, 'values.yaml', { kind: 'helm', path: ['image', 'tag'] }, { tag: '6.15.0' }).text;
    const r = spawnSync('sed', ['-E', 's/^([[:space:]]*tag:[[:space:]]*).*/\\16.15.0/'], { input: before, encoding: 'utf8' });
    results.add({ name: 'bump: bytes changed in the values file', value: bytesChanged(before, oursAfter), unit: 'bytes', peer: 'sed (also rewrites redis.tag)', peerValue: bytesChanged(before, r.stdout), note: `ours: "6.14.1" -> "6.15.0" only; sed changed ${before.split('\n').filter((l, i) => l !== r.stdout.split('\n')[i]).length} lines` });

    // fifty environments, one commit each
    const [, all] = await timed(async () => {
      for (let i = 0; i < 50; i++) await setImage(ctx, { env: env(`e${i}`), tag: '7.0.0' });
    });
    const [, allSed] = await timed(() => {
      for (let i = 0; i < 50; i++) sedBump(shell, `e${i}`, '7.0.0');
    });
    results.add({ name: 'bump 50 envs: 50 edits + 50 commits (core)', value: all, unit: 'ms', peer: '50 × (sed + git add + git commit)', peerValue: allSed });
  } finally {
    fx.cleanup();
  }

  // the corpus: every case edited and verified
  const cases = corpusCases();
  const texts = new Map(cases.map((c) => [c.file, corpusText(c.file)]));
  const per: { ms: number; file: string }[] = [];
  const [, total] = await timed(() => {
    for (const c of cases) {
      const t0 = performance.now();
      editImage(texts.get(c.file)!, c.file, c.kind === 'helm' ? { kind: 'helm', path: c.path } : { kind: 'kustomize', image: c.path[1]! }, { tag: c.new });
      per.push({ ms: performance.now() - t0, file: c.file });
    }
  });
  const slowest = per.reduce((a, b) => (b.ms > a.ms ? b : a));
  results.add({
    name: `corpus: ${cases.length} edits of real charts' files, each verified`,
    value: total,
    unit: 'ms',
    note: `median ${median(per.map((p) => p.ms)).toFixed(1)} ms per edit; slowest ${slowest.ms.toFixed(0)} ms (${slowest.file}, ${(texts.get(slowest.file)!.length / 1024).toFixed(0)} KiB)`,
  });
}
