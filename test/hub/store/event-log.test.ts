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

const call = (deviceSeq: number) =>
  ({ kind: 'call-point', deviceId: 'cp', payload: { event: 'call', deviceSeq, battery: null, via: 'serial' } }) as const;
const update = { kind: 'alarm-update', payload: { alarmId: '0192a4f0-0000-7000-8000-000000000001', state: 'resolved', by: { kind: 'panel' } } } as const;

t.test('forwardableSeq: durable, and below the lowest input still waiting for the rules', async (t) => {
  const store = createMemoryStore();
  await store.open();
  const marks: number[] = [];
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1), onForwardable: (seq) => marks.push(seq) });
  await log.start();
  t.equal(log.forwardableSeq, 0);
  await log.append(reading(1));
  t.same(marks, [1], 'a durable append announces the new bound');
  const first = await log.append(call(1), [], { evaluate: true });
  const second = await log.append(call(2), [], { evaluate: true });
  await log.append(update);
  t.same(marks, [1, 1, 1, 1], 'appends behind an unevaluated input do not move it');
  t.equal(log.forwardableSeq, 1);
  t.equal(log.evaluatedSeq, 1);
  log.evaluated(second.seq);
  t.equal(log.forwardableSeq, 1, 'a later input evaluated first does not pass an earlier one');
  log.evaluated(first.seq);
  t.equal(log.forwardableSeq, 4, 'the panel update after them is forwardable without waiting for another input');
  t.same(marks, [1, 1, 1, 1, 1, 4], 'each evaluation announces the bound');
  log.evaluated(first.seq);
  t.equal(marks.length, 6, 'evaluating a seq twice announces nothing');
});

t.test('forwardableSeq never includes a batch still on its way to disk, nor one that failed', async (t) => {
  const inner = createMemoryStore();
  let gate: { open: () => void; fail: (err: Error) => void } | null = null;
  const store: KvStore = {
    ...inner,
    batch: (ops, o) =>
      gate === null
        ? inner.batch(ops, o)
        : new Promise<void>((resolve, reject) => {
            gate = { open: () => inner.batch(ops, o).then(resolve, reject), fail: reject };
          }),
  };
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1) });
  await log.start();
  await log.append(reading(1));
  gate = { open: () => undefined, fail: () => undefined };
  const writing = log.append(reading(2));
  await new Promise((r) => setImmediate(r));
  t.equal(log.seq, 2, 'the seq is assigned');
  t.equal(log.forwardableSeq, 1, 'but not forwardable before it is on disk');
  const pending = gate as { open: () => void };
  gate = null;
  pending.open();
  await writing;
  t.equal(log.forwardableSeq, 2);

  gate = { open: () => undefined, fail: () => undefined };
  const failing = log.append(reading(3));
  await new Promise((r) => setImmediate(r));
  const toFail = gate as { fail: (err: Error) => void };
  gate = null;
  toFail.fail(new Error('disk full'));
  await t.rejects(failing, /disk full/);
  t.equal(log.forwardableSeq, 2, 'a failed batch never becomes forwardable');
});

t.test('the outbox sends and deletes through one bound', async (t) => {
  const store = createMemoryStore();
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: new FakeClock(1) });
  await log.start();
  for (let v = 1; v <= 5; v++) await log.append(reading(v));
  let bound = 3;
  const outbox = new Outbox(store, () => bound);
  await outbox.start();
  t.same((await outbox.peek(10)).map((e) => e.seq), [1, 2, 3], 'peek stops at the bound');
  t.same((await outbox.peek(2)).map((e) => e.seq), [1, 2], 'and at the limit');
  t.equal(await outbox.ackThrough(5), 3, 'an ack past the bound deletes only through it');
  t.equal(outbox.ackedSeq, 3);
  t.same(await outbox.peek(10), [], 'nothing forwardable is left');
  t.equal(await outbox.ackThrough(3), 0, 'a repeated ack deletes nothing');
  bound = 5;
  t.same((await outbox.peek(10)).map((e) => e.seq), [4, 5]);
  t.equal(await outbox.ackThrough(4), 1);

  const reopened = new Outbox(store);
  await reopened.start();
  t.equal(reopened.ackedSeq, 4, 'the acknowledged mark is stored');
  t.same((await reopened.peek(10)).map((e) => e.seq), [5], 'without a bound, everything left is forwardable');
  t.same((await store.entries({ gte: 'outbox:', lt: 'outbox;' })).length, 1, 'acknowledged events are deleted from the store');
});
