/**
 * `npm run bench:budget`: what the disk budget costs (docs/disk-budget.md#what-it-costs).
 *
 * 1. The write path: readings appended through the event log on LevelDB in group-committed
 *    batches, with the byte-counting store (BudgetStore) and, in the same run, without it (the
 *    baseline). Rounds alternate; medians of events/s and the ratio.
 * 2. Thinning: a backlog of readings over closed minutes, thinned by one shedding pass; readings
 *    thinned per second, and the bytes before and after.
 *
 *   npm run bench:budget -- [--events N] [--rounds R] [--backlog N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { z } from 'zod';
import { createMetrics } from '../hub/metrics.ts';
import { BudgetStore } from '../hub/store/budget-store.ts';
import { EventLog } from '../hub/store/event-log.ts';
import type { KvStore } from '../hub/store/kv-store.ts';
import { createLevelStore } from '../hub/store/level-store.ts';
import { Outbox } from '../hub/store/outbox.ts';
import { Shedder } from '../hub/store/shedding.ts';
import type { Clock } from '../hub/clock.ts';
import { readFlags } from './flags.ts';
import { percentile } from './stats.ts';

const USAGE = `npm run bench:budget -- [--events N] [--rounds R] [--backlog N]
  --events N   readings appended per round (default 50000)
  --rounds R   rounds with and without byte counting, alternating (default 5)
  --backlog N  readings thinned in the thinning measurement (default 50000)
`;

const flags = readFlags(
  { events: { type: 'string' }, rounds: { type: 'string' }, backlog: { type: 'string' } },
  z.object({
    events: z.coerce.number().int().min(1000).default(50_000),
    rounds: z.coerce.number().int().min(1).default(5),
    backlog: z.coerce.number().int().min(1000).default(50_000),
  }),
  USAGE,
);

/** How many appends are in flight at once: enough that group commit forms batches as under load. */
const IN_FLIGHT = 500;
const DEVICES = 50;

/** A clock that moves only when told (the thinning measurement needs closed minutes). */
function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, set: (ms) => void (now = ms), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
}

const reading = (i: number) => ({ kind: 'reading', deviceId: `ox-${i % DEVICES}`, roomId: `room-${i % 20}`, payload: { metric: 'spo2', loinc: '59408-5', value: 90 + (i % 9), unit: '%' } }) as const;

async function appendRound(counting: boolean, events: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-budget-'));
  const level = createLevelStore(dir);
  const store: KvStore = counting ? new BudgetStore(level) : level;
  await store.open();
  const log = new EventLog({ hubId: 'bench', store, clock: manualClock(Date.now()) });
  await log.start();
  const started = performance.now();
  let next = 0;
  async function worker(): Promise<void> {
    while (next < events) await log.append(reading(next++));
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = performance.now() - started;
  await log.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return events / (elapsed / 1000);
}

async function thinning(backlog: number): Promise<{ perS: number; before: number; after: number; summaries: number; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-budget-thin-'));
  const start = Date.parse('2026-11-25T00:00:00.000Z');
  const clock = manualClock(start);
  let shedder: Shedder | null = null;
  const store = new BudgetStore(createLevelStore(dir), { onGrow: () => shedder?.check() });
  await store.open();
  let outbox: Outbox | null = null;
  const log = new EventLog({ hubId: 'bench', store, clock, onDurable: (e) => outbox?.written(e) });
  outbox = new Outbox(store, () => log.forwardableSeq);
  await log.start();
  await outbox.start();
  // One reading per device every 2 s: 30 a minute each.
  let next = 0;
  async function worker(): Promise<void> {
    while (next < backlog) {
      const i = next++;
      await log.append({ ...reading(i), hubTime: new Date(start + Math.floor(i / DEVICES) * 2000).toISOString() });
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const before = store.bytes().total;
  // A budget the backlog fills to 99 %: above the thin threshold, below the ceiling, so the pass
  // thins (oldest first) down to the 70 % target and drops nothing.
  clock.set(start + Math.ceil(backlog / DEVICES) * 2000 + 120_000);
  shedder = new Shedder({ store, bytes: () => store.bytes(), log, outbox, limits: { budgetBytes: Math.round(before / 0.99), reserveBytes: 0 }, clock, logger: pino({ level: 'silent' }), metrics: createMetrics() });
  const started = performance.now();
  shedder.start();
  await shedder.settled();
  const ms = performance.now() - started;
  const stats = shedder.stats();
  const after = store.bytes().total;
  await shedder.stop();
  await log.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const thinned = stats.thinned.reading ?? 0;
  if (Object.keys(stats.dropped).length > 0) throw new Error(`the thinning measurement dropped events: ${JSON.stringify(stats.dropped)}`);
  return { perS: thinned / (ms / 1000), before, after, summaries: stats.summaries, ms };
}

if (flags) {
  const { events, rounds, backlog } = flags;
  console.log(`bench:budget  ${events} readings per round, ${rounds} rounds each, ${IN_FLIGHT} appends in flight, LevelDB in ${tmpdir()}`);
  const counted: number[] = [];
  const plain: number[] = [];
  await appendRound(false, Math.min(events, 5000)); // warm-up: JIT and the page cache
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so a machine that slows down over the run does not favour one side.
    if (r % 2 === 0) {
      plain.push(await appendRound(false, events));
      counted.push(await appendRound(true, events));
    } else {
      counted.push(await appendRound(true, events));
      plain.push(await appendRound(false, events));
    }
  }
  const line = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${label.padEnd(34)} median=${Math.round(percentile(s, 50))}/s  p99=${Math.round(percentile(s, 99))}/s  min=${Math.round(s[0]!)}/s  (rounds: ${xs.map((x) => Math.round(x)).join(', ')})`;
  };
  console.log(line('append, plain LevelDB (baseline)', plain));
  console.log(line('append, with byte counting', counted));
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  console.log(`ratio counted/plain (medians)       ${(median(counted) / median(plain)).toFixed(3)}`);
  const thin = await thinning(backlog);
  console.log(
    `thinning ${backlog} readings            ${Math.round(thin.perS)} readings/s, ${thin.ms.toFixed(0)} ms, ${thin.summaries} summaries, bytes ${thin.before} → ${thin.after} (${((thin.after / thin.before) * 100).toFixed(1)} %)`,
  );
}
