/**
 * Activation in a real extension host (median of 10 starts, each a fresh VS Code server) and the bundle
 * sizes. The peer is an empty extension (test/fixtures/extensions/empty-peer) activated by the same
 * extension host in the same start: what VS Code's machinery costs any extension. The extension's own
 * time is measured from the bundle's first statement to the end of activate().
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';
import { runSuite } from '../vscode/launch';
import { median, type Results } from './results';

const PEER = join(repoRoot, 'test/fixtures/extensions/empty-peer');

export async function benchActivation(results: Results, starts = 10): Promise<void> {
  for (const f of ['extension.js', 'cli.js', 'lazy-kube.js', 'lazy-ecr.js']) {
    results.add({ name: `bundle size: dist/${f}`, value: Math.round(statSync(join(repoRoot, 'dist', f)).size / 1024), unit: 'KiB', note: f.startsWith('lazy') ? 'loaded on first use only' : 'minified production build' });
  }
  const totals: number[] = [];
  const own: number[] = [];
  const loads: number[] = [];
  const calls: number[] = [];
  const peerTotals: number[] = [];
  const peerLoads: number[] = [];
  let sdk = 0;
  for (let i = 0; i < starts; i++) {
    const r = await runSuite({
      name: `bench-activation-${i + 1}`,
      suite: 'bench',
      grep: 'activation time',
      extensions: [PEER],
      env: { GITOPS_PILOT_BENCH_ORDER: i % 2 ? 'peer-first' : 'ours-first' },
    });
    if (r.failed) throw new Error(`activation probe failed: ${JSON.stringify(r.failures)}`);
    const n = (k: string) => Number(r.notes[k]);
    totals.push(n('activateTotalMs'));
    loads.push(n('loadMs'));
    calls.push(n('activateCallMs'));
    own.push(n('loadMs') + n('activateCallMs'));
    peerTotals.push(n('peerActivateTotalMs'));
    peerLoads.push(n('peerLoadMs'));
    sdk += n('sdkBundlesLoadedAtActivation') + n('awsOrKubeModulesLoaded');
  }
  const peerOk = peerTotals.every((v) => Number.isFinite(v));
  const peer = (values: number[]) => (peerOk ? { peer: 'empty extension, same host', peerValue: median(values) } : {});
  results.add({
    name: `activation: own time, evaluating the bundle + activate() (median of ${starts} starts)`,
    value: median(own),
    unit: 'ms',
    target: '< 50 ms',
    ...peer(peerLoads),
    note: `evaluation ${median(loads).toFixed(1)} ms (includes VS Code creating the extension's vscode API object), activate() ${median(calls).toFixed(1)} ms; min ${Math.min(...own).toFixed(1)}, max ${Math.max(...own).toFixed(1)}`,
  });
  results.add({
    name: `activation: VS Code's activate() round trip (median of ${starts})`,
    value: median(totals),
    unit: 'ms',
    ...peer(peerTotals),
    note: "adds reading and compiling dist/extension.js and VS Code's own activation steps; the first extension a host activates pays VS Code's one-time setup, so the order alternates",
  });
  results.add({ name: 'activation: AWS/Kubernetes SDK modules loaded', value: sdk, unit: 'modules', target: '0' });
}
