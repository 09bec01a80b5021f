/**
 * Server-side printing: the `meta.k8s.io/v1 Table` kubectl asks for (`Accept: application/json;as=Table;...`)
 * with the columns and cell formatting of kube-apiserver's printers (pkg/printers/internalversion) and,
 * for the custom resources, of their CRDs' additionalPrinterColumns. Cells are always generated "wide"
 * (priority 1 columns included) as the API server does; kubectl hides them without `-o wide`.
 */
import type { ResourceType } from './resources';
import { formatSelector } from './selectors';
import { ageOf, type KubeObject } from './util';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function col(name: string, type = 'string', priority = 0, format = ''): ColumnDefinition {
  return { name, type, format, description: DESCRIPTIONS[name] ?? '', priority };
}

const DESCRIPTIONS: Record<string, string> = {
  Name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  Age: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

const NAME = col('Name', 'string', 0, 'name');

function containers(obj: KubeObject): Array<{ name?: string; image?: string }> {
  const list = obj.spec?.template?.spec?.containers;
  return Array.isArray(list) ? list : [];
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function orNone(s: string | undefined): string {
  return s ? s : '<none>';
}

interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): unknown[];
}

const PRINTERS: Record<string, Printer> = {
  namespaces: {
    columns: [NAME, col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', ageOf(o.metadata.creationTimestamp, now)],
  },
  nodes: {
    columns: [NAME, col('Status'), col('Roles'), col('Age'), col('Version'), col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1), col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells: (o, now) => {
      const ready = (o.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Ready');
      const status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
        .sort();
      const addr = (type: string) => (o.status?.addresses ?? []).find((a: { type?: string }) => a.type === type)?.address;
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        o.spec?.unschedulable ? `${status},SchedulingDisabled` : status,
        roles.length ? roles.join(',') : '<none>',
        ageOf(o.metadata.creationTimestamp, now),
        info.kubeletVersion ?? '',
        orNone(addr('InternalIP')),
        orNone(addr('ExternalIP')),
        info.osImage ?? '<unknown>',
        info.kernelVersion ?? '<unknown>',
        info.containerRuntimeVersion ?? '<unknown>',
      ];
    },
  },
  pods: {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), col('Age'), col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o, now) => {
      const p = podSummary(o, now);
      return [
        o.metadata.name,
        p.ready,
        p.status,
        p.restarts,
        ageOf(o.metadata.creationTimestamp, now),
        orNone(o.status?.podIPs?.[0]?.ip ?? o.status?.podIP),
        orNone(o.spec?.nodeName),
        orNone(o.status?.nominatedNodeName),
        '<none>',
      ];
    },
  },
  events: {
    columns: [
      col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message'),
      col('First Seen', 'string', 1), col('Count', 'integer', 1), col('Name', 'string', 1),
    ],
    cells: (o, now) => {
      const first = o.firstTimestamp ? ageOf(o.firstTimestamp, now) : ageOf(o.eventTime, now);
      let last = o.lastTimestamp ? ageOf(o.lastTimestamp, now) : first;
      let count = num(o.count);
      if (o.series) {
        last = ageOf(o.series.lastObservedTime, now);
        count = num(o.series.count);
      } else if (count === 0) {
        count = 1;
      }
      const io = o.involvedObject ?? {};
      const kind = String(io.kind ?? '').toLowerCase();
      const target = io.name ? `${kind}/${io.name}` : kind;
      const component = o.source?.component || o.reportingComponent || '';
      const host = o.source?.host || o.reportingInstance || '';
      const source = host ? `${component}, ${host}` : component;
      return [last, o.type ?? '', o.reason ?? '', target, io.fieldPath ?? '', source, String(o.message ?? '').trim(), first, count, o.metadata.name];
    },
  },
  deployments: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [
      o.metadata.name,
      `${num(o.status?.readyReplicas)}/${num(o.spec?.replicas)}`,
      num(o.status?.updatedReplicas),
      num(o.status?.availableReplicas),
      ageOf(o.metadata.creationTimestamp, now),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
      formatSelector(o.spec?.selector),
    ],
  },
  replicasets: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, now) => [
      o.metadata.name,
      num(o.spec?.replicas),
      num(o.status?.replicas),
      num(o.status?.readyReplicas),
      ageOf(o.metadata.creationTimestamp, now),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
      formatSelector(o.spec?.selector),
    ],
  },
  statefulsets: {
    columns: [NAME, col('Ready'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => [
      o.metadata.name,
      `${num(o.status?.readyReplicas)}/${num(o.spec?.replicas)}`,
      ageOf(o.metadata.creationTimestamp, now),
      containers(o).map((c) => c.name).join(','),
      containers(o).map((c) => c.image).join(','),
    ],
  },
  daemonsets: {
    columns: [
      NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'),
      col('Node Selector'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1),
    ],
    cells: (o, now) => {
      const nodeSelector = Object.entries((o.spec?.template?.spec?.nodeSelector ?? {}) as Record<string, string>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return [
        o.metadata.name,
        num(o.status?.desiredNumberScheduled),
        num(o.status?.currentNumberScheduled),
        num(o.status?.numberReady),
        num(o.status?.updatedNumberScheduled),
        num(o.status?.numberAvailable),
        orNone(nodeSelector),
        ageOf(o.metadata.creationTimestamp, now),
        containers(o).map((c) => c.name).join(','),
        containers(o).map((c) => c.image).join(','),
        formatSelector(o.spec?.selector),
      ];
    },
  },
  // custom resources: the CRDs' additionalPrinterColumns (missing values are null cells, printed as <none>)
  applications: {
    columns: [NAME, col('Sync Status'), col('Health Status'), col('Revision', 'string', 10), col('Project', 'string', 10)],
    cells: (o) => [o.metadata.name, o.status?.sync?.status ?? null, o.status?.health?.status ?? null, o.status?.sync?.revision ?? null, o.spec?.project ?? null],
  },
  // Flux CRDs' additionalPrinterColumns: Age, Ready (the Ready condition's status), Status (its message)
  gitrepositories: {
    columns: [NAME, col('URL'), col('Age', 'date'), col('Ready'), col('Status')],
    cells: (o, now) => [o.metadata.name, o.spec?.url ?? null, ageOf(o.metadata.creationTimestamp, now), readyCondition(o)?.status ?? null, readyCondition(o)?.message ?? null],
  },
  kustomizations: {
    columns: [NAME, col('Age', 'date'), col('Ready'), col('Status')],
    cells: (o, now) => [o.metadata.name, ageOf(o.metadata.creationTimestamp, now), readyCondition(o)?.status ?? null, readyCondition(o)?.message ?? null],
  },
  helmreleases: {
    columns: [NAME, col('Age', 'date'), col('Ready'), col('Status')],
    cells: (o, now) => [o.metadata.name, ageOf(o.metadata.creationTimestamp, now), readyCondition(o)?.status ?? null, readyCondition(o)?.message ?? null],
  },
  rollouts: {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Up-to-date', 'integer'), col('Available', 'integer'), col('Age', 'date')],
    cells: (o, now) => [o.metadata.name, o.spec?.replicas ?? null, o.status?.replicas ?? null, o.status?.updatedReplicas ?? null, o.status?.availableReplicas ?? null, ageOf(o.metadata.creationTimestamp, now)],
  },
  analysisruns: {
    columns: [NAME, col('Status'), col('Age', 'date')],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? null, ageOf(o.metadata.creationTimestamp, now)],
  },
  analysistemplates: {
    columns: [NAME, col('Age', 'date')],
    cells: (o, now) => [o.metadata.name, ageOf(o.metadata.creationTimestamp, now)],
  },
};

function readyCondition(o: KubeObject): { status?: string; message?: string } | undefined {
  return (Array.isArray(o.status?.conditions) ? o.status.conditions : []).find((c: { type?: string }) => c.type === 'Ready');
}

/** The READY / STATUS / RESTARTS columns of `kubectl get pods` (printPod). */
export function podSummary(pod: KubeObject, now = Date.now()): { ready: string; status: string; restarts: string } {
  const specContainers: unknown[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  const statuses: Array<Record<string, any>> = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
  const phase: string = pod.status?.phase ?? '';
  let reason: string = pod.status?.reason || phase;
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i]!;
    restarts += num(c.restartCount);
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
    if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
    else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
    else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${num(c.state.terminated.exitCode)}`;
    else if (c.ready && c.state?.running) {
      hasRunning = true;
      readyContainers++;
    }
  }
  if (reason === 'Completed' && hasRunning) {
    const ready = (pod.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
    reason = ready ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsText = `${restarts} (${ageOf(new Date(lastRestart).toISOString(), now)} ago)`;
  return { ready: `${readyContainers}/${specContainers.length}`, status: reason, restarts: restartsText };
}

export function partialObjectMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function tableColumns(rt: ResourceType): ColumnDefinition[] {
  return PRINTERS[rt.resource]?.columns ?? [NAME, col('Age', 'date')];
}

export function tableRow(rt: ResourceType, obj: KubeObject, includeObject: IncludeObject, now = Date.now()): { cells: unknown[]; object?: KubeObject } {
  const printer = PRINTERS[rt.resource];
  const cells = printer ? printer.cells(obj, now) : [obj.metadata.name, ageOf(obj.metadata.creationTimestamp, now)];
  const row: { cells: unknown[]; object?: KubeObject } = { cells };
  if (includeObject === 'Object') row.object = obj;
  else if (includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
  return row;
}

export function toTable(
  rt: ResourceType,
  objects: KubeObject[],
  opts: { includeObject: IncludeObject; resourceVersion?: string; continue?: string; remainingItemCount?: number; noHeaders?: boolean },
): KubeObject {
  const now = Date.now();
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  const table: KubeObject = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, rows: objects.map((o) => tableRow(rt, o, opts.includeObject, now)) };
  if (!opts.noHeaders) table.columnDefinitions = tableColumns(rt);
  return table;
}

