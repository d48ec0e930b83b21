/**
 * Thinning, the pure part (docs/disk-budget.md#thinning): raw readings in, one summary per device,
 * metric and minute out (min, max, mean, count and the seqs it replaces). No I/O, no clock: the
 * caller says which minute is still open.
 */
import type { EventDraft, EventOf } from '../../protocols/event.ts';

export type ReadingEvent = EventOf<'reading'>;
export type ReadingSummaryDraft = Extract<EventDraft, { kind: 'reading-summary' }>;

export interface SummariseOptions {
  /** Readings received at or after this time (ms) are left alone: their minute is not over yet. */
  openFromMs: number;
  /**
   * A group with fewer readings is left raw: a summary is about the size of two readings, so
   * replacing one or two saves nothing.
   */
  minReadings?: number;
}

export interface Thinning {
  summaries: ReadingSummaryDraft[];
  /** seqs of the readings the summaries replace, ascending */
  replacedSeqs: number[];
}

const MINUTE_MS = 60_000;
/** A summary may name at most this many readings (protocols/event.ts caps its seq runs at 10,000). */
const MAX_READINGS_PER_SUMMARY = 5_000;
export const DEFAULT_MIN_READINGS = 3;

interface Group {
  first: ReadingEvent;
  minuteMs: number;
  readings: ReadingEvent[];
}

/** One summary per device × resident × room × metric × unit × minute (hub time) of closed minutes. */
export function summariseReadings(readings: readonly ReadingEvent[], options: SummariseOptions): Thinning {
  const minReadings = options.minReadings ?? DEFAULT_MIN_READINGS;
  /** keyed by device, resident, room, metric, unit and minute start, joined with NUL */
  const groups = new Map<string, Group>();
  for (const reading of readings) {
    const at = Date.parse(reading.hubTime);
    if (!(at < options.openFromMs)) continue;
    // A value a member of staff entered by hand keeps who entered it: never folded into a summary.
    if ('enteredBy' in reading.payload && reading.payload.enteredBy !== undefined) continue;
    const minuteMs = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    // Resident and room are in the key: a device moved to another bed mid-minute gives two summaries.
    const key = [reading.deviceId, reading.residentId, reading.roomId, reading.payload.metric, reading.payload.unit, minuteMs].join('\u0000');
    let group = groups.get(key);
    if (!group) {
      group = { first: reading, minuteMs, readings: [] };
      groups.set(key, group);
    }
    group.readings.push(reading);
  }
  const summaries: ReadingSummaryDraft[] = [];
  const replacedSeqs: number[] = [];
  for (const group of groups.values()) {
    if (group.readings.length < minReadings) continue;
    group.readings.sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < group.readings.length; i += MAX_READINGS_PER_SUMMARY) {
      const part = group.readings.slice(i, i + MAX_READINGS_PER_SUMMARY);
      summaries.push(summaryOf(group, part));
      for (const r of part) replacedSeqs.push(r.seq);
    }
  }
  replacedSeqs.sort((a, b) => a - b);
  return { summaries, replacedSeqs };
}

function summaryOf(group: Group, readings: readonly ReadingEvent[]): ReadingSummaryDraft {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const r of readings) {
    const v = r.payload.value;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  // Float rounding can put sum/count a hair outside [min, max] (three 0.1s average 0.10000000000000002).
  const mean = Math.min(max, Math.max(min, sum / readings.length));
  const { first } = group;
  return {
    kind: 'reading-summary',
    ...(first.deviceId !== undefined && { deviceId: first.deviceId }),
    ...(first.roomId !== undefined && { roomId: first.roomId }),
    ...(first.residentId !== undefined && { residentId: first.residentId }),
    payload: {
      metric: first.payload.metric,
      loinc: first.payload.loinc,
      unit: first.payload.unit,
      minute: new Date(group.minuteMs).toISOString(),
      count: readings.length,
      min,
      max,
      mean,
      seqs: seqRuns(readings.map((r) => r.seq)),
    },
  };
}

/** Ascending seqs as inclusive `[first, last]` runs: 1,2,3,7 → [[1,3],[7,7]]. */
export function seqRuns(sortedSeqs: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const seq of sortedSeqs) {
    const last = runs[runs.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else if (!last || seq > last[1]) runs.push([seq, seq]);
  }
  return runs;
}
