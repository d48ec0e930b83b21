/** In-process counters exposed as Prometheus text (per replica; Prometheus sums them). */

export interface Metrics {
  batch(stored: number, duplicates: number): void;
  rejected(status: number): void;
  render(): string;
}

export function createMetrics(): Metrics {
  let batches = 0;
  let stored = 0;
  let duplicates = 0;
  // keyed by HTTP status code of a problem answer
  const rejectedByStatus = new Map<number, number>();

  return {
    batch(s, d) {
      batches += 1;
      stored += s;
      duplicates += d;
    },
    rejected(status) {
      rejectedByStatus.set(status, (rejectedByStatus.get(status) ?? 0) + 1);
    },
    render() {
      const lines = [
        '# HELP carehub_ingest_batches_total Ingest batches accepted.',
        '# TYPE carehub_ingest_batches_total counter',
        `carehub_ingest_batches_total ${batches}`,
        '# HELP carehub_events_stored_total Events stored for the first time.',
        '# TYPE carehub_events_stored_total counter',
        `carehub_events_stored_total ${stored}`,
        '# HELP carehub_events_duplicate_total Events received again and ignored (replays, retries).',
        '# TYPE carehub_events_duplicate_total counter',
        `carehub_events_duplicate_total ${duplicates}`,
        '# HELP carehub_http_rejected_total Requests answered with a problem, by status.',
        '# TYPE carehub_http_rejected_total counter',
        ...[...rejectedByStatus].sort(([a], [b]) => a - b).map(([s, n]) => `carehub_http_rejected_total{status="${s}"} ${n}`),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
