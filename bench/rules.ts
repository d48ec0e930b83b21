/**
 * npm run bench:rules — what the edge rules cost (docs/benchmarks.md#rules-what-the-edge-rules-cost-npm-run-benchrules).
 *
 * Part 1, in this process: events/s through a RuleEngine with every rule of hub/rules/index.ts and
 * rule options for the residents, its state, alarms and event log on a LevelDB in a temp folder,
 * next to the same events through an engine with no rules, in the same run. Each resident has five
 * devices (an oximeter's SpO2 and heart rate with its sensor state, a radar's presence and motion, a
 * thermometer, a blood-pressure cuff, a call point's heartbeat); values are mostly normal, a few
 * abnormal, so thresholds raise and clear alarms now and then. The order of the two engines
 * alternates between rounds, so a drift in the machine's load does not favour one; medians are reported.
 *
 * Part 2, end to end: a hub (createHub, LevelDB in a temp folder) with a Seeed MR60FDA2 fall radar on
 * a socat PTY; a fall frame is written at the device end and timed until its alarm arrives on the
 * panel's SSE stream, as a signed-in member of staff sees it. The alarm is resolved before the next
 * sample, so each fall raises a new alarm.
 *
 * Figures on stdout, progress and hub log records on stderr. Flags: --help.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Event } from '../protocols/event.ts';
import { uuidv7 } from '../protocols/uuidv7.ts';
import { VITAL_METRICS, type VitalMetric } from '../protocols/vitals.ts';
import type { DeviceState } from '../protocols/device-state.ts';
import { encodeSeeedRadarReport } from '../protocols/serial/seeed-radar.ts';
import { AlarmService } from '../hub/alarms/alarm-service.ts';
import { systemClock } from '../hub/clock.ts';
import { HubConfig } from '../hub/config.ts';
import { createLogger } from '../hub/logger.ts';
import { createHub } from '../hub/main.ts';
import { createMetrics } from '../hub/metrics.ts';
import { RuleEngine } from '../hub/rules/engine.ts';
import { RULES } from '../hub/rules/index.ts';
import type { Rule } from '../hub/rules/rule.ts';
import { EventLog } from '../hub/store/event-log.ts';
import { createLevelStore } from '../hub/store/level-store.ts';
import { createSerialportBinding } from '../drivers/serial/serialport-binding.ts';
import { createPtyPair } from '../firmware-sim/pty.ts';
import { connectSse, type SseMessage } from '../test/support/sse-client.ts';
import { staffCookie, TEST_STAFF } from '../test/support/panel-auth.ts';
import { formatSummary, summarise } from './stats.ts';
import { readFlags as readBenchFlags } from './flags.ts';
import { seededRandom } from '../firmware-sim/seeded-random.ts';

const USAGE = `npm run bench:rules -- [flags]

Part 1: events/s through every rule for R residents with 5 devices each, next to the same events
through an engine with no rules (the ratio is the rules' cost), alternating, medians over rounds.
Part 2: fall frame written to a radar's PTY → alarm on the panel's SSE stream, p50/p99/max.

  --residents N  residents (and rooms), 5 devices each (200)
  --rounds R     rounds of part 1; each runs both engines (5)
  --samples S    falls timed in part 2 (50)
  --help         this text
`;

const Flags = z.strictObject({
  residents: z.coerce.number().int().min(1).max(10_000),
  rounds: z.coerce.number().int().min(1).max(100),
  samples: z.coerce.number().int().min(1).max(10_000),
});
type Flags = z.infer<typeof Flags>;

/** Reports per device per round: enough events that a round lasts seconds at 200 residents. */
const CYCLES = 10;
/** One value in this many is abnormal. */
const ABNORMAL_EVERY = 25;
const ALARM_WAIT_MS = 10_000;

const say = (line: string) => process.stdout.write(line + '\n');
const progress = (line: string) => process.stderr.write(line + '\n');

/** The flags, or null when --help was printed or a flag was bad (bench/flags.ts). */
const readFlags = () =>
  readBenchFlags(
    {
      residents: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '5' },
      samples: { type: 'string', default: '50' },
    },
    Flags,
    USAGE,
  );


/** Rule options as a home of this size might set them: every room watched at night, every tenth a bathroom, a few residents on SpO2 scale 2. */
function ruleOptions(residents: number): Record<string, unknown> {
  const rooms: Record<string, unknown> = {};
  const scale2: Record<string, { spo2Scale: 2 }> = {};
  for (let i = 1; i <= residents; i++) {
    rooms[`room-${i}`] = i % 10 === 0 ? { stillForMs: 20 * 60_000 } : { nightAbsence: { from: '22:00', to: '07:00', absentForMs: 2 * 3600_000 } };
    if (i % 20 === 0) scale2[`res-${i}`] = { spo2Scale: 2 };
  }
  return { inactivity: { rooms }, 'vital-thresholds': { residents: scale2 }, news2: { residents: scale2 } };
}

/** One round's events: per cycle, every resident's five devices report once, residents interleaved as they would arrive. */
function buildEvents(residents: number): Event[] {
  const random = seededRandom(42);
  const events: Event[] = [];
  const bytes = new Uint8Array(10);
  let seq = 1;
  const t0 = Date.UTC(2026, 10, 24, 12, 0, 0);
  const abnormal = () => random() < 1 / ABNORMAL_EVERY;
  const around = (normal: number, spread: number, bad: number) => (abnormal() ? bad : Math.round((normal + (random() - 0.5) * spread) * 10) / 10);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    for (let r = 1; r <= residents; r++) {
      const at = t0 + cycle * 60_000 + r;
      const base = (deviceId: string) => {
        randomFillSync(bytes);
        const s = seq++;
        return { id: uuidv7(at, bytes), hubId: 'bench-hub', seq: s, hubTime: new Date(at).toISOString(), deviceId, roomId: `room-${r}`, residentId: `res-${r}` };
      };
      const reading = (deviceId: string, metric: VitalMetric, value: number): Event => ({
        ...base(deviceId),
        kind: 'reading',
        payload: { metric, loinc: VITAL_METRICS[metric].loinc, value, unit: VITAL_METRICS[metric].unit },
      });
      const state = (deviceId: string, payload: DeviceState): Event => ({ ...base(deviceId), kind: 'state', payload });
      events.push(
        state(`oxi-${r}`, { kind: 'sensor', status: 'measuring' }),
        reading(`oxi-${r}`, 'spo2', around(96, 4, 86)),
        reading(`oxi-${r}`, 'heart-rate', around(72, 20, 140)),
        state(`radar-${r}`, { kind: 'presence', present: random() < 0.9 }),
        state(`radar-${r}`, { kind: 'motion', motion: random() < 0.5 ? 'moving' : 'stationary' }),
        reading(`thermo-${r}`, 'body-temperature', around(36.8, 0.8, 34.6)),
        reading(`cuff-${r}`, 'systolic-bp', around(125, 30, 85)),
        reading(`cuff-${r}`, 'diastolic-bp', around(80, 20, 50)),
        { ...base(`cp-${r}`), kind: 'call-point', payload: { event: 'heartbeat', deviceSeq: cycle, battery: 90, via: 'serial' } },
      );
    }
  }
  return events;
}

interface EngineRun {
  eventsPerSecond: number;
  alarmsRaised: number;
}

/** Feeds the events one by one, as the pipeline does, through a fresh engine on a fresh LevelDB. */
async function runEngine(rules: readonly Rule<unknown, unknown>[], options: Record<string, unknown>, events: readonly Event[]): Promise<EngineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-rules-'));
  const store = createLevelStore(dir);
  const logger = createLogger('warn', process.stderr);
  const log = new EventLog({ hubId: 'bench-hub', store, clock: systemClock });
  const alarms = new AlarmService({ store, log, clock: systemClock, logger, metrics: createMetrics() });
  const engine = new RuleEngine({ rules, ruleOptions: options, alarms, store, clock: systemClock, logger });
  try {
    await store.open();
    await log.start();
    await alarms.start();
    await engine.start();
    const started = performance.now();
    for (const event of events) await engine.handle(event);
    await alarms.whenIdle();
    const seconds = (performance.now() - started) / 1000;
    const alarmsRaised = (await alarms.auditTrail()).filter((a) => a.action === 'raised').length;
    return { eventsPerSecond: events.length / seconds, alarmsRaised };
  } finally {
    await engine.stop();
    await alarms.stop();
    await log.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function partOne(flags: Flags): Promise<void> {
  const events = buildEvents(flags.residents);
  const options = ruleOptions(flags.residents);
  say(`part 1: ${events.length} events a round (${flags.residents} residents × 5 devices × ${CYCLES} reports), rules: ${RULES.map((r) => r.id).join(', ')}`);
  const withRules: number[] = [];
  const without: number[] = [];
  for (let round = 1; round <= flags.rounds; round++) {
    const order = round % 2 === 1 ? (['rules', 'none'] as const) : (['none', 'rules'] as const);
    const results: Partial<Record<'rules' | 'none', EngineRun>> = {};
    for (const which of order) {
      progress(`round ${round}/${flags.rounds}: ${which === 'rules' ? 'all rules' : 'no rules'} ...`);
      results[which] = await runEngine(which === 'rules' ? RULES : [], options, events);
    }
    const r = results.rules!;
    const n = results.none!;
    withRules.push(r.eventsPerSecond);
    without.push(n.eventsPerSecond);
    say(`round ${round} all rules  ${Math.round(r.eventsPerSecond).toString().padStart(8)} events/s  ${(1e6 / r.eventsPerSecond).toFixed(1).padStart(7)} µs/event  alarms raised ${r.alarmsRaised}`);
    say(`round ${round} no rules   ${Math.round(n.eventsPerSecond).toString().padStart(8)} events/s  ${(1e6 / n.eventsPerSecond).toFixed(1).padStart(7)} µs/event`);
  }
  const mr = median(withRules);
  const mn = median(without);
  say(`median all rules  ${Math.round(mr)} events/s  ${(1e6 / mr).toFixed(1)} µs/event`);
  say(`median no rules   ${Math.round(mn)} events/s  ${(1e6 / mn).toFixed(1)} µs/event`);
  say(`ratio no rules/all rules ×${(mn / mr).toFixed(2)}; the rules add ${(1e6 / mr - 1e6 / mn).toFixed(1)} µs/event`);
}

interface AlarmView {
  id: string;
  state: string;
  deviceId?: string;
}

async function partTwo(flags: Flags): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'carehub-bench-rules-hub-'));
  const pty = await createPtyPair();
  const config = HubConfig.parse({
    hubId: 'bench-hub',
    dataDir: join(dir, 'hub'),
    logLevel: 'warn',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    rooms: [{ id: 'room-1', name: 'Room 1' }],
    receivers: [],
    devices: [{ id: 'radar-1', roomId: 'room-1', model: 'seeed-mr60fda2', serial: { path: pty.hubPath } }],
    staff: [TEST_STAFF],
  });
  // Log records go to stderr: stdout carries the figures only.
  const hub = createHub(config, { logger: createLogger('warn', process.stderr) });
  const binding = createSerialportBinding();
  try {
    const { panelUrl } = await hub.start();
    const sse = await connectSse(new URL('api/stream', panelUrl).href, await staffCookie(panelUrl));
    await sse.next((m) => m.event === 'snapshot', 'the snapshot');
    const radar = await binding.open({ path: pty.devicePath, baudRate: 115200 });
    const fall = encodeSeeedRadarReport({ kind: 'fall', fallen: true });
    const noFall = encodeSeeedRadarReport({ kind: 'fall', fallen: false });
    const statesIn = () => hub.metrics.get('inputs_total', { kind: 'state', via: 'serial' });

    /** Resolves with the arrival time of the next new active alarm from the radar. */
    let waiting: ((at: number, alarm: AlarmView) => void) | null = null;
    const seen = new Set<string>();
    sse.onMessage((m: SseMessage) => {
      if (m.event !== 'alarm') return;
      const at = performance.now();
      const alarm = JSON.parse(m.data) as AlarmView;
      if (alarm.state !== 'active' || alarm.deviceId !== 'radar-1' || seen.has(alarm.id)) return;
      seen.add(alarm.id);
      waiting?.(at, alarm);
    });
    const nextAlarm = (limitMs: number) =>
      new Promise<{ at: number; alarm: AlarmView } | null>((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve(null);
        }, limitMs);
        waiting = (at, alarm) => {
          clearTimeout(timer);
          waiting = null;
          resolve({ at, alarm });
        };
      });
    const resolveAlarm = async (alarm: AlarmView) => {
      const closed = sse.next((m) => m.event === 'alarm' && (JSON.parse(m.data) as AlarmView).id === alarm.id && (JSON.parse(m.data) as AlarmView).state === 'resolved', 'the resolution', ALARM_WAIT_MS);
      await hub.alarms.resolve(alarm.id, { kind: 'operator', id: 'bench' });
      await closed;
      // The radar's stream passes a state on only when it changes (drivers/serial/framed-stream.ts), as
      // the radar itself would report the person up again: untimed, and through the hub before the next fall.
      const before = statesIn();
      await radar.write(noFall);
      const deadline = performance.now() + ALARM_WAIT_MS;
      while (statesIn() === before) {
        if (performance.now() > deadline) throw new Error('the radar\'s "no fall" never reached the hub');
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // The hub opens its end of the PTY while starting; write until the first fall gets through, untimed.
    progress('part 2: waiting for the radar port ...');
    let warm = null;
    for (let attempt = 0; attempt < 20 && !warm; attempt++) {
      const pending = nextAlarm(500);
      await radar.write(fall);
      warm = await pending;
    }
    if (!warm) throw new Error('no fall alarm reached the panel in 10 s');
    await resolveAlarm(warm.alarm);

    const latencies: number[] = [];
    for (let i = 1; i <= flags.samples; i++) {
      if (i % 10 === 0 || i === flags.samples) progress(`part 2: sample ${i}/${flags.samples}`);
      const pending = nextAlarm(ALARM_WAIT_MS);
      const t0 = performance.now();
      await radar.write(fall);
      const got = await pending;
      if (!got) throw new Error(`sample ${i}: the fall alarm did not reach the panel within ${ALARM_WAIT_MS} ms`);
      latencies.push(got.at - t0);
      await resolveAlarm(got.alarm);
    }
    say('part 2: fall frame written to the radar PTY → alarm on the panel SSE stream (hub in this process, LevelDB)');
    say(formatSummary('fall → panel SSE', summarise(latencies)));
    sse.close();
    await radar.close();
  } finally {
    await hub.stop();
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const flags = readFlags();
  if (!flags) return;
  say(`carehub rules benchmark: node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await partOne(flags);
  await partTwo(flags);
}

await main();
