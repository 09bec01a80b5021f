/**
 * The cluster side of the deployment commands: one Kubernetes session per command, made only when
 * something asks (the source's gates, the Argo CD refresh after a push), closed when the command ends.
 */
import { homedir } from 'node:os';
import type { Environment, Project } from '../../core/config/model';
import { evaluateGates } from '../../core/gates/evaluate';
import type { GateDecision } from '../../core/gates/decide';
import { observeSource } from '../../core/gates/observe';
import { refreshAfterPush, type PushOutcome } from '../../core/kube/argoRefresh';
import { kubeconfigSource } from '../../core/kube/kubeconfig';
import { KubeSession } from '../../core/kube/session';
import type { OperationContext } from '../../core/gitops/operations';
import type { CliIO } from '../io';

export const kubeconfigFlag = { type: 'string', description: 'kubeconfig for the cluster (default: KUBECONFIG, else ~/.kube/config)', valueName: 'FILE' } as const;

export class CliCluster {
  private made: KubeSession | undefined;

  constructor(
    private readonly io: CliIO,
    private readonly kubeconfig: string | undefined,
  ) {}

  session(): KubeSession {
    if (!this.made) {
      const source = this.kubeconfig ? { files: [this.kubeconfig], origin: 'flag' as const } : kubeconfigSource([], this.io.env, this.io.env.HOME || homedir());
      this.made = new KubeSession({ kubeconfig: () => source, log: this.io.log });
    }
    return this.made;
  }

  /** The gates of a promotion into `to`, asking the source's cluster; the clock is the machine's. */
  gates(project: Project, to: Environment, from?: Environment): Promise<GateDecision> {
    return evaluateGates(
      project,
      to,
      {
        observe: async (source, o) => {
          const seen = await observeSource(this.session(), source, { signal: this.io.signal, healthUrl: o.healthUrl });
          if (seen) this.io.log.info(`${source.name}: ${seen.healthy ? `healthy${seen.healthySince ? ` since ${seen.healthySince}` : ''}` : `not healthy (${seen.reason})`}`);
          return seen;
        },
        now: Date.now,
      },
      from,
    );
  }

  /** After a push that moved an environment with an Argo CD Application: ask it to refresh now. */
  async afterPush(result: PushOutcome, push: OperationContext['push']): Promise<void> {
    const o = await refreshAfterPush(() => this.session(), result, { pushMode: push, signal: this.io.signal });
    if (!o) return;
    if (o.requested) this.io.log.info(o.message);
    else this.io.log.warn(o.message);
  }

  async dispose(): Promise<void> {
    await this.made?.dispose();
  }
}
