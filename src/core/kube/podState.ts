/**
 * The images a workload runs against the one declared in git (drift), and what a pod's status says
 * (the reason that matters: ImagePullBackOff, CrashLoopBackOff, …). Pure; part of the live state.
 */
import type { ImageRef } from '../gitops/message';
import { registryOf, tryParseImageReference } from '../images/reference';
import type { KubeObject } from './resources';
import type { ContainerImage, Drift } from './liveState';

// ── images ────────────────────────────────────────────────────────────────────────────────────────

/** docker.io/library/nginx for nginx: repositories compared the way a registry sees them. */
export function canonicalRepository(repository: string): string {
  const r = registryOf(repository);
  return `${r.registry}/${r.path}`;
}

export function containerImages(template: any): ContainerImage[] {
  const containers: Array<{ name?: string; image?: string }> = Array.isArray(template?.spec?.containers) ? template.spec.containers : [];
  return containers.map((c) => {
    const ref = tryParseImageReference(String(c.image ?? ''));
    return { container: String(c.name ?? ''), image: String(c.image ?? ''), ...(ref?.tag ? { tag: ref.tag } : {}), ...(ref?.digest ? { digest: ref.digest } : {}) };
  });
}

/** The containers that run the declared repository (all of them when none does, or none is declared). */
export function relevantImages(images: readonly ContainerImage[], repository: string | undefined): ContainerImage[] {
  if (!repository) return [...images];
  const want = canonicalRepository(repository);
  const matching = images.filter((i) => {
    const ref = tryParseImageReference(i.image);
    return ref !== undefined && canonicalRepository(ref.repository) === want;
  });
  return matching.length ? matching : [...images];
}

export function imageLabel(i: ContainerImage): string {
  return i.tag ?? (i.digest ? `${i.digest.slice(0, 19)}…` : i.image);
}

/** Does the workload run what git declares? Compares tags, and digests when both sides pin one. */
export function computeDrift(images: readonly ContainerImage[], declared: ImageRef | undefined): Drift | undefined {
  if (!declared || (!declared.tag && !declared.digest)) return undefined;
  const relevant = relevantImages(images, declared.repository);
  if (!relevant.length) return undefined;
  const matches = (i: ContainerImage) => {
    if (declared.digest && i.digest) return i.digest === declared.digest;
    if (declared.tag) return i.tag === declared.tag;
    return i.digest === declared.digest;
  };
  return {
    declared: declared.tag ?? `${declared.digest!.slice(0, 19)}…`,
    running: [...new Set(relevant.map(imageLabel))],
    drifted: !relevant.some(matches),
  };
}

/** Whether the workload's template runs the declared image (the rollout of a bump has reached the cluster). */
export function runsDeclared(images: readonly ContainerImage[], declared: ImageRef): boolean {
  return computeDrift(images, declared)?.drifted === false;
}

// ── pods ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * kubectl get pods' STATUS, and the reason that matters. Follows kubectl's printPod: the pod reason,
 * init containers, then containers' waiting / terminated reasons, Terminating when deleted; plus what
 * kubectl shows only in describe: Unschedulable, a container OOMKilled before its CrashLoopBackOff, and
 * a running container that is not ready (readiness failing).
 */
export function podStatus(pod: KubeObject): { status: string; ready: boolean; restarts: number; reason?: string; message?: string } {
  const st = pod.status ?? {};
  let status: string = st.reason || st.phase || 'Unknown';
  let reason: string | undefined;
  let message: string | undefined;
  let restarts = 0;
  const containerStatuses: any[] = Array.isArray(st.containerStatuses) ? st.containerStatuses : [];
  const initStatuses: any[] = Array.isArray(st.initContainerStatuses) ? st.initContainerStatuses : [];
  const conditions: any[] = Array.isArray(st.conditions) ? st.conditions : [];
  let initializing = false;
  initStatuses.forEach((c, i) => {
    restarts += Number(c.restartCount ?? 0);
    if (c.state?.terminated?.exitCode === 0) return;
    if (initializing) return;
    initializing = true;
    if (c.state?.terminated) status = `Init:${c.state.terminated.reason || `ExitCode:${c.state.terminated.exitCode}`}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      status = `Init:${c.state.waiting.reason}`;
      reason = c.state.waiting.reason;
      message = c.state.waiting.message;
    } else status = `Init:${i}/${initStatuses.length}`;
  });
  let ready = false;
  if (!initializing) {
    let readyCount = 0;
    let running = false;
    for (const c of [...containerStatuses].reverse()) {
      restarts += Number(c.restartCount ?? 0);
      if (c.ready) readyCount++;
      if (c.state?.waiting?.reason) {
        status = c.state.waiting.reason;
        reason = c.state.waiting.reason;
        message = c.state.waiting.message;
        // CrashLoopBackOff of a container that was OOMKilled: the OOM is what to fix
        if (reason === 'CrashLoopBackOff' && c.lastState?.terminated?.reason === 'OOMKilled') {
          reason = 'OOMKilled';
          message = `CrashLoopBackOff after OOMKilled (exit ${c.lastState.terminated.exitCode ?? 137})${c.state.waiting.message ? `: ${c.state.waiting.message}` : ''}`;
        }
      } else if (c.state?.terminated) {
        status = c.state.terminated.reason || (c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`);
        if (c.state.terminated.reason && c.state.terminated.reason !== 'Completed') {
          reason = c.state.terminated.reason;
          message = c.state.terminated.message;
        }
      } else if (c.state?.running) {
        running = true;
      }
    }
    ready = containerStatuses.length > 0 && readyCount === containerStatuses.length;
    if (status === 'Completed' && running) status = 'Running';
    if (!reason && st.phase === 'Running' && running && !ready) {
      const cond = conditions.find((x) => x.type === 'ContainersReady') ?? conditions.find((x) => x.type === 'Ready');
      reason = 'NotReady';
      message = cond?.message || 'readiness probe failing';
    }
  }
  const scheduled = conditions.find((x) => x.type === 'PodScheduled');
  if (st.phase === 'Pending' && scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    status = 'Pending';
    reason = 'Unschedulable';
    message = scheduled.message;
  }
  if (st.reason && !reason && st.reason !== 'Running') {
    reason = st.reason;
    message = st.message;
  }
  if (pod.metadata.deletionTimestamp) {
    status = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  return { status, ready, restarts, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

