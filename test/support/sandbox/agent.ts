/**
 * An agent that behaves like Argo CD for the sandbox: it watches the GitOps repository (the bare
 * "remote"), compares each environment's values file with the live Deployment, reports sync status on
 * the environment's Application, and syncs — automatically for auto-sync environments, on "Sync now"
 * (an `operation` on the Application) for the others. Health follows the Deployment (the simulator's
 * Application controller applies gitops-engine's rules); a tag that is not in the registry ends in
 * ImagePullBackOff because the simulator asks the registry on every pull.
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

type Desired = DesiredWorkload;

export function startArgoAgent(sim: KubeSim, bare: string, apps: readonly AgentApp[], opts: { pollMs?: number; log?: (line: string) => void } = {}): ArgoAgent {
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
      reconcile(app, rev);
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

  const timer = setInterval(() => void poll(), opts.pollMs ?? 1000);
  timer.unref();
  void poll();
  return {
    get revision() {
      return revision;
    },
    poll,
    stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
    },
  };
}
