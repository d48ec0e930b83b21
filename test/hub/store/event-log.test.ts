import t from 'tap';
import { EventLog } from '../../../hub/store/event-log.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';
import type { KvOp, KvStore } from '../../../hub/store/kv-store.ts';
import { uuidv7Time } from '../../../protocols/uuidv7.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';

const reading = (value: number) =>
  ({ kind: 'reading', deviceId: 'ox1', payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' } }) as const;

t.test('seq is monotonic and survives a restart on LevelDB', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  let store = createLevelStore(dir);
  await store.open();
  let log = new EventLog({ hubId: 'h1', store, clock });
  await log.start();
  const first = await Promise.all([1, 2, 3].map((v) => log.append(reading(v))));
  t.same(first.map((e) => e.seq), [1, 2, 3]);
  t.same(first.map((e) => e.payload), [1, 2, 3].map((v) => reading(v).payload), 'seq follows append order');
  t.ok(first.every((e) => uuidv7Time(e.id) === clock.now()), 'ids carry the hub time');
  await log.stop();
  await store.close();

  store = createLevelStore(dir);
  await store.open();
  log = new EventLog({ hubId: 'h1', store, clock });
  await log.start();
  t.equal(log.seq, 3, 'last seq restored');
  const next = await log.append(reading(4));
  t.equal(next.seq, 4);
  const outbox = new Outbox(store);
  await outbox.start();
  t.same((await outbox.peek(10)).map((e) => e.seq), [1, 2, 3, 4], 'outbox holds every event in order');
  t.equal(await outbox.ackThrough(2), 2, 'acknowledged events are deleted');
  t.same((await outbox.peek(10)).map((e) => e.seq), [3, 4]);
  await store.close();
});

t.test('critical events are written with sync, telemetry alone without', async (t) => {
  const inner = createMemoryStore();
  const syncs: boolean[] = [];
  const store: KvStore = { ...inner, batch: (ops: KvOp[], o) => (syncs.push(o.sync), inner.batch(ops, o)) };
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1) });
  await log.start();
  await log.append(reading(1));
  await log.append({ kind: 'call-point', deviceId: 'cp', payload: { event: 'call', deviceSeq: 1, battery: null, via: 'serial' } });
  t.same(syncs, [false, true]);
});

t.test('a failed write leaves no gap in seq', async (t) => {
  const inner = createMemoryStore();
  let failNext = false;
  const store: KvStore = {
    ...inner,
    batch: async (ops, o) => {
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      return inner.batch(ops, o);
    },
  };
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1) });
  await log.start();
  await log.append(reading(1));
  failNext = true;
  await t.rejects(log.append(reading(2)), /disk full/);
  const after = await log.append(reading(3));
  t.equal(after.seq, 2, 'the failed event did not consume a seq');
});

t.test('invalid drafts are refused with a code, nothing stored', async (t) => {
  const store = createMemoryStore();
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1) });
  await log.start();
  await t.rejects(log.append({ ...reading(1), deviceId: 'bad id with spaces' }), { code: 'invalid-event' });
  t.equal(log.seq, 0);
  t.same(await store.entries({}), []);
});
