/**
 * Scale: time to list and render the Environments tree for 10, 100 and 500 environments (a monorepo of
 * apps × 5 environments under apps/<app>/overlays/<env>/), in plain Node (discovery + reading every file)
 * and in a real extension host (the same, plus rendering every row).
 */
import { join } from 'node:path';
import { nullLogger } from '../../src/core/log';
import { EnvironmentsModel } from '../../src/core/workspace/environments';
import { tempDir, writeTree } from '../support/tmp';
import { runSuite } from '../vscode/launch';
import { median, timed, type Results } from './results';

const ENVS = ['dev', 'test', 'staging', 'preprod', 'prod'];

function monorepo(dir: string, environments: number): void {
  const files: Record<string, string> = {};
  for (let i = 0; i < environments; i++) {
    const app = `app${String(Math.floor(i / ENVS.length)).padStart(3, '0')}`;
    const env = ENVS[i % ENVS.length]!;
    files[`apps/${app}/overlays/${env}/kustomization.yaml`] = `# ${app} in ${env}\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nnamespace: ${app}-${env}\nimages:\n  - name: ${app}\n    newName: 123456789012.dkr.ecr.us-east-2.amazonaws.com/${app}\n    newTag: "1.${i}.0"\n`;
  }
  writeTree(dir, files);
}

export async function benchScale(results: Results, sizes = [10, 100, 500]): Promise<void> {
  const tmp = tempDir('gitops-pilot-scale-');
  try {
    for (const n of sizes) {
      const dir = join(tmp.dir, `mono-${n}`);
      monorepo(dir, n);
      const model = new EnvironmentsModel(() => [dir], nullLogger);
      const runs: number[] = [];
      for (let k = 0; k < 5; k++) runs.push((await timed(() => model.reload()))[1]);
      if (model.environments.length !== n) throw new Error(`expected ${n} environments, found ${model.environments.length}`);
      results.add({ name: `scale ${n} envs: discover + read every file (Node, median of 5)`, value: median(runs), unit: 'ms' });
      const r = await runSuite({ name: `bench-tree-${n}`, suite: 'bench', grep: 'tree', workspace: dir });
      if (r.failed) throw new Error(`tree probe failed: ${JSON.stringify(r.failures)}`);
      const load = Number(r.notes.treeLoadMs);
      const render = Number(r.notes.treeRenderMs);
      const first = Number(r.notes.treeFirstLoadMs);
      results.add({
        name: `scale ${n} envs: load + render ${r.notes.treeRows} rows (extension host, median of 5 refreshes)`,
        value: load + render,
        unit: 'ms',
        note: `load ${load.toFixed(0)} ms, render ${render.toFixed(0)} ms; the first load after activation ${first.toFixed(0)} ms`,
      });
    }
  } finally {
    tmp.cleanup();
  }
}
