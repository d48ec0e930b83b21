/**
 * In-process counters exposed as Prometheus text (per replica; Prometheus sums them). Every series
 * is declared once in CLOUD_METRICS with a HELP text that says what it counts; render() writes
 * only declared series, so none can appear without its HELP.
 */

/** Every series the relay exposes, keyed by its full name. */
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

/** Gauges read at scrape time from whoever registered them (docs/relay-pressure.md). */
export const CLOUD_GAUGES = {
  carehub_ingest_in_flight: 'Ingest requests being worked on by this replica now',
  carehub_ingest_queued: 'Ingest requests waiting for a slot on this replica now (at most admission.queueMax, each at most admission.queueWaitMs)',
  carehub_ingest_store_latency_ms: 'Moving average of the time an admitted ingest request takes on this replica, ms (the slow-store signal)',
  carehub_hub_clock_skew_seconds: 'Relay receive time minus the hub clock (X-Hub-Time) at its latest batch seen by this replica, by hub; positive: the hub is behind',
  carehub_hubs_clock_skewed: 'Hubs whose latest clock skew seen by this replica is beyond clockSkewBoundMs',
} as const satisfies Record<string, string>;

export type CloudGauge = keyof typeof CLOUD_GAUGES;

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
  render(): string;
}

export function createMetrics(): Metrics {
  /** keyed by metric name, then by the rendered label set ('' for none) */
  const values = new Map<CloudMetric, Map<string, number>>(Object.keys(CLOUD_METRICS).map((name) => [name as CloudMetric, new Map()]));
  const add = (name: CloudMetric, by: number, labels = '') => {
    const series = values.get(name)!;
    series.set(labels, (series.get(labels) ?? 0) + by);
  };
  // Unlabelled counters start at 0 so a scrape shows them before the first batch.
  for (const name of ['carehub_ingest_batches_total', 'carehub_events_stored_total', 'carehub_events_duplicate_total', 'carehub_hub_time_rejected_total'] as const) add(name, 0);
  /** keyed by gauge name */
  const gauges = new Map<CloudGauge, () => readonly GaugeSample[]>();

  return {
    batch(stored, duplicates) {
      add('carehub_ingest_batches_total', 1);
      add('carehub_events_stored_total', stored);
      add('carehub_events_duplicate_total', duplicates);
    },
    rejected(status) {
      add('carehub_http_rejected_total', 1, `{status="${status}"}`);
    },
    shed(reason) {
      add('carehub_ingest_shed_total', 1, `{reason="${reason}"}`);
    },
    hubTimeRejected() {
      add('carehub_hub_time_rejected_total', 1);
    },
    gauge(name, read) {
      gauges.set(name, read);
    },
    render() {
      const lines: string[] = [];
      for (const [name, series] of values) {
        lines.push(`# HELP ${name} ${CLOUD_METRICS[name]}`, `# TYPE ${name} counter`);
        for (const [labels, n] of [...series].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${name}${labels} ${n}`);
      }
      for (const [name, read] of gauges) {
        lines.push(`# HELP ${name} ${CLOUD_GAUGES[name]}`, `# TYPE ${name} gauge`);
        for (const { labels, value } of read()) lines.push(`${name}${labels} ${value}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
