/**
 * hub/store/shedding.ts over the real event log, outbox and byte count (memory store, fake clock):
 * near the budget, closed minutes of readings become summaries first, then the oldest telemetry is
 * dropped; critical events are never touched; each step leaves an outbox-shed event that says how
 * much, of what, from when to when.
 */
import t, { type Test } from 'tap';
import { BudgetStore } from '../../../hub/store/budget-store.ts';
import { EventLog } from '../../../hub/store/event-log.ts';
import { LANE_PREFIX, prefixEnd, type Lane } from '../../../hub/store/keys.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';
import { Shedder } from '../../../hub/store/shedding.ts';
import { createMetrics } from '../../../hub/metrics.ts';
import { Event, seqRunsCount, type EventOf } from '../../../protocols/event.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');
const reading = (value: number, deviceId = 'ox1') => ({ kind: 'reading', deviceId, payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' } }) as const;
const ALARM_ID = '0192f1a0-7c3e-7a12-8b34-0123456789ab';
const alarm = (n: number) =>
  ({ kind: 'alarm', roomId: 'r1', payload: { alarmId: ALARM_ID, key: `call:${n}`, type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: 'call' } }) as const;

async function rig(t: Test, limits: { budgetBytes: number; reserveBytes: number }) {
  const clock = new FakeClock(T0);
  let shedder: Shedder | null = null;
  const store = new BudgetStore(createMemoryStore(), { onGrow: () => shedder?.check() });
  await store.open();
  let outbox: Outbox | null = null;
  const log = new EventLog({ hubId: 'h1', store, clock, onDurable: (events) => outbox?.written(events) });
  outbox = new Outbox(store, () => log.forwardableSeq);
  await log.start();
  await outbox.start();
  const { logger, records } = createTestLogger();
  const metrics = createMetrics();
  shedder = new Shedder({ store, bytes: () => store.bytes(), log, outbox, limits, clock, logger, metrics, stepEvents: 500 });
  shedder.start();
  t.teardown(() => shedder!.stop());
  const lane = async (l: Lane) => (await store.entries<Event>({ gte: LANE_PREFIX[l], lt: prefixEnd(LANE_PREFIX[l]) })).map(([, e]) => e);
  return { clock, store, log, outbox, shedder, lane, records, metrics };
}

type Rig = Awaited<ReturnType<typeof rig>>;

/** One reading a second for `seconds`, the shedder settling after each. */
async function feed(r: Rig, seconds: number, devices = ['ox1']): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    for (const d of devices) await r.log.append(reading(90 + (i % 10), d));
    await r.shedder.settled();
    r.clock.advance(1000);
  }
}

t.test('below the thin threshold nothing is touched', async (t) => {
  const r = await rig(t, { budgetBytes: 10_000_000, reserveBytes: 1_000_000 });
  await feed(r, 200);
  t.equal((await r.lane('telemetry')).length, 200);
  t.same(r.shedder.stats().thinned, {});
  t.same(r.shedder.stats().dropped, {});
});

t.test('thinning: closed minutes of readings become one summary each, with a report; the open minute stays raw', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  // Thinning starts after ~150 readings; the budget leaves no reason to drop.
  const r = await rig(t, { budgetBytes: Math.round((perReading * 150) / 0.8), reserveBytes: 0 });
  await feed(r, 200);
  const telemetry = await r.lane('telemetry');
  const summaries = telemetry.filter((e): e is EventOf<'reading-summary'> => e.kind === 'reading-summary');
  t.ok(summaries.length >= 1, `summaries written (${summaries.length})`);
  t.same(r.shedder.stats().dropped, {}, 'nothing dropped: thinning was enough');
  for (const s of summaries) {
    t.equal(s.payload.count, 60, `minute ${s.payload.minute} summarised whole`);
    t.equal(s.payload.min, 90);
    t.equal(s.payload.max, 99);
    t.equal(s.payload.mean, 94.5);
  }
  const raw = telemetry.filter((e) => e.kind === 'reading');
  const replaced = new Set(summaries.flatMap((s) => s.payload.seqs.flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, i) => a + i))));
  t.ok(raw.every((e) => !replaced.has(e.seq)), 'no reading is both raw and summarised');
  t.equal(raw.length + replaced.size, 200, 'every reading is raw or in a summary');
  const open = Math.floor(r.clock.now() / 60_000) * 60_000;
  t.ok(raw.some((e) => Date.parse(e.hubTime) >= open - 1000), 'the newest readings stay raw');
  const reports = (await r.lane('critical')).filter((e): e is EventOf<'outbox-shed'> => e.kind === 'outbox-shed');
  t.ok(reports.length >= 1, 'the thinning is reported');
  t.ok(reports.every((e) => e.payload.action === 'thinned'));
  t.equal(reports.reduce((n, e) => n + e.payload.events, 0), replaced.size, 'the reports count every reading thinned');
  t.equal(reports.reduce((n, e) => n + seqRunsCount(e.payload.seqs), 0), replaced.size, 'and name their seqs');
  t.equal(r.metrics.get('outbox_thinned_events_total', { kind: 'reading' }), 0, 'collected at render, not stored');
  t.match(r.metrics.render(), /carehub_hub_outbox_thinned_events_total\{kind="reading"\} \d+/);
  t.equal(r.outbox.stats().lanes.telemetry.depth, telemetry.length, 'the outbox depth follows what shedding deleted');
  t.ok(r.records.some((rec) => rec.msg.startsWith('outbox thinned')), 'logged');
});

t.test('dropping: with nothing left to thin, the oldest telemetry goes first and alarms stay', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  const budgetBytes = perReading * 200;
  const r = await rig(t, { budgetBytes, reserveBytes: perReading * 20 });
  // 20 devices, one reading a second each: 20 readings a minute per device... thinning helps but not enough.
  const alarms: number[] = [];
  const ceiling = budgetBytes - perReading * 20;
  /** telemetry bytes seen above the ceiling once shedding had its turn: the reserve taken from alarms */
  const overCeiling: number[] = [];
  for (let s = 0; s < 400; s++) {
    const devices = Array.from({ length: 3 }, (_, i) => `ox${i}`);
    for (const d of devices) await r.log.append(reading(90 + (s % 10), d));
    if (s % 50 === 0) alarms.push((await r.log.append(alarm(s))).seq);
    await r.shedder.settled();
    if (r.store.bytes().lanes.telemetry > ceiling) overCeiling.push(r.store.bytes().lanes.telemetry);
    r.clock.advance(1000);
  }
  t.same(overCeiling, [], 'telemetry never keeps the critical reserve');
  const stats = r.shedder.stats();
  t.ok((stats.thinned.reading ?? 0) > 0, `thinned first (${stats.thinned.reading})`);
  t.ok((stats.dropped.reading ?? 0) + (stats['dropped']['reading-summary'] ?? 0) > 0, `then dropped (${JSON.stringify(stats.dropped)})`);
  const critical = await r.lane('critical');
  t.same(critical.filter((e) => e.kind === 'alarm').map((e) => e.seq), alarms, 'every alarm is still there');
  t.ok(r.store.bytes().total <= budgetBytes, `within the budget (${r.store.bytes().total} of ${budgetBytes})`);
  const drops = critical.filter((e): e is EventOf<'outbox-shed'> => e.kind === 'outbox-shed' && e.payload.action === 'dropped');
  t.ok(drops.length > 0, 'drops are reported');
  // Oldest first: whatever telemetry is left is newer than everything dropped.
  const left = await r.lane('telemetry');
  const lastDropped = Math.max(...drops.map((d) => d.payload.seqs[d.payload.seqs.length - 1]![1]));
  t.ok(left.every((e) => e.seq > lastDropped), 'nothing older than a dropped event is left');
  for (const d of drops) {
    t.ok(Date.parse(d.payload.from) <= Date.parse(d.payload.to), 'from..to');
    t.equal(Object.entries(d.payload.byKind).filter(([k]) => !k.includes(':')).reduce((n, [, c]) => n + c, 0), d.payload.events, 'by kind adds up');
  }
  t.equal(r.outbox.stats().lanes.telemetry.depth, left.length, 'depth follows');
  t.equal(r.outbox.stats().lanes.critical.depth, critical.length);
});

t.test('events not yet forwardable (waiting for the rules) are never shed', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  const r = await rig(t, { budgetBytes: perReading * 50, reserveBytes: 0 });
  const held = await r.log.append(reading(1), [], { evaluate: true }); // an input the rules have not seen
  await feed(r, 150);
  const seqs = (await r.lane('telemetry')).map((e) => e.seq);
  t.ok(seqs.includes(held.seq), 'the unevaluated input is still there');
  t.ok(seqs.every((s) => s >= held.seq), 'and so is everything after it (forwarding is bounded by it too)');
  t.same(r.shedder.stats().dropped, {});
  r.log.evaluated(held.seq);
  // No waiting out the stuck drop's retry time: new forwardable telemetry is reason enough.
  await r.log.append(reading(2));
  await r.shedder.settled();
  t.ok(Object.keys(r.shedder.stats().dropped).length > 0 || Object.keys(r.shedder.stats().thinned).length > 0, 'once evaluated, it may go');
});

t.test('critical events fill the budget: nothing of them is shed, and the shedder rests between tries', async (t) => {
  const r = await rig(t, { budgetBytes: 3000, reserveBytes: 500 });
  for (let i = 0; i < 20; i++) await r.log.append(alarm(i));
  await r.shedder.settled();
  t.equal((await r.lane('critical')).filter((e) => e.kind === 'alarm').length, 20);
  const warnings = () => r.records.filter((rec) => rec.msg === 'outbox over budget with no telemetry left to shed').length;
  const before = warnings();
  t.ok(before >= 1, 'said so');
  for (let i = 0; i < 5; i++) await r.log.append(alarm(100 + i));
  await r.shedder.settled();
  t.equal(warnings(), before, 'no new pass within the quiet period');
  r.clock.advance(5_001);
  await r.log.append(alarm(200));
  await r.shedder.settled();
  t.equal(warnings(), before + 1, 'tries again after it');
});

t.test('a drop step frees a tenth of the ceiling at least, so reports stay few', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  const r = await rig(t, { budgetBytes: perReading * 300, reserveBytes: perReading * 30 });
  // Fifty oximeters once a minute each: no minute holds three readings of one device, so nothing thins.
  for (let s = 0; s < 60 * 30; s++) {
    await r.log.append(reading(90, `ox${s % 50}`));
    await r.shedder.settled();
    r.clock.advance(1200);
  }
  t.same(r.shedder.stats().thinned, {}, 'nothing could be thinned');
  const drops = (await r.lane('critical')).filter((e): e is EventOf<'outbox-shed'> => e.kind === 'outbox-shed');
  t.ok(drops.length >= 2, `dropped in ${drops.length} steps`);
  const ceiling = perReading * 270;
  for (const d of drops) t.ok(d.payload.bytesFreed >= ceiling / 10, `step ${d.seq} freed ${d.payload.bytesFreed} bytes (${d.payload.events} events)`);
  t.ok(r.store.bytes().total <= perReading * 300, 'within the budget');
});

t.test('an open minute is read once per minute, not on every write', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  const r = await rig(t, { budgetBytes: perReading * 100, reserveBytes: 0 });
  // 85 readings in the first minute: above the thin threshold (80), below the drop threshold (90).
  for (let i = 0; i < 85; i++) await r.log.append(reading(90));
  await r.shedder.settled();
  const reads: string[] = [];
  const entries = r.store.entries.bind(r.store);
  r.store.entries = async (range) => (reads.push(JSON.stringify(range)), entries(range));
  for (let i = 0; i < 3; i++) {
    await r.log.append(reading(91));
    await r.shedder.settled();
  }
  t.same(reads, [], 'no read of the lane while the minute is still open');
  t.same(r.shedder.stats().dropped, {});
  r.clock.advance(60_000);
  await r.log.append(reading(92));
  await r.shedder.settled();
  t.ok(reads.length > 0, 'the next minute, thinning looks again');
  t.ok((r.shedder.stats().thinned.reading ?? 0) > 0, 'and thins the minute that closed');
});

t.test('a shedding write that fails removes nothing, is logged, and is tried again', async (t) => {
  const probe = await rig(t, { budgetBytes: 1e9, reserveBytes: 0 });
  await probe.log.append(reading(90));
  const perReading = probe.store.bytes().total;
  const r = await rig(t, { budgetBytes: Math.round((perReading * 150) / 0.8), reserveBytes: 0 });
  // The disk refuses every batch that deletes an outbox entry (shedding's), and nothing else.
  let full = true;
  const inner = r.store as unknown as { inner: { batch: (ops: Array<{ type: string; key: string }>, o: { sync: boolean }) => Promise<void> } };
  const batch = inner.inner.batch.bind(inner.inner);
  inner.inner.batch = async (ops, o) => {
    if (full && ops.some((op) => op.type === 'del' && op.key.startsWith('outbox:'))) throw new Error('EIO');
    return batch(ops, o);
  };
  await feed(r, 170); // past the thin threshold (150 readings)
  t.same(r.shedder.stats().thinned, {}, 'nothing counted as thinned');
  t.equal((await r.lane('telemetry')).filter((e) => e.kind === 'reading').length, 170, 'every reading still there');
  t.ok(r.records.some((rec) => rec.msg.startsWith('shedding failed')), 'logged');
  full = false;
  await feed(r, 30);
  t.ok((r.shedder.stats().thinned.reading ?? 0) >= 60, `the same minutes thinned once the disk takes writes again (${r.shedder.stats().thinned.reading})`);
  const summaries = (await r.lane('telemetry')).filter((e) => e.kind === 'reading-summary');
  t.ok(summaries.some((s) => (s as EventOf<'reading-summary'>).payload.minute === '2026-11-25T01:00:00.000Z'), 'including the first minute');
});
