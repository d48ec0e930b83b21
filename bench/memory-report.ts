/**
 * The figures bench/memory.ts prints, from the RSS samples of one server: pure, so the growth and
 * goal arithmetic is tested without starting anything (test/bench/memory-report.test.ts).
 */

/** docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory: the hub's goals with 1,000 devices. */
export const PEAK_GOAL_MIB = 100;
export const GROWTH_GOAL_PERCENT = 5;

export interface RssSample {
  /** ms since the soak started (negative: before it, while idle or connecting) */
  atMs: number;
  rssMiB: number;
}

export interface MemoryFigures {
  /** median RSS while idle, before any device connected */
  idle: number;
  /** median RSS over the first window of the soak, just after the devices connected */
  connected: number;
  /** highest RSS sampled during the soak */
  peak: number;
  /** median RSS over the window that ends at half the soak */
  half: number;
  /** median RSS over the soak's last window */
  end: number;
  /** (end − half) / half, in per cent: the creep over the second half */
  growthPercent: number;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Points in time are medians over a window (a tenth of the soak, at least 3 s and at most 30 s), so
 * one garbage collection caught in a sample does not decide the growth figure.
 */
export function memoryFigures(idle: readonly RssSample[], soak: readonly RssSample[], soakMs: number): MemoryFigures {
  const windowMs = Math.min(30_000, Math.max(3_000, soakMs / 10));
  const within = (from: number, to: number) => soak.filter((s) => s.atMs >= from && s.atMs <= to).map((s) => s.rssMiB);
  const half = median(within(soakMs / 2 - windowMs, soakMs / 2));
  const end = median(within(soakMs - windowMs, soakMs));
  return {
    idle: median(idle.map((s) => s.rssMiB)),
    connected: median(within(0, windowMs)),
    peak: Math.max(...soak.map((s) => s.rssMiB)),
    half,
    end,
    growthPercent: ((end - half) / half) * 100,
  };
}

export function figuresLine(label: string, f: MemoryFigures): string {
  const mib = (x: number) => `${x.toFixed(1)} MiB`.padStart(10);
  const growth = `${f.growthPercent >= 0 ? '+' : ''}${f.growthPercent.toFixed(1)}%`;
  return `${label.padEnd(14)} idle ${mib(f.idle)}  connected ${mib(f.connected)}  peak ${mib(f.peak)}  half ${mib(f.half)}  end ${mib(f.end)}  growth over 2nd half ${growth}`;
}

/** The hub against its goals, and against the bare broker measured in the same run. */
export function verdictLines(hub: MemoryFigures, aedes: MemoryFigures): string[] {
  return [
    `hub − bare aedes: idle +${(hub.idle - aedes.idle).toFixed(1)} MiB, peak +${(hub.peak - aedes.peak).toFixed(1)} MiB; hub/aedes peak ×${(hub.peak / aedes.peak).toFixed(2)}`,
    `goal hub peak ≤ ${PEAK_GOAL_MIB} MiB: ${hub.peak <= PEAK_GOAL_MIB ? 'met' : 'NOT met'} (${hub.peak.toFixed(1)} MiB)`,
    `goal hub growth over 2nd half < ${GROWTH_GOAL_PERCENT}%: ${hub.growthPercent < GROWTH_GOAL_PERCENT ? 'met' : 'NOT met'} (${hub.growthPercent.toFixed(1)}%)`,
  ];
}
