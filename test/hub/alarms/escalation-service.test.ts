/**
 * The alarm service's escalation on a fake clock and a real LevelDB: at exactly the configured
 * time and not before, through the tiers, an acknowledged alarm that comes back, and what the
 * outbox, the record, the listeners and the metrics see.
 */
import t, { type Test } from 'tap';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { alarmKey } from '../../../hub/store/keys.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import type { Event } from '../../../protocols/event.ts';
import { alarmProcess, iso, panel, raise, T0 } from './rig.ts';

const S = 1000;
const escalations = (events: Event[]) =>
  events.flatMap((e) => (e.kind === 'alarm-escalation' ? [{ at: e.hubTime, tier: e.payload.tier, audience: e.payload.audience, count: e.payload.count, dueAt: e.payload.dueAt }] : []));

async function rig(t: Test, config: unknown = {}) {
  const store = createLevelStore(t.testdir());
  const p = await alarmProcess(store, T0, config);
  t.teardown(async () => {
    await p.alarms.stop();
    await store.close();
  });
  return { ...p, store };
}

t.test('high: nothing at 59.999 s; at 60 s to all panels, at 120 s on-call, at 180 s on-call again', async (t) => {
  const { alarms, advance, events, store, metrics } = await rig(t);
  const heard: Alarm[] = [];
  alarms.onChange((a) => heard.push(a));
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.equal(alarms.nextWakeAt, T0 + 60 * S, 'the timer is armed at the due time');

  await advance(60 * S - 1);
  t.same(escalations(await events()), [], 'not before the configured time');
  t.equal(alarms.get(a.id)!.tier, 0);

  await advance(1);
  t.same(escalations(await events()), [{ at: iso(T0 + 60 * S), tier: 1, audience: 'all-panels', count: 1, dueAt: iso(T0 + 60 * S) }], 'at exactly 60 s');
  const first = alarms.get(a.id)!;
  t.match(first, { state: 'active', tier: 1, audience: 'all-panels', announcedAt: iso(T0 + 60 * S), escalations: 1 });
  t.equal(first.lifecycle.length, 1, 'an escalation is not a state change');
  t.same(await store.get(alarmKey(a.id)), first, 'the escalated record is on disk');
  t.match(heard.at(-1), { id: a.id, tier: 1 }, 'the panel hears it');
  t.equal(alarms.nextWakeAt, T0 + 120 * S);

  await advance(60 * S);
  await advance(60 * S);
  t.same(
    escalations(await events()).map((e) => [e.at, e.tier, e.audience, e.count]),
    [
      [iso(T0 + 60 * S), 1, 'all-panels', 1],
      [iso(T0 + 120 * S), 2, 'on-call', 2],
      [iso(T0 + 180 * S), 2, 'on-call', 3],
    ],
    'one tier a period, the last repeats',
  );
  t.equal(metrics.render().match(/alarm_escalations_total\{audience="on-call"\} (\d+)/)?.[1], '2', 'counted by audience');
  const outbox = (await events()).find((e) => e.kind === 'alarm-escalation')!;
  t.match(outbox, { roomId: 'room-101', payload: { alarmId: a.id } }, 'the event names the alarm and its room');
});

t.test('each priority at its own default time, and configured times win', async (t) => {
  for (const [priority, s, config] of [
    ['high', 60, {}],
    ['medium', 180, {}],
    ['low', 600, {}],
    ['technical', 1800, {}],
    ['high', 5, { escalateAfterS: { high: 5 } }],
    ['low', 42, { escalateAfterS: { low: 42 } }],
  ] as const) {
    t.test(`${priority} ${JSON.stringify(config)}`, async (t) => {
      const { alarms, advance, events } = await rig(t, config);
      await alarms.apply(raise(`k-${priority}`, priority), 'r');
      await advance(s * S - 1);
      t.equal(escalations(await events()).length, 0, `${priority}, ${s} s: not 1 ms early`);
      await advance(1);
      t.match(escalations(await events()), [{ at: iso(T0 + s * S), tier: 1 }], `${priority}: at ${s} s`);
    });
  }
});

t.test('an acknowledgement stops the escalation; not resolved, the alarm comes back after returnAfterS, then escalates again', async (t) => {
  const { alarms, advance, events, store } = await rig(t);
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  await advance(30 * S);
  await alarms.acknowledge(a.id, panel);
  await advance(150 * S);
  t.same(escalations(await events()), [], 'acknowledged at 30 s: no escalation at 60, 120 or 180 s');
  t.equal(alarms.get(a.id)!.state, 'acknowledged');

  await advance(30 * S - 1);
  t.equal(alarms.get(a.id)!.state, 'acknowledged', 'not 1 ms before 30 + 180 s');
  await advance(1);
  const back = alarms.get(a.id)!;
  t.match(back, { state: 'active', announcedAt: iso(T0 + 210 * S), tier: 0 }, 'back at exactly 210 s, active again');
  t.same(back.lifecycle.map((l) => [l.state, l.by.kind, l.at]), [
    ['active', 'rule', iso(T0)],
    ['acknowledged', 'panel', iso(T0 + 30 * S)],
    ['active', 'system', iso(T0 + 210 * S)],
  ]);
  t.equal(back.lifecycle[2]!.note, 'acknowledged and not resolved within 180 s');
  t.same(await store.get(alarmKey(a.id)), back, 'on disk');
  const update = (await events()).filter((e) => e.kind === 'alarm-update').at(-1)!;
  t.match(update, { hubTime: iso(T0 + 210 * S), payload: { alarmId: a.id, state: 'active', by: { kind: 'system', id: 'escalation' } } }, 'an alarm-update the relay projects');

  await advance(60 * S);
  t.match(escalations(await events()), [{ at: iso(T0 + 270 * S), tier: 1, count: 1 }], 'unacknowledged again: escalates 60 s after it came back');
  await alarms.acknowledge(a.id, panel);
  await alarms.resolve(a.id, panel);
  await advance(3600 * S);
  t.equal(escalations(await events()).length, 1, 'resolved: never again');
  t.equal(alarms.nextWakeAt, null, 'and no timer left');
});

t.test('returnAfterS from config', async (t) => {
  const { alarms, advance } = await rig(t, { returnAfterS: 20 });
  const a = (await alarms.apply(raise('k'), 'r'))!;
  await alarms.acknowledge(a.id, panel);
  await advance(20 * S - 1);
  t.equal(alarms.get(a.id)!.state, 'acknowledged');
  await advance(1);
  t.equal(alarms.get(a.id)!.state, 'active');
});

t.test('tiers from config: two tiers, the second repeats', async (t) => {
  const { alarms, advance, events } = await rig(t, { tiers: ['all-panels', 'on-call'] });
  const a = (await alarms.apply(raise('k'), 'r'))!;
  t.equal(a.audience, 'all-panels', 'a new alarm starts at the first tier');
  for (let i = 0; i < 3; i++) await advance(60 * S);
  t.same(escalations(await events()).map((e) => [e.tier, e.audience, e.count]), [[1, 'on-call', 1], [1, 'on-call', 2], [1, 'on-call', 3]]);
});

t.test('a failed escalation write is logged and retried a second later, not in a tight loop', async (t) => {
  const { alarms, advance, store, records, clock, events } = await rig(t);
  await alarms.apply(raise('k'), 'r');
  const batch = store.batch.bind(store);
  let failures = 0;
  store.batch = async (ops, options) => {
    if (ops.some((o) => o.type === 'put' && (o.value as Event | undefined)?.kind === 'alarm-escalation')) {
      failures++;
      throw new Error('disk full');
    }
    return batch(ops, options);
  };
  await advance(60 * S);
  t.equal(failures, 1, 'one attempt at the due time');
  t.ok(records.some((r) => r.msg === 'alarm escalation not written; retrying'));
  t.same(clock.pendingDelays, [1000], 'the next attempt in a second');
  store.batch = batch;
  await advance(1000);
  t.match(escalations(await events()), [{ at: iso(T0 + 61 * S), dueAt: iso(T0 + 60 * S), tier: 1 }], 'written late, with its due time');
});
