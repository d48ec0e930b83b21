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
} as const satisfies Record<string, string>;

type CloudMetric = keyof typeof CLOUD_METRICS;

export interface Metrics {
  batch(stored: number, duplicates: number): void;
  rejected(status: number): void;
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
  for (const name of ['carehub_ingest_batches_total', 'carehub_events_stored_total', 'carehub_events_duplicate_total'] as const) add(name, 0);

  return {
    batch(stored, duplicates) {
      add('carehub_ingest_batches_total', 1);
      add('carehub_events_stored_total', stored);
      add('carehub_events_duplicate_total', duplicates);
    },
    rejected(status) {
      add('carehub_http_rejected_total', 1, `{status="${status}"}`);
    },
    render() {
      const lines: string[] = [];
      for (const [name, series] of values) {
        lines.push(`# HELP ${name} ${CLOUD_METRICS[name]}`, `# TYPE ${name} counter`);
        for (const [labels, n] of [...series].sort(([a], [b]) => a.localeCompare(b))) lines.push(`${name}${labels} ${n}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
