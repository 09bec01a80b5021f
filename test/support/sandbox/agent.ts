/**
 * An agent that behaves like Argo CD for the sandbox: it watches the GitOps repository (the bare
 * "remote"), compares each environment's values file with the live Deployment, reports sync status on
 * the environment's Application, and syncs — automatically for auto-sync environments, on "Sync now"
 * (an `operation` on the Application) for the others. Health follows the Deployment (the simulator's
 * Application controller applies gitops-engine's rules); a tag that is not in the registry ends in
 * ImagePullBackOff because the simulator asks the registry on every pull.
 *
 * Like Argo CD it looks at git on a poll — by default Argo CD's own: `timeout.reconciliation` 120 s plus
 * up to 60 s of `timeout.reconciliation.jitter` — and at once when an Application gets the
 * `argocd.argoproj.io/refresh` annotation (the simulator's Application controller removes it afterwards,
 * as Argo CD does). Tests may shorten the poll with `pollMs`; the product never relies on it.
 */
import { applyDesired, desiredAt, gitBare, runsDesired, type DesiredWorkload } from '../gitopsSource';
import type { KubeSim } from '../kubesim';
import type { ApplicationApi, ApplicationOperationRequest } from '../kubesim/controllers/application';

export interface AgentApp {
  readonly env: string;
  /** where the workload runs */
  readonly namespace: string;
  /** the Application (in namespace argocd) */
  readonly application: string;
  /** values file in the GitOps repository */
  readonly file: string;
  readonly deployment: string;
  readonly container: string;
  readonly autoSync: boolean;
}

export interface ArgoAgent {
  /** the last revision of main the agent has seen */
  readonly revision: string;
  /** checks the repository now (instead of waiting for the next poll) */
  poll(): Promise<void>;
  stop(): void;
}

/** Argo CD's defaults (argocd-cm `timeout.reconciliation`, `timeout.reconciliation.jitter`). */
export const ARGO_RECONCILIATION_MS = 120_000;
export const ARGO_RECONCILIATION_JITTER_MS = 60_000;

type Desired = DesiredWorkload;

export interface ArgoAgentOptions {
  /** a fixed poll interval (tests); default: Argo CD's 120 s plus up to 60 s of jitter */
  readonly pollMs?: number;
  /** the jitter's randomness (tests) */
  readonly random?: () => number;
  readonly log?: (line: string) => void;
}

export function startArgoAgent(sim: KubeSim, bare: string, apps: readonly AgentApp[], opts: ArgoAgentOptions = {}): ArgoAgent {
  const log = opts.log ?? (() => undefined);
  let revision = '';
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();

  const head = (): string => gitBare(bare, 'rev-parse', 'refs/heads/main');

  const desired = (rev: string, app: AgentApp): Desired | undefined => desiredAt(bare, rev, app.file);

  /** Compares git with the cluster; an auto-sync app out of sync gets a sync operation (as Argo CD's auto-sync does). */
  function reconcile(app: AgentApp, rev: string): void {
    const want = desired(rev, app);
    if (!want) return;
    if (runsDesired(sim.store, app.namespace, app.deployment, app.container, want)) {
      sim.argocd.setSyncStatus('argocd', app.application, { status: 'Synced', revision: rev });
      return;
    }
    sim.argocd.setSyncStatus('argocd', app.application, { status: 'OutOfSync', revision: rev });
    if (app.autoSync) {
      log(`${app.application}: OutOfSync at ${rev.slice(0, 7)}, auto-sync`);
      sim.store.patch('applications', 'argocd', app.application, 'merge', {
        operation: { sync: { revision: rev }, initiatedBy: { automated: true } },
      });
    } else log(`${app.application}: OutOfSync at ${rev.slice(0, 7)} (manual sync)`);
  }

  function sync(app: AgentApp, rev: string, api: ApplicationApi): void {
    const want = desired(rev, app);
    if (!want) {
      api.completeOperation('argocd', app.application, { phase: 'Failed', message: `${app.file} does not declare an image at ${rev.slice(0, 7)}`, revision: rev });
      return;
    }
    applyDesired(sim.store, app.namespace, app.deployment, app.container, want);
    api.completeOperation('argocd', app.application, { phase: 'Succeeded', revision: rev });
    sim.argocd.setSyncStatus('argocd', app.application, { status: 'Synced', revision: rev });
    log(`${app.application}: synced ${want.image} (${rev.slice(0, 7)})`);
  }

  const unsubscribe = sim.onApplicationOperation((req: ApplicationOperationRequest, api: ApplicationApi) => {
    const app = apps.find((a) => a.application === req.name && req.namespace === 'argocd');
    if (!app) return;
    const rev = head();
    if (req.kind === 'refresh') {
      log(`${app.application}: refresh requested (${req.refresh}), comparing with ${rev.slice(0, 7)}`);
      reconcile(app, rev);
      if (apps.every((a) => a === app)) revision = rev;
      return;
    }
    const requested = req.operation?.sync?.revision as string | undefined;
    sync(app, requested && /^[0-9a-f]{40}$/.test(requested) ? requested : rev, api);
  });

  async function poll(): Promise<void> {
    busy = busy.then(() => {
      if (stopped) return;
      let rev: string;
      try {
        rev = head();
      } catch {
        return;
      }
      if (rev === revision) return;
      revision = rev;
      log(`main is at ${rev.slice(0, 7)}`);
      for (const app of apps) reconcile(app, rev);
    });
    return busy;
  }

  const random = opts.random ?? Math.random;
  const interval = () => opts.pollMs ?? ARGO_RECONCILIATION_MS + Math.floor(random() * ARGO_RECONCILIATION_JITTER_MS);
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(() => {
      void poll().finally(() => {
        if (!stopped) schedule();
      });
    }, interval());
    timer.unref();
  };
  schedule();
  void poll();
  return {
    get revision() {
      return revision;
    },
    poll,
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
