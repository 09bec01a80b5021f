/**
 * Argo Rollouts analysis, as far as GitOps Pilot sees it: a canary `analysis` step creates an AnalysisRun
 * (argoproj.io/v1alpha1) from the step's AnalysisTemplates, named and labelled like the real controller
 * (`<rollout>-<pod-template-hash>-<revision>-<step>`, `rollouts-pod-template-hash`, `rollout-type: Step`,
 * `step-index`, annotation `rollout.argoproj.io/revision`, owned by the Rollout). The run is Running for one
 * simulated second, then each metric gets one measurement whose outcome comes from the analysis rules
 * (`sim.controllers.addAnalysisRule({ image, metric?, phase, value? })`, default Successful with value "1").
 * A Failed metric fails the run with the real message (`Metric "success-rate" assessed Failed due to failed
 * (1) > failureLimit (0)`), and the Rollout controller then aborts the update with that message.
 */
import { ImageRules, type Controller, type Runtime } from '../runtime';
import { clone, rfc3339, type KubeObject } from '../util';
import { controllerOf, controllerRef } from './common';

export type MetricPhase = 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

export interface AnalysisRule {
  /** the Rollout's image: exact, `*` glob or RegExp */
  image: string | RegExp;
  /** only this metric (default: every metric) */
  metric?: string;
  phase: MetricPhase;
  /** the measured value (default "1" when successful, "0" otherwise) */
  value?: string;
  /** a measurement message (for Error) */
  message?: string;
}

export class AnalysisRules extends ImageRules<AnalysisRule> {
  /** The latest matching rule for a metric of a run of `images`. */
  ruleFor(images: readonly string[], metric: string): AnalysisRule | undefined {
    return this.find(images, (r) => r.metric === undefined || r.metric === metric);
  }
}

const FINAL = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);

/** The AnalysisRun of a canary step, created when missing (undefined when a template is missing: the run is in Error then). */
export function ensureStepAnalysisRun(rt: Runtime, ro: KubeObject, stepIndex: number, analysis: { templates?: Array<{ templateName?: string }>; args?: unknown[] }, revision: string, podHash: string): KubeObject {
  const namespace = ro.metadata.namespace;
  const name = `${ro.metadata.name}-${podHash}-${revision}-${stepIndex}`;
  const existing = rt.store.tryGet('analysisruns', namespace, name);
  if (existing) return existing;
  const metrics: unknown[] = [];
  const missing: string[] = [];
  for (const t of analysis.templates ?? []) {
    const template = t.templateName ? rt.store.tryGet('analysistemplates', namespace, t.templateName) : undefined;
    if (!template) missing.push(t.templateName ?? '(unnamed)');
    else metrics.push(...clone(template.spec?.metrics ?? []));
  }
  const run: KubeObject = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: {
      name,
      namespace,
      labels: { 'rollouts-pod-template-hash': podHash, 'rollout-type': 'Step', 'step-index': String(stepIndex) },
      annotations: { 'rollout.argoproj.io/revision': revision },
      ownerReferences: [controllerRef(ro)],
    },
    spec: { metrics, ...(analysis.args ? { args: clone(analysis.args) } : {}) },
  };
  if (missing.length) run.status = { phase: 'Error', message: `AnalysisTemplate ${missing.join(', ')} not found`, startedAt: rfc3339() };
  return rt.store.create('analysisruns', run);
}

export class AnalysisRunController implements Controller {
  readonly name = 'argo-rollouts-analysis';
  /** when each run started measuring, by uid (startedAt has second precision only) */
  private readonly started = new Map<string, number>();

  constructor(
    private readonly rt: Runtime,
    private readonly rules: AnalysisRules,
  ) {
    rt.store.subscribe((ev) => {
      if (ev.rt.resource === 'analysisruns' && ev.type !== 'DELETED') this.rt.enqueue(this, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
    });
  }

  reconcile(namespace: string | undefined, name: string): void {
    const run = this.rt.store.tryGet('analysisruns', namespace, name);
    if (!run || run.metadata.deletionTimestamp || FINAL.has(run.status?.phase)) return;
    if (!run.status?.phase) {
      const next = clone(run);
      next.status = { phase: 'Running', startedAt: rfc3339(), metricResults: [] };
      this.started.set(run.metadata.uid ?? '', Date.now());
      this.rt.store.update('analysisruns', namespace, name, next);
      this.rt.enqueueAfter(this, namespace, name, this.rt.seconds(1));
      return;
    }
    const since = this.started.get(run.metadata.uid ?? '');
    if (since !== undefined && Date.now() - since < this.rt.seconds(1)) {
      this.rt.enqueueAfter(this, namespace, name, this.rt.seconds(1) - (Date.now() - since) + 1);
      return;
    }
    this.started.delete(run.metadata.uid ?? '');
    this.measure(run);
  }

  private measure(run: KubeObject): void {
    const owner = controllerOf(run);
    const ro = owner ? this.rt.store.tryGet('rollouts', run.metadata.namespace, owner.name) : undefined;
    const images: string[] = (ro?.spec?.template?.spec?.containers ?? []).map((c: { image?: string }) => c.image ?? '');
    const now = rfc3339();
    const results = (run.spec?.metrics ?? []).map((m: { name: string; failureLimit?: number }) => {
      const rule = this.rules.ruleFor(images, m.name);
      const phase: MetricPhase = rule?.phase ?? 'Successful';
      const value = rule?.value ?? (phase === 'Successful' ? '1' : '0');
      return {
        name: m.name,
        phase,
        count: 1,
        ...(phase === 'Successful' ? { successful: 1 } : phase === 'Failed' ? { failed: 1 } : phase === 'Error' ? { error: 1 } : { inconclusive: 1 }),
        ...(rule?.message ? { message: rule.message } : {}),
        measurements: [{ phase, value, startedAt: run.status.startedAt, finishedAt: now }],
        failureLimit: m.failureLimit ?? 0,
      };
    });
    const failed = results.find((r: { phase: string }) => r.phase === 'Failed');
    const errored = results.find((r: { phase: string }) => r.phase === 'Error');
    const inconclusive = results.find((r: { phase: string }) => r.phase === 'Inconclusive');
    const next = clone(run);
    next.status = { ...next.status, metricResults: results.map(({ failureLimit: _l, ...r }: { failureLimit: number }) => r), completedAt: now };
    if (failed) Object.assign(next.status, { phase: 'Failed', message: `Metric "${failed.name}" assessed Failed due to failed (1) > failureLimit (${failed.failureLimit})` });
    else if (errored) Object.assign(next.status, { phase: 'Error', message: `Metric "${errored.name}" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0)${errored.message ? `: "${errored.message}"` : ''}` });
    else if (inconclusive) Object.assign(next.status, { phase: 'Inconclusive', message: `Metric "${inconclusive.name}" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)` });
    else Object.assign(next.status, { phase: 'Successful' });
    this.rt.store.update('analysisruns', run.metadata.namespace, run.metadata.name ?? '', next);
  }
}
