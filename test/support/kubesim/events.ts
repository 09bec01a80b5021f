/**
 * core/v1 Events as controllers and the kubelet record them through client-go's event recorder:
 * one Event per (object, type, reason, message, source); repeats bump `count` and `lastTimestamp`
 * instead of creating new objects (the event correlator's aggregation of identical events).
 */
import type { Store } from './store';
import { ApiError } from './status';
import { rfc3339, type KubeObject } from './util';

export interface EventSource {
  component: string;
  host?: string;
}

export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: EventSource;
  /** e.g. `spec.containers{app}` for container events */
  fieldPath?: string;
}

export class EventRecorder {
  /** correlation key -> event name */
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  private counter = 0;

  constructor(private readonly store: Store) {}

  record(involved: KubeObject, ev: RecordedEvent): void {
    const namespace = involved.metadata.namespace || 'default';
    const key = [involved.metadata.uid, ev.type, ev.reason, ev.message, ev.source.component, ev.source.host ?? '', ev.fieldPath ?? ''].join('\u0000');
    const now = Date.now();
    const existing = this.seen.get(key);
    if (existing) {
      const current = this.store.tryGet('events', existing.namespace, existing.name);
      if (current) {
        current.count = (current.count ?? 1) + 1;
        current.lastTimestamp = rfc3339(now);
        this.store.update('events', existing.namespace, existing.name, current);
        return;
      }
    }
    // record.EventRecorder names events "<object>.<unix nanos in hex>"
    this.counter += 1;
    const nanos = BigInt(now) * 1_000_000n + BigInt(this.counter % 1_000_000);
    const name = `${involved.metadata.name}.${nanos.toString(16)}`;
    const involvedObject: Record<string, unknown> = {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    };
    if (!involved.metadata.namespace) delete involvedObject.namespace;
    if (ev.fieldPath) involvedObject.fieldPath = ev.fieldPath;
    const source: Record<string, string> = { component: ev.source.component };
    if (ev.source.host) source.host = ev.source.host;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason: ev.reason,
      message: ev.message,
      source,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
      type: ev.type,
      eventTime: null,
      reportingComponent: ev.source.component,
      reportingInstance: ev.source.host ?? '',
    };
    try {
      const created = this.store.create('events', event, { namespace });
      this.seen.set(key, { namespace, name: created.metadata.name! });
    } catch (err) {
      // like client-go's recorder, events are best effort: a namespace being deleted drops them
      if (!(err instanceof ApiError)) throw err;
    }
  }
}
