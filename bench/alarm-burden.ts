/**
 * npm run bench:alarm-burden — does the rule set catch every true event without burying staff in
 * alarms? (docs/alarm-burden.md)
 *
 * Plays a simulated week for 50 residents from firmware-sim's load mode (firmware-sim/week-load.ts:
 * a worn oximeter, the observation rounds' spot checks and a carehub-wearable each, with device
 * artefacts and scripted true events) through the hub's own Pipeline.ingest, RuleEngine (every rule
 * of hub/rules/index.ts) and AlarmService, in this process, on a simulated clock: wake-ups, escalation
 * and staff who acknowledge and resolve every alarm a few minutes after it sounds all run in simulated
 * time, so a week takes minutes. The wearables' activities and falls are SisFall recordings.
 *
 * Storage is in memory, and the outbox is dropped as it is written (as if the relay acknowledged at
 * once): neither is what this bench measures, and a week's readings would otherwise fill the memory.
 *
 * Figures on stdout, progress on stderr. Exit status 1 when the goal is missed (an event without an
 * alarm, or more than 1 non-actionable alarm per resident-day). Flags: --help.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { DeviceInput } from '../drivers/device-input.ts';
import { carehubWearable } from '../drivers/devices/carehub-wearable.ts';
import { planWeek, weekInputs, type Recording, type WeekPlan } from '../firmware-sim/week-load.ts';
import { AlarmService } from '../hub/alarms/alarm-service.ts';
import { CallDedup } from '../hub/call-dedup.ts';
import { HubConfig, type DeviceConfig } from '../hub/config.ts';
import { parseSisFall } from '../hub/falls/sisfall.ts';
import { createLogger } from '../hub/logger.ts';
import { createMetrics } from '../hub/metrics.ts';
import { Pipeline } from '../hub/pipeline.ts';
import { RuleEngine } from '../hub/rules/engine.ts';
import { RULES } from '../hub/rules/index.ts';
import { EventLog } from '../hub/store/event-log.ts';
import { OUTBOX_PREFIX } from '../hub/store/keys.ts';
import type { KvStore } from '../hub/store/kv-store.ts';
import { createMemoryStore } from '../hub/store/memory-store.ts';
import { scoreBurden, type AlarmRecord, type BurdenScore } from './alarm-burden-score.ts';
import { readFlags as readBenchFlags } from './flags.ts';
import { SimClock } from './sim-clock.ts';
import { summarise } from './stats.ts';

const USAGE = `npm run bench:alarm-burden -- [flags]

A simulated week of residents' devices, with artefacts and scripted true events, through the hub's
pipeline, rules and alarms on a simulated clock. Prints the share of true events that alarmed, how
fast, and the non-actionable alarms per resident-day.

  --residents N  residents (50)
  --days D       simulated days (7)
  --seed S       the generator's seed (1)
  --data DIR     the SisFall sample (../shared/data/falls/sisfall)
  --rules JSON   rule options merged over the home's, per rule id, e.g. '{"news2":{"confirmMs":0}}'
  --help         this text
`;

const Flags = z.strictObject({
  residents: z.coerce.number().int().min(1).max(1000),
  days: z.coerce.number().min(1).max(60),
  seed: z.coerce.number().int(),
  data: z.string().min(1),
  rules: z
    .string()
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.record(z.string(), z.unknown())).parse(JSON.parse(text));
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `an object of rule options by rule id: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
});
type Flags = z.infer<typeof Flags>;

/** The goal (issue 9): every scripted event alarms, and at most this many non-actionable alarms per resident-day. */
export const GOAL_PER_RESIDENT_DAY = 1;

const MINUTE = 60_000;
/** Monday 2026-11-23, 00:00 UTC; the rounds are at UTC clock times. */
const START = Date.UTC(2026, 10, 23);
const NURSE = { kind: 'panel', id: 'nurse-sim' } as const;

const say = (line: string) => process.stdout.write(line + '\n');
const progress = (line: string) => process.stderr.write(line + '\n');

/** SisFall's waist unit, as the wearable streams it: activities of daily living and falls, by file. */
export function loadRecordings(dir: string): { adl: Recording[]; fall: Recording[] } {
  const lines = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const [fileCol, labelCol] = [header.indexOf('file'), header.indexOf('label')];
  const adl: Recording[] = [];
  const fall: Recording[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const file = cells[fileCol]!;
    const trace = parseSisFall(readFileSync(join(dir, file), 'utf8'));
    (cells[labelCol] === 'fall' ? fall : adl).push({ name: file, hz: trace.sampleRateHz, samples: trace.adxl });
  }
  return { adl, fall };
}

/** The store under the bench's hub: memory, with the outbox dropped as written (the relay took it at once). */
function benchStore(): KvStore {
  const inner = createMemoryStore();
  return {
    open: () => inner.open(),
    close: () => inner.close(),
    get: (key) => inner.get(key),
    entries: (range) => inner.entries(range),
    batch: (ops, options) => inner.batch(ops.filter((op) => !op.key.startsWith(OUTBOX_PREFIX)), options),
  };
}

/** Rule options as the home would set them: residents on SpO2 scale 2, the continuously worn oximeters supervised at 30 min. */
export function ruleOptionsFor(plan: WeekPlan): Record<string, unknown> {
  const scale2 = Object.fromEntries(plan.residents.filter((r) => r.scale2).map((r) => [r.residentId, { spo2Scale: 2 }]));
  const perDevice: Record<string, number> = {};
  for (const r of plan.residents) {
    // A worn oximeter sends at least once a minute; 30 min covers a walk out of radio range. The
    // wearable is held to three of its model's status intervals, as hub/rules/report-intervals.ts does.
    perDevice[r.oximeter] = 30 * MINUTE;
    perDevice[r.wearable] = 3 * carehubWearable.reportIntervalMs;
  }
  return { 'vital-thresholds': { residents: scale2 }, news2: { residents: scale2 }, supervision: { perDevice } };
}

export interface BurdenRun {
  score: BurdenScore;
  plan: WeekPlan;
  inputs: number;
  alarms: AlarmRecord[];
  wallMs: number;
}

/** Plays the plan through the hub's pipeline on a simulated clock and scores it. */
export async function runBurden(plan: WeekPlan, onProgress: (line: string) => void = () => {}, extraRules: Record<string, Record<string, unknown>> = {}): Promise<BurdenRun> {
  const started = performance.now();
  const clock = new SimClock(plan.options.startMs);
  const store = benchStore();
  const logger = createLogger('error');
  const metrics = createMetrics();
  const home = ruleOptionsFor(plan) as Record<string, Record<string, unknown>>;
  const rules = { ...home };
  for (const [id, extra] of Object.entries(extraRules)) rules[id] = { ...home[id], ...extra };
  const config = HubConfig.parse({ hubId: 'hub-burden', rules });
  const log = new EventLog({ hubId: config.hubId, store, clock });
  const alarms = new AlarmService({ store, log, clock, logger, metrics, escalation: config.alarms });
  const engine = new RuleEngine({ rules: RULES, ruleOptions: config.rules, alarms, store, clock, logger });
  const pipeline = new Pipeline({ log, engine, dedup: new CallDedup(config.dedupWindowMs), clock, logger, metrics });
  await store.open();
  await log.start();
  await alarms.start();
  await engine.start();

  /** configured devices, keyed by device id */
  const devices = new Map<string, DeviceConfig>();
  for (const r of plan.residents) {
    for (const id of [r.oximeter, r.spot, r.wearable]) devices.set(id, { id, roomId: r.roomId, residentId: r.residentId } as DeviceConfig);
  }

  // Staff: every alarm is acknowledged 30 s–3 min after it sounds and resolved 1–10 min later.
  const records: AlarmRecord[] = [];
  /** staff actions not yet done, by due time (small: a few open alarms at a time) */
  const staff: Array<{ at: number; id: string; op: 'acknowledge' | 'resolve' }> = [];
  const seen = new Set<string>();
  let staffRandom = plan.options.seed >>> 0;
  const nextRandom = () => ((staffRandom = (Math.imul(staffRandom, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const repeats = new Map<string, number>();
  alarms.onChange((alarm) => {
    const at = clock.now();
    const base = { type: alarm.type, residentId: alarm.residentId, deviceId: alarm.deviceId, priority: alarm.priority, at };
    if (!seen.has(alarm.id)) {
      seen.add(alarm.id);
      records.push({ op: 'raise', ...base });
      const ackAt = at + (0.5 + 2.5 * nextRandom()) * MINUTE;
      staff.push({ at: ackAt, id: alarm.id, op: 'acknowledge' }, { at: ackAt + (1 + 9 * nextRandom()) * MINUTE, id: alarm.id, op: 'resolve' });
      staff.sort((a, b) => a.at - b.at);
    } else if (alarm.repeats > (repeats.get(alarm.id) ?? 0)) {
      records.push({ op: 'repeat', ...base });
    }
    repeats.set(alarm.id, alarm.repeats);
  });

  /** Waits for every wake-up already fired: they run on the engine's queue, ahead of this no-op event. */
  const settle = async () => {
    await engine.handle({ id: '0190f000-0000-7000-8000-ffffffffffff', hubId: config.hubId, seq: 0, hubTime: new Date(clock.now()).toISOString(), kind: 'audit', payload: { action: 'bench-settle', actor: { kind: 'system' } } });
    await alarms.whenIdle();
  };
  /** Fires every timer and staff action due by `t`, in time order, then moves the clock to `t`. */
  const runUntil = async (t: number) => {
    for (;;) {
      const timerAt = clock.nextAt();
      const staffAt = staff[0]?.at ?? Infinity;
      if (Math.min(timerAt, staffAt) > t) break;
      if (staffAt < timerAt) {
        const action = staff.shift()!;
        clock.moveTo(action.at);
        const alarm = alarms.get(action.id);
        // The rule may have cleared it already (a device reporting again), or staff resolve before acknowledging.
        if (alarm && alarm.state !== 'resolved' && !(action.op === 'acknowledge' && alarm.state !== 'active')) {
          await (action.op === 'acknowledge' ? alarms.acknowledge(action.id, NURSE) : alarms.resolve(action.id, NURSE));
        }
      } else {
        clock.fireNext(t);
      }
      await settle();
    }
    clock.moveTo(t);
  };

  let inputs = 0;
  let nextReport = plan.options.startMs;
  for (const item of weekInputs(plan)) {
    await runUntil(item.at);
    await pipeline.ingest(devices.get(item.deviceId)!, item.input as DeviceInput, item.input.kind === 'accelerometer' || item.deviceId.endsWith('-spot') ? 'mqtt' : 'serial');
    inputs++;
    if (item.at >= nextReport) {
      onProgress(`day ${((item.at - plan.options.startMs) / 86_400_000).toFixed(1)}: ${inputs} inputs, ${records.filter((r) => r.op === 'raise').length} alarms, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      nextReport += 12 * 60 * MINUTE;
    }
  }
  await runUntil(plan.options.startMs + plan.options.days * 86_400_000);
  pipeline.stop();
  await engine.stop();
  await alarms.stop();
  await store.close();
  const residentDays = plan.residents.length * plan.options.days;
  return { score: scoreBurden(plan.events, records, residentDays), plan, inputs, alarms: records, wallMs: performance.now() - started };
}

const minutes = (ms: number) => `${(ms / MINUTE).toFixed(1)} min`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

export function report(run: BurdenRun, out: (line: string) => void = say): boolean {
  const { score, plan } = run;
  out(`alarm burden: ${plan.residents.length} residents × ${plan.options.days} days (${score.residentDays} resident-days), seed ${plan.options.seed}; ${run.inputs} inputs in ${(run.wallMs / 1000).toFixed(1)} s wall time`);
  out(`artefacts: ${Object.entries(plan.artefacts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out('');
  out('true events            alarmed        time to alarm p50 / p99 / max');
  for (const [kind, k] of Object.entries(score.byKind)) {
    const s = summarise(k.latenciesMs);
    const fmt = kind === 'fever' || kind === 'silent-device' ? minutes : seconds;
    out(`${kind.padEnd(22)} ${`${k.alarmed}/${k.events}`.padEnd(14)} ${k.latenciesMs.length ? `${fmt(s.p50)} / ${fmt(s.p99)} / ${fmt(s.max)}` : '—'}`);
  }
  const total = plan.events.length;
  out(`${'all'.padEnd(22)} ${`${score.alarmed}/${total}`} (${((100 * score.alarmed) / Math.max(1, total)).toFixed(1)} %)`);
  for (const o of score.outcomes.filter((o) => !o.alarm)) out(`  missed: ${o.event.kind} ${o.event.residentId} at ${new Date(o.event.startAt).toISOString()} (${o.event.detail})`);
  out('');
  out(`alarms raised: ${score.raised}; non-actionable: ${score.nonActionable} = ${score.nonActionablePerResidentDay.toFixed(3)} per resident-day (goal ≤ ${GOAL_PER_RESIDENT_DAY})`);
  for (const [type, n] of Object.entries(score.nonActionableByType).sort((a, b) => b[1] - a[1])) out(`  ${type.padEnd(26)} ${n}`);
  const met = score.alarmed === total && score.nonActionablePerResidentDay <= GOAL_PER_RESIDENT_DAY;
  out(`goal ${met ? 'met' : 'MISSED'}: every scripted event alarms, and at most ${GOAL_PER_RESIDENT_DAY} non-actionable alarm per resident-day`);
  return met;
}

async function main(): Promise<void> {
  const flags: Flags | null = readBenchFlags(
    {
      residents: { type: 'string', default: '50' },
      days: { type: 'string', default: '7' },
      seed: { type: 'string', default: '1' },
      data: { type: 'string', default: resolve(import.meta.dirname, '../../shared/data/falls/sisfall') },
      rules: { type: 'string', default: '{}' },
    },
    Flags,
    USAGE,
  );
  if (!flags) return;
  if (!existsSync(join(flags.data, 'labels.csv'))) {
    process.stderr.write(`no SisFall sample at ${flags.data} (--data DIR)\n`);
    process.exitCode = 2;
    return;
  }
  const plan = planWeek({ residents: flags.residents, days: flags.days, seed: flags.seed, startMs: START, recordings: loadRecordings(flags.data) });
  if (Object.keys(flags.rules).length > 0) say(`rule options over the home's: ${JSON.stringify(flags.rules)}`);
  const run = await runBurden(plan, progress, flags.rules);
  if (!report(run)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
