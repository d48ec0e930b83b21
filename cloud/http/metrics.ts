/**
 * The relay's Prometheus metrics, kept by prom-client in a registry of this relay's own (not the
 * library's global one, so several relays in one process, as in tests, do not share series). Per
 * replica; Prometheus sums them. Every series is declared once in CLOUD_METRICS or CLOUD_GAUGES
 * with a HELP text that says what it counts; nothing else is registered.
 */
import { Counter, Gauge, Registry } from 'prom-client';

/** Every counter the relay exposes, keyed by its full name. */
export const CLOUD_METRICS = {
  carehub_ingest_batches_total: 'Ingest batches (POST /v1/ingest) accepted and acknowledged',
  carehub_events_stored_total: 'Events stored for the first time',
  carehub_events_duplicate_total: 'Events received again and ignored (replays, retries)',
  carehub_http_rejected_total: 'Requests answered with a problem (RFC 9457), by HTTP status',
  carehub_ingest_shed_total:
    'Ingest requests turned away before any work, by reason: hub-in-flight and hub-rate (429, one hub), in-flight and slow-store (503, the whole relay)',
  carehub_hub_time_rejected_total: 'Ingest requests whose X-Hub-Time header was not an ISO 8601 time (the batch is still stored; no skew measured)',
} as const satisfies Record<string, string>;

type CloudMetric = keyof typeof CLOUD_METRICS;

/** Label names of each counter (none for the rest). */
const COUNTER_LABELS: Partial<Record<CloudMetric, readonly string[]>> = {
  carehub_http_rejected_total: ['status'],
  carehub_ingest_shed_total: ['reason'],
};

/** Gauges read at scrape time from whoever registered them (docs/relay-pressure.md). */
export const CLOUD_GAUGES = {
  carehub_ingest_in_flight: 'Ingest requests being worked on by this replica now',
  carehub_ingest_queued: 'Ingest requests waiting for a slot on this replica now (at most admission.queueMax, each at most admission.queueWaitMs)',
  carehub_ingest_store_latency_ms: 'Moving average of the time an admitted ingest request takes on this replica, ms (the slow-store signal)',
  carehub_hub_clock_skew_seconds: 'Relay receive time minus the hub clock (X-Hub-Time) at its latest batch seen by this replica, by hub; positive: the hub is behind',
  carehub_hubs_clock_skewed: 'Hubs whose latest clock skew seen by this replica is beyond clockSkewBoundMs',
} as const satisfies Record<string, string>;

export type CloudGauge = keyof typeof CLOUD_GAUGES;

/** Label names of each gauge (none for the rest). */
const GAUGE_LABELS: Partial<Record<CloudGauge, readonly string[]>> = {
  carehub_hub_clock_skew_seconds: ['hub'],
};

/** One sample of a gauge; labels already rendered (`{hub="h1"}`) or '' for none. */
export interface GaugeSample {
  labels: string;
  value: number;
}

export interface Metrics {
  batch(stored: number, duplicates: number): void;
  rejected(status: number): void;
  shed(reason: string): void;
  hubTimeRejected(): void;
  /** Registers the reader of a gauge; a later registration of the same name replaces it. */
  gauge(name: CloudGauge, read: () => readonly GaugeSample[]): void;
  /** The Prometheus text exposition of every series. */
  render(): Promise<string>;
  /** The content type of render()'s text. */
  readonly contentType: string;
}

/** `{hub="h1",x="y"}` back to labels; the readers render them, prom-client wants them as an object. */
function parseLabels(rendered: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of rendered.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
  return labels;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const counter = (name: CloudMetric) => new Counter({ name, help: CLOUD_METRICS[name], labelNames: COUNTER_LABELS[name] ?? [], registers: [registry] });
  const batches = counter('carehub_ingest_batches_total');
  const stored = counter('carehub_events_stored_total');
  const duplicates = counter('carehub_events_duplicate_total');
  const rejected = counter('carehub_http_rejected_total');
  const shed = counter('carehub_ingest_shed_total');
  const hubTimeRejected = counter('carehub_hub_time_rejected_total');
  /** keyed by gauge name: the current reader (a later registration replaces it) */
  const readers = new Map<CloudGauge, () => readonly GaugeSample[]>();

  return {
    batch(s, d) {
      batches.inc();
      stored.inc(s);
      duplicates.inc(d);
    },
    rejected(status) {
      rejected.inc({ status: String(status) });
    },
    shed(reason) {
      shed.inc({ reason });
    },
    hubTimeRejected() {
      hubTimeRejected.inc();
    },
    gauge(name, read) {
      // Created on first registration, so a gauge nobody feeds is not shown as a made-up 0.
      if (!readers.has(name)) {
        new Gauge({
          name,
          help: CLOUD_GAUGES[name],
          labelNames: GAUGE_LABELS[name] ?? [],
          registers: [registry],
          collect() {
            this.reset();
            for (const { labels, value } of readers.get(name)?.() ?? []) this.set(parseLabels(labels), value);
          },
        });
      }
      readers.set(name, read);
    },
    render() {
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}
