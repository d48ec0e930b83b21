import t from 'tap';
import { createLevelStore } from '../../hub/store/level-store.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import type { Alarm } from '../../hub/alarms/alarm.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { alarmRig } from './support.ts';

const raise = (key: string, priority: 'high' | 'medium' | 'low' = 'medium') =>
  ({ op: 'raise', key, type: 'call', priority, reason: `call ${key}`, roomId: 'room-101' }) as const;
const panel = { kind: 'panel', id: 'nurse-a' } as const;

t.test('raise, repeat, acknowledge, resolve', async (t) => {
  const { alarms, metrics } = await alarmRig(createMemoryStore(), new FakeClock(Date.parse('2026-03-01T10:00:00Z')));
  const seen: Alarm[] = [];
  alarms.onChange((a) => seen.push(a));
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.equal(a.state, 'active');
  const again = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.equal(again.id, a.id, 'same key while open: same alarm');
  t.equal(again.repeats, 1);
  t.equal(alarms.list().length, 1);
  const acked = await alarms.acknowledge(a.id, panel);
  t.equal(acked.state, 'acknowledged');
  await t.rejects(alarms.acknowledge(a.id, panel), { code: 'invalid-transition' });
  const resolved = await alarms.resolve(a.id, panel);
  t.same(resolved.lifecycle.map((l) => l.state), ['active', 'acknowledged', 'resolved']);
  t.equal(alarms.list().length, 0);
  await t.rejects(alarms.resolve(a.id, panel), { code: 'not-found' });
  t.same(seen.map((x) => x.state), ['active', 'active', 'acknowledged', 'resolved'], 'listeners hear every change');
  t.equal(metrics.get('alarms_raised_total', { type: 'call', priority: 'medium' }), 1);
  const fresh = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.not(fresh.id, a.id, 'after resolve the same key raises a new alarm');
});

t.test('clear resolves by key; clearing a closed key is a no-op', async (t) => {
  const { alarms } = await alarmRig(createMemoryStore(), new FakeClock(1));
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  const cleared = await alarms.apply({ op: 'clear', key: 'call:room-101', by: { kind: 'device', id: 'cp-101' }, reason: 'cancel' }, 'call-point');
  t.equal(cleared?.id, a.id);
  t.equal(cleared?.state, 'resolved');
  t.equal(await alarms.apply({ op: 'clear', key: 'call:room-101', by: { kind: 'device' }, reason: 'cancel' }, 'call-point'), null);
});

t.test('concurrent raises of one key make one alarm', async (t) => {
  const { alarms } = await alarmRig(createMemoryStore(), new FakeClock(1));
  const results = await Promise.all(Array.from({ length: 10 }, () => alarms.apply(raise('call:room-101'), 'call-point')));
  t.equal(new Set(results.map((r) => r!.id)).size, 1);
  t.equal(alarms.list()[0]!.repeats, 9);
});

t.test('restart restores open alarms', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
  const store = createLevelStore(dir);
  const first = await alarmRig(store, clock);
  const a = (await first.alarms.apply(raise('call:room-101', 'high'), 'call-point'))!;
  const b = (await first.alarms.apply(raise('call:room-102'), 'call-point'))!;
  await first.alarms.acknowledge(b.id, panel);
  const c = (await first.alarms.apply(raise('call:room-103'), 'call-point'))!;
  await first.alarms.resolve(c.id, panel);
  await store.close();

  const reopened = createLevelStore(dir);
  const second = await alarmRig(reopened, clock);
  t.same(
    second.alarms.list().map((x) => [x.id, x.state, x.lifecycle.length]),
    [
      [a.id, 'active', 1],
      [b.id, 'acknowledged', 2],
    ],
    'active and acknowledged alarms come back; resolved ones do not',
  );
  const again = (await second.alarms.apply(raise('call:room-101', 'high'), 'call-point'))!;
  t.equal(again.id, a.id, 'the restored alarm still de-duplicates its key');
  const outbox = new Outbox(reopened);
  await outbox.start();
  t.same(
    (await outbox.peek(100)).map((e) => e.kind),
    ['alarm', 'alarm', 'alarm-update', 'alarm', 'alarm-update'],
    'every alarm change is in the outbox',
  );
  await reopened.close();
});
