/**
 * hub/store/free-space.ts: the data disk's free space (a fake statfs) lowers the outbox budget, so
 * telemetry is shed before the filesystem fills even when outbox.maxBytes is far larger than the
 * disk, and critical events are still stored.
 */
import t from 'tap';
import { BudgetStore } from '../../../hub/store/budget-store.ts';
import { EventLog } from '../../../hub/store/event-log.ts';
import { FreeSpaceWatch } from '../../../hub/store/free-space.ts';
import { LANE_PREFIX, prefixEnd, type Lane } from '../../../hub/store/keys.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';
import { Shedder } from '../../../hub/store/shedding.ts';
import { createMetrics } from '../../../hub/metrics.ts';
import type { Event } from '../../../protocols/event.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';

const T0 = Date.parse('2026-11-25T01:00:00.000Z');
const reading = (value: number) => ({ kind: 'reading', deviceId: 'ox1', payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' } }) as const;
const ALARM_ID = '0192f1a0-7c3e-7a12-8b34-0123456789ab';
const call = { kind: 'alarm', roomId: 'r1', payload: { alarmId: ALARM_ID, key: 'call:1', type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: 'call' } } as const;

/** A filesystem of `sizeBytes` on which the outbox's bytes and `otherBytes` (another program's files) are all that is used. */
function fakeDisk(sizeBytes: number, used: () => number) {
  const disk = { otherBytes: 0, calls: 0, fail: false };
  const statfs = async () => {
    disk.calls++;
    if (disk.fail) throw Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' });
    return { bavail: Math.max(0, sizeBytes - used() - disk.otherBytes), bsize: 1 };
  };
  return { disk, statfs };
}

const BUDGET = { budgetBytes: 512 * 1024 * 1024, reserveBytes: 1_000 };

t.test('a disk smaller than the budget: telemetry is shed to fit it, alarms stay', async (t) => {
  const clock = new FakeClock(T0);
  let shedder: Shedder | null = null;
  let watch: FreeSpaceWatch | null = null;
  const store = new BudgetStore(createMemoryStore(), {
    onGrow: () => {
      watch?.grew();
      shedder?.check();
    },
  });
  await store.open();
  let outbox: Outbox | null = null;
  const log = new EventLog({ hubId: 'h1', store, clock, onDurable: (events) => outbox?.written(events) });
  outbox = new Outbox(store, () => log.forwardableSeq);
  await log.start();
  await outbox.start();
  const { logger } = createTestLogger();
  const metrics = createMetrics();
  const SIZE = 60_000;
  const MARGIN = 10_000;
  const { disk, statfs } = fakeDisk(SIZE, () => store.bytes().total);
  watch = new FreeSpaceWatch({ path: '/data', usedBytes: () => store.bytes().total, marginBytes: MARGIN, logger, metrics, statfs, onProbe: () => shedder?.check(), intervalMs: 60_000 });
  shedder = new Shedder({ store, bytes: () => store.bytes(), log, outbox, limits: BUDGET, limitsNow: () => watch!.limits(BUDGET), clock, logger, metrics, stepEvents: 500 });
  await watch.start();
  shedder.start();
  t.teardown(async () => {
    watch!.stop();
    await shedder!.stop();
  });
  const lane = async (l: Lane) => (await store.entries<Event>({ gte: LANE_PREFIX[l], lt: prefixEnd(LANE_PREFIX[l]) })).map(([, e]) => e);

  // Ten times what the disk holds, one reading a second.
  let most = 0;
  for (let i = 0; i < 3000; i++) {
    await log.append(reading(90 + (i % 10)));
    await shedder.settled();
    clock.advance(1000);
    most = Math.max(most, store.bytes().total);
  }
  t.ok(most <= SIZE - MARGIN, `the outbox never held more than the disk less the margin (${most} of ${SIZE - MARGIN})`);
  t.ok(Object.values(shedder.stats().dropped).reduce((a, b) => a + b, 0) + Object.values(shedder.stats().thinned).reduce((a, b) => a + b, 0) > 0, 'telemetry was shed');
  t.ok(disk.calls > 2, `free space was probed as the outbox grew (${disk.calls} probes)`);

  // Something else fills the disk: the next probe lowers the budget and telemetry yields at once.
  const before = store.bytes().lanes.telemetry;
  disk.otherBytes = SIZE - MARGIN - store.bytes().total - 2_000;
  await watch.probe();
  await shedder.settled();
  t.ok(store.bytes().lanes.telemetry < before / 2, `telemetry shed when another program filled the disk (${before} → ${store.bytes().lanes.telemetry})`);

  // A call is still stored: critical events are never refused nor shed.
  await log.append(call);
  await shedder.settled();
  t.equal((await lane('critical')).filter((e) => e.kind === 'alarm').length, 1, 'the call is stored');

  // A failed probe keeps the last picture rather than forgetting the disk is small.
  disk.fail = true;
  await watch.probe();
  t.ok(watch.limits(BUDGET).budgetBytes < SIZE, 'the lowered budget stays after a failed probe');
  t.match(metrics.render(), /store_disk_free_bytes \d+/);
});
