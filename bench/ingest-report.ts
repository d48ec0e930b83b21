/**
 * The figures bench/ingest.ts prints, from its round results: pure, so the checks that decide
 * whether a run is sound (every PUBACKed reading on disk) are tested without a broker
 * (test/bench/ingest-report.test.ts).
 */
import type { IngestLoadResult } from './ingest-load.ts';
import type { StoredCounts } from './ingest-server.ts';
import { formatSummary, summarise } from './stats.ts';

/** docs/benchmarks.md: the hub should take at least half the readings/s of a bare aedes broker. */
export const GOAL = 0.5;

export type ServerKind = 'aedes' | 'hub';
export const LABEL: Record<ServerKind, string> = { aedes: 'bare aedes', hub: 'hub (LevelDB)' };

export interface RoundResult {
  server: ServerKind;
  round: number;
  load: IngestLoadResult;
  /** the server process's CPU time while under load, ms */
  serverCpuMs: number;
  /** the load generator's (this process's) CPU time while under load, ms */
  clientCpuMs: number;
  /** hub rounds only */
  stored: StoredCounts | null;
}

/** PUBACKs per second inside the measured window. */
export const rate = (r: RoundResult): number => r.load.ackedInWindow / (r.load.windowMs / 1000);

/** ms of CPU per 1000 PUBACKed readings: a figure the machine's other load disturbs less than readings/s. */
const cpuPer1000 = (cpuMs: number, r: RoundResult): number => (r.load.ackedTotal > 0 ? (cpuMs / r.load.ackedTotal) * 1000 : NaN);

/** The middle round, or the mean of the middle two: nearest-rank p50 would report the slower of two rounds. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Every PUBACKed reading must be in the event log on disk; anything else is a durability bug, not a slow run. */
export function storageProblems(r: RoundResult): string[] {
  if (!r.stored) return [];
  const { ackedTotal } = r.load;
  const problems: string[] = [];
  if (r.stored.onDisk < ackedTotal) problems.push(`${ackedTotal - r.stored.onDisk} PUBACKed readings are missing from the LevelDB outbox`);
  if (r.stored.metric < ackedTotal) problems.push(`inputs_total counted ${r.stored.metric}, fewer than the ${ackedTotal} PUBACKs`);
  return problems;
}

export function roundLine(r: RoundResult): string {
  const lat = summarise(r.load.latenciesMs);
  let line =
    `round ${r.round} ${LABEL[r.server].padEnd(14)} ${rate(r).toFixed(0).padStart(6)} readings/s  ` +
    `p50=${lat.p50.toFixed(1)}ms p99=${lat.p99.toFixed(1)}ms  ` +
    `CPU per 1000: server ${cpuPer1000(r.serverCpuMs, r).toFixed(1)} ms, load generator ${cpuPer1000(r.clientCpuMs, r).toFixed(1)} ms`;
  if (r.load.failed > 0 || r.load.unacked > 0) line += `  failed=${r.load.failed} unacked=${r.load.unacked}`;
  if (r.stored) line += `  on disk ${r.stored.onDisk}/${r.load.ackedTotal} PUBACKed (log seq ${r.stored.logSeq})`;
  return line;
}

export interface Verdict {
  lines: string[];
  ratio: number;
  /** a round lost PUBACKed readings: the run must fail */
  durable: boolean;
}

/** Medians over rounds, latency over every round's samples, the ratio against the goal, the storage check. */
export function summaryLines(results: readonly RoundResult[]): Verdict {
  const of = (kind: ServerKind) => results.filter((r) => r.server === kind);
  const rates = { aedes: median(of('aedes').map(rate)), hub: median(of('hub').map(rate)) };
  const cpu = {
    aedes: median(of('aedes').map((r) => cpuPer1000(r.serverCpuMs, r))),
    hub: median(of('hub').map((r) => cpuPer1000(r.serverCpuMs, r))),
  };
  const ratio = rates.hub / rates.aedes;
  const lines = [
    `median ${LABEL.aedes.padEnd(14)} ${rates.aedes.toFixed(0).padStart(6)} readings/s`,
    `median ${LABEL.hub.padEnd(14)} ${rates.hub.toFixed(0).padStart(6)} readings/s`,
    ...(['aedes', 'hub'] as const).map((kind) => formatSummary(`publish→PUBACK ${LABEL[kind]}`, summarise(of(kind).flatMap((r) => r.load.latenciesMs)))),
    `server CPU per 1000 readings (median): aedes ${cpu.aedes.toFixed(1)} ms, hub ${cpu.hub.toFixed(1)} ms; ` +
      `aedes/hub ×${(cpu.aedes / cpu.hub).toFixed(2)} (the ratio if each server had a core to itself and the load kept up)`,
    `ratio hub/aedes ×${ratio.toFixed(2)} (goal ≥ ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'})`,
  ];
  const problems = results.flatMap((r) => storageProblems(r).map((p) => `DURABILITY: round ${r.round}: ${p}`));
  return { lines: [...lines, ...problems], ratio, durable: problems.length === 0 };
}
