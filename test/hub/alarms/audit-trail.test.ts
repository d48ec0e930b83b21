/**
 * Every alarm transition is an event in the outbox and an entry in the hub's audit trail, with who
 * and when, written in the same batch (docs/alarms.md#audit-trail).
 */
import t from 'tap';
import { ALARM_AUDIT_PREFIX } from '../../../hub/alarms/audit-trail.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import type { KvOp } from '../../../hub/store/kv-store.ts';
import { alarmProcess, iso, panel, raise, T0 } from './rig.ts';

const S = 1000;

t.test('raised, escalated, acknowledged, returned, resolved, cancelled: one entry per outbox event, who and when', async (t) => {
  const store = createLevelStore(t.testdir());
  const p = await alarmProcess(store, T0);
  t.teardown(async () => {
    await p.alarms.stop();
    await store.close();
  });
  const a = (await p.alarms.apply(raise('call:room-101'), 'call-point'))!;
  await p.advance(60 * S);
  await p.alarms.acknowledge(a.id, panel);
  await p.advance(180 * S);
  await p.alarms.resolve(a.id, { kind: 'panel', id: 'nurse-b' });
  const b = (await p.alarms.apply(raise('call:room-102', 'medium', 'room-102'), 'call-point'))!;
  await p.alarms.apply({ op: 'clear', key: 'call:room-102', by: { kind: 'device', id: 'cp-102' }, reason: 'cancelled at the room' }, 'call-point');

  const trail = await p.alarms.auditTrail();
  t.same(
    trail.map((e) => [e.alarmId === a.id ? 'a' : 'b', e.action, e.by, e.at, e.tier ?? null]),
    [
      ['a', 'raised', { kind: 'rule', id: 'call-point' }, iso(T0), 0],
      ['a', 'escalated', { kind: 'system', id: 'escalation' }, iso(T0 + 60 * S), 1],
      ['a', 'acknowledged', panel, iso(T0 + 60 * S), 1],
      ['a', 'returned', { kind: 'system', id: 'escalation' }, iso(T0 + 240 * S), 1],
      ['a', 'resolved', { kind: 'panel', id: 'nurse-b' }, iso(T0 + 240 * S), 1],
      ['b', 'raised', { kind: 'rule', id: 'call-point' }, iso(T0 + 240 * S), 0],
      ['b', 'cancelled', { kind: 'device', id: 'cp-102' }, iso(T0 + 240 * S), 0],
    ],
  );
  t.equal(trail.at(-1)!.note, 'cancelled at the room', 'the reason travels');
  t.equal(trail[1]!.note, 'to all-panels');
  const events = (await p.events()).filter((e) => e.kind.startsWith('alarm'));
  t.same(trail.map((e) => e.eventId), events.map((e) => e.id), 'each entry names its outbox event, one for one, in order');
  t.same((await p.alarms.auditTrail(b.id)).map((e) => e.action), ['raised', 'cancelled'], 'one alarm\'s trail');
  t.same(p.alarms.list(), [], 'both closed');
  t.equal((await p.alarms.auditTrail(a.id)).length, 5, 'the resolved alarm\'s trail stays on the hub');
});

t.test('the entry and its event are one batch: a failed write leaves neither', async (t) => {
  const store = createLevelStore(t.testdir());
  const p = await alarmProcess(store, T0);
  t.teardown(async () => {
    await p.alarms.stop();
    await store.close();
  });
  const batches: KvOp[][] = [];
  const batch = store.batch.bind(store);
  store.batch = async (ops, options) => {
    batches.push(ops);
    return batch(ops, options);
  };
  const a = (await p.alarms.apply(raise('k'), 'r'))!;
  await p.alarms.acknowledge(a.id, panel);
  for (const ops of batches) {
    const keys = ops.map((o) => o.key.split(':')[0] + ':' + (o.key.startsWith(ALARM_AUDIT_PREFIX) ? 'alarm:' : ''));
    t.ok(keys.includes('outbox:') && keys.includes(ALARM_AUDIT_PREFIX), `event and audit entry together: ${keys.join(' ')}`);
  }
  store.batch = async () => {
    throw new Error('disk gone');
  };
  await t.rejects(p.alarms.resolve(a.id, panel), { message: 'disk gone' });
  store.batch = batch;
  t.equal((await p.alarms.auditTrail(a.id)).length, 2, 'no entry for the failed resolve');
  t.equal(p.alarms.get(a.id)!.state, 'acknowledged', 'and the alarm is unchanged');
});

t.test('after a restart the trail carries on after its last entry', async (t) => {
  const dir = t.testdir();
  const store = createLevelStore(dir);
  const first = await alarmProcess(store, T0);
  const a = (await first.alarms.apply(raise('k'), 'r'))!;
  await first.alarms.acknowledge(a.id, panel);
  await store.close(); // kill -9
  const reopened = createLevelStore(dir);
  const second = await alarmProcess(reopened, T0); // the same millisecond: order must not depend on time
  t.teardown(async () => {
    await second.alarms.stop();
    await reopened.close();
  });
  await second.alarms.resolve(a.id, panel);
  t.same((await second.alarms.auditTrail()).map((e) => e.action), ['raised', 'acknowledged', 'resolved']);
  const keys = (await reopened.entries({ gte: ALARM_AUDIT_PREFIX, lt: 'audit:alarm;' })).map(([k]) => k.slice(ALARM_AUDIT_PREFIX.length));
  t.same(keys, ['0000000000000001', '0000000000000002', '0000000000000003']);
});
