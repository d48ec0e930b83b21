/** Percentiles for benchmark reports (nearest-rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export function formatSummary(label: string, s: Summary, unit = 'ms'): string {
  const f = (x: number) => x.toFixed(2);
  return `${label.padEnd(34)} n=${String(s.n).padStart(5)}  p50=${f(s.p50)}${unit}  p95=${f(s.p95)}${unit}  p99=${f(s.p99)}${unit}  max=${f(s.max)}${unit}`;
}
