/**
 * hub/store/event-log.ts details beyond event-log.test.ts: ids and times, the
 * exact batch written (group commit, meta keys, extra ops), the forwardable
 * callback, stop, and what start-up reads back.
 */
import t from 'tap';
import { EventLog } from '../../../hub/store/event-log.ts';
import { laneKey, legacyOutboxKey, META_EVALUATED, META_SEQ } from '../../../hub/store/keys.ts';
import type { KvOp, KvStore } from '../../../hub/store/kv-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { UUID_PATTERN, uuidv7Time } from '../../../protocols/uuidv7.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';

const T0 = Date.parse('2026-05-01T08:00:00Z');
const reading = (value: number) => ({ kind: 'reading', deviceId: 'ox1', payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' } }) as const;
const call = (deviceSeq: number) => ({ kind: 'call-point', deviceId: 'cp-1', payload: { event: 'call', deviceSeq, battery: null, via: 'serial' } }) as const;

async function spied(inner: KvStore = createMemoryStore()) {
  await inner.open();
  const batches: Array<{ ops: KvOp[]; sync: boolean }> = [];
  const store: KvStore = {
    ...inner,
    batch: async (ops, o) => {
      batches.push({ ops, sync: o.sync });
      return inner.batch(ops, o);
    },
  };
  return { store, batches };
}

t.test('append before start is refused with a code', async (t) => {
  const { store } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await t.rejects(log.append(reading(1)), { code: 'not-started', message: 'event log is not started' });
});

t.test('ids, times and hub id', async (t) => {
  const { store } = await spied();
  const clock = new FakeClock(T0);
  const log = new EventLog({ hubId: 'hub-x', store, clock });
  await log.start();
  const a = await log.append(reading(1));
  t.match(a, { hubId: 'hub-x', seq: 1, hubTime: '2026-05-01T08:00:00.000Z' });
  t.match(a.id, UUID_PATTERN);
  t.equal(uuidv7Time(a.id), T0, 'the id carries the clock time');
  const given = await log.append({ ...reading(2), hubTime: '2026-05-01T07:00:00.000Z' });
  t.equal(given.hubTime, '2026-05-01T07:00:00.000Z', 'a hubTime in the draft is kept');
  clock.now = () => T0 - 60_000; // the wall clock stepped back a minute
  const b = await log.append(reading(3));
  t.equal(uuidv7Time(b.id), T0, 'the id time never goes backwards');
  t.equal(b.hubTime, '2026-05-01T07:59:00.000Z', 'hubTime is the clock as it is');
});

t.test('one batch per write: events, extra ops, the seq and the evaluation mark', async (t) => {
  const { store, batches } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await log.start();
  let seen: { id: string } | undefined;
  const e = await log.append(call(1), (event) => {
    seen = event;
    return [{ type: 'put', key: 'alarm:x', value: { causedBy: event.id } }];
  });
  t.equal(seen?.id, e.id, 'extra ops see the event with its id');
  t.same(batches[0], {
    ops: [
      { type: 'put', key: laneKey('critical', 1), value: e },
      { type: 'put', key: 'alarm:x', value: { causedBy: e.id } },
      { type: 'put', key: META_SEQ, value: 1 },
      { type: 'put', key: META_EVALUATED, value: 1 },
    ],
    sync: true,
  });
  await log.append(reading(5), [{ type: 'del', key: 'alarm:x' }]);
  t.same(batches[1]!.ops.map((o) => o.key), [laneKey('telemetry', 2), 'alarm:x', META_SEQ, META_EVALUATED], 'a plain array of extra ops');
  t.equal(batches[1]!.sync, false, 'telemetry alone is not fsynced');
  t.equal(await store.get('alarm:x'), undefined);
});

t.test('group commit: appends made while a batch is on its way share the next batch', async (t) => {
  const { store, batches } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await log.start();
  const all = await Promise.all([log.append(reading(1)), log.append(reading(2)), log.append(call(3)), log.append(reading(4))]);
  t.same(all.map((e) => e.seq), [1, 2, 3, 4], 'seq in append order');
  t.same(batches.map((b) => b.ops.filter((o) => o.key.startsWith('outbox:')).length), [1, 3], 'the first alone, the other three together');
  t.same(batches.map((b) => b.sync), [false, true], 'the batch holding the call is fsynced');
  t.equal(log.seq, 4);
});

t.test('the forwardable callback: after each durable batch and after each evaluation', async (t) => {
  const { store } = await spied();
  const calls: number[] = [];
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0), onForwardable: (s) => calls.push(s) });
  await log.start();
  await log.append(call(1), [], { evaluate: true });
  t.same(calls, [0], 'the unevaluated input holds forwarding at 0');
  t.equal(log.evaluatedSeq, 0);
  t.equal(log.forwardableSeq, 0);
  await log.append(reading(1));
  t.same(calls, [0, 0]);
  log.evaluated(1);
  t.same(calls, [0, 0, 2], 'evaluating the input frees both');
  t.equal(log.forwardableSeq, 2);
  log.evaluated(1);
  log.evaluated(99);
  t.same(calls, [0, 0, 2], 'evaluating an unknown or done seq does not call back');
});

t.test('evaluatedSeq is below the lowest input still waiting', async (t) => {
  const { store } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await log.start();
  for (let i = 1; i <= 5; i++) await log.append(call(i), [], { evaluate: i === 2 || i === 4 });
  t.equal(log.evaluatedSeq, 1);
  log.evaluated(2);
  t.equal(log.evaluatedSeq, 3);
  log.evaluated(4);
  t.equal(log.evaluatedSeq, 5);
});

t.test('stop waits for the write, then records the evaluation mark with fsync', async (t) => {
  const { store, batches } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await log.start();
  await log.append(call(1), [], { evaluate: true });
  const pending = log.append(reading(2));
  await log.stop();
  t.equal((await pending).seq, 2, 'the write in flight finished');
  t.same(batches.at(-1), { ops: [{ type: 'put', key: META_EVALUATED, value: 0 }], sync: true });
  await t.rejects(log.append(reading(3)), { code: 'not-started' }, 'stopped means not started');
});

t.test('start: seq from the meta key or the outbox tail, replay without rule output', async (t) => {
  const { store } = await spied();
  const first = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await first.start();
  await first.append(call(1), [], { evaluate: true }); // seq 1, input never evaluated
  await first.append({
    kind: 'alarm',
    payload: { alarmId: '0192f1a0-7c3e-7a12-8b34-0123456789ab', key: 'k', type: 'call', priority: 'high', state: 'active', ruleId: 'r', reason: 'x' },
  }); // seq 2, rule output
  await first.append(reading(3), [], { evaluate: true }); // seq 3
  const second = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await second.start();
  t.equal(second.seq, 3);
  t.same((await second.unevaluated()).map((e) => e.seq), [1, 3], 'inputs above the mark, not the alarm');
  t.equal(second.forwardableSeq, 0, 'nothing forwardable before the replay');
  second.evaluated(1);
  t.same((await second.unevaluated()).map((e) => e.seq), [3], 'a replayed input leaves the list');
  t.equal(second.forwardableSeq, 2);
  t.equal((await second.append(reading(4))).seq, 4, 'seq continues');

  // An outbox tail ahead of meta:seq wins.
  await store.batch([{ type: 'put', key: META_SEQ, value: 1 }], { sync: false });
  const third = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await third.start();
  t.equal(third.seq, 4, 'the outbox tail');
  // No mark stored: nothing is taken as unevaluated.
  const fresh = await spied();
  await fresh.store.batch([{ type: 'put', key: legacyOutboxKey(7), value: { ...(await second.append(reading(5))), seq: 7 } }], { sync: false });
  const fourth = new EventLog({ hubId: 'h', store: fresh.store, clock: new FakeClock(T0) });
  await fourth.start();
  t.equal(fourth.seq, 7, 'seq from the outbox alone (a pre-lane key counts too)');
  t.same(await fourth.unevaluated(), [], 'without a mark, everything stored counts as evaluated');
});

t.test('start-up never replays rule output: alarms and alarm updates', async (t) => {
  const { store } = await spied();
  const first = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await first.start();
  await first.append(call(1), [], { evaluate: true });
  await first.append({ kind: 'alarm-update', payload: { alarmId: '0192f1a0-7c3e-7a12-8b34-0123456789ab', state: 'acknowledged', by: { kind: 'panel' } } });
  const second = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await second.start();
  t.same((await second.unevaluated()).map((e) => e.kind), ['call-point']);
});

t.test('an invalid draft names the kind, the field and the reason', async (t) => {
  const { store } = await spied();
  const log = new EventLog({ hubId: 'h', store, clock: new FakeClock(T0) });
  await log.start();
  await t.rejects(log.append({ kind: 'reading', payload: { metric: 'spo2', loinc: '59408-5', value: Infinity, unit: '%' } }), {
    code: 'invalid-event',
    message: /^invalid reading event: payload\.value: .+/,
  });
  await t.rejects(log.append({ kind: 'reading', deviceId: 'a b', payload: { metric: 'spo2', loinc: '59408-5', value: 1, unit: '%' } } as never), {
    message: /^invalid reading event: deviceId: letters, digits/,
  });
  await t.rejects(log.append({ kind: 'reading', deviceId: 'a b', roomId: '', payload: { metric: 'spo2', loinc: '59408-5', value: 1, unit: '%' } } as never), {
    message: /^invalid reading event: deviceId: [^;]+; roomId: /,
  }, 'every issue, joined with "; "');
});
