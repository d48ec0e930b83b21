/**
 * hub/alarms/: the exact records, events, ordering and listener behaviour of the
 * alarm service, beyond the life-cycle walk in alarm-service.test.ts.
 */
import t from 'tap';
import { canTransition } from '../../hub/alarms/alarm.ts';
import type { Alarm } from '../../hub/alarms/alarm.ts';
import { alarmKey } from '../../hub/store/keys.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import type { KvStore } from '../../hub/store/kv-store.ts';
import { UUID_PATTERN, uuidv7Time } from '../../protocols/uuidv7.ts';
import type { Clock } from '../../hub/clock.ts';
import { alarmRig as sharedAlarmRig } from './support.ts';

const alarmRig = (store: KvStore, clock: Clock) => sharedAlarmRig(store, clock, 'info');

const T0 = Date.parse('2026-03-01T10:00:00Z');
const panel = { kind: 'panel', id: 'nurse-a' } as const;
const raise = (key: string, priority: 'high' | 'medium' | 'low' = 'medium', extra: Record<string, string> = {}) =>
  ({ op: 'raise', key, type: 'call', priority, reason: `call ${key}`, ...extra }) as const;

async function rig() {
  const store = createMemoryStore();
  const clock = new FakeClock(T0);
  const r = await alarmRig(store, clock);
  const outbox = new Outbox(store);
  await outbox.start();
  return { ...r, store, clock, events: () => outbox.peek(1000) };
}

t.test('the state machine: active → acknowledged → resolved, resolved is final, acknowledged may come back', async (t) => {
  const states = ['active', 'acknowledged', 'resolved'] as const;
  const allowed = new Set(['active>acknowledged', 'active>resolved', 'acknowledged>resolved', 'acknowledged>active']);
  for (const from of states) for (const to of states) t.equal(canTransition(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`);
});

t.test('a raise stores, logs and announces exactly the alarm', async (t) => {
  const { alarms, store, events, metrics, records } = await rig();
  const cause = '0192f1a0-7c3e-7a12-8b34-0123456789ab';
  const a = (await alarms.apply(raise('call:room-101', 'high', { roomId: 'room-101', deviceId: 'cp-101', residentId: 'res-7', causeEventId: cause }), 'call-point'))!;
  const [ev] = await events();
  t.same(a, {
    id: a.id,
    key: 'call:room-101',
    type: 'call',
    priority: 'high',
    state: 'active',
    ruleId: 'call-point',
    reason: 'call call:room-101',
    roomId: 'room-101',
    deviceId: 'cp-101',
    residentId: 'res-7',
    raisedAt: '2026-03-01T10:00:00.000Z',
    repeats: 0,
    tier: 0,
    audience: 'room',
    announcedAt: '2026-03-01T10:00:00.000Z',
    escalations: 0,
    lifecycle: [{ state: 'active', at: '2026-03-01T10:00:00.000Z', by: { kind: 'rule', id: 'call-point' }, eventId: ev!.id }],
  });
  t.match(a.id, UUID_PATTERN, 'a UUIDv7 id');
  t.equal(uuidv7Time(a.id), T0, 'made at the clock time');
  t.same(await store.get(alarmKey(a.id)), a, 'the record is stored under its key');
  t.match(ev, {
    kind: 'alarm',
    hubTime: '2026-03-01T10:00:00.000Z',
    roomId: 'room-101',
    deviceId: 'cp-101',
    residentId: 'res-7',
    payload: { alarmId: a.id, key: 'call:room-101', type: 'call', priority: 'high', state: 'active', ruleId: 'call-point', reason: 'call call:room-101', causeEventId: cause },
  });
  t.equal(metrics.get('alarms_raised_total', { type: 'call', priority: 'high' }), 1);
  t.ok(records.some((r) => r.msg === 'alarm raised' && r.alarmId === a.id), 'logged');
});

t.test('optional fields stay absent when the command has none', async (t) => {
  const { alarms, events } = await rig();
  const a = (await alarms.apply(raise('fall:room-102'), 'fall'))!;
  for (const field of ['roomId', 'deviceId', 'residentId']) t.notOk(field in a, `no ${field} on the alarm`);
  const [ev] = await events();
  t.notOk('causeEventId' in (ev!.payload as object), 'no causeEventId in the event');
  const empty = (await alarms.apply(raise('fall:room-103', 'low', { roomId: '', causeEventId: '' }), 'fall'))!;
  t.notOk('roomId' in empty, 'an empty roomId is left out');
});

t.test('a repeat counts, persists, is announced and does not log a new event', async (t) => {
  const { alarms, store, events, metrics } = await rig();
  const seen: Alarm[] = [];
  alarms.onChange((x) => seen.push(x));
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  const again = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  const third = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.equal(third.repeats, 2);
  t.equal(third.id, a.id);
  t.same(await store.get(alarmKey(a.id)), third, 'the repeat count is stored');
  t.equal(alarms.get(a.id)?.repeats, 2, 'and indexed');
  t.equal(again.repeats, 1);
  t.equal(metrics.get('alarm_repeats_total', { type: 'call' }), 2);
  t.same(seen.map((x) => x.repeats), [0, 1, 2]);
  t.equal((await events()).length, 1, 'only the raise is an event');
});

t.test('acknowledge and resolve: records, events, store and metrics', async (t) => {
  const { alarms, store, events, metrics, clock } = await rig();
  const a = (await alarms.apply(raise('call:room-101', 'medium', { roomId: 'room-101' }), 'call-point'))!;
  clock.advance(5000);
  const acked = await alarms.acknowledge(a.id, panel);
  t.equal(acked.state, 'acknowledged');
  t.equal(a.state, 'active', 'the earlier record is not changed in place');
  t.equal(a.lifecycle.length, 1);
  t.same(await store.get(alarmKey(a.id)), acked, 'the acknowledged record is stored');
  t.same(alarms.get(a.id), acked);
  const evs = await events();
  t.match(evs[1], { kind: 'alarm-update', hubTime: '2026-03-01T10:00:05.000Z', roomId: 'room-101', payload: { alarmId: a.id, state: 'acknowledged', by: panel } });
  t.notOk('note' in (evs[1]!.payload as object), 'no note when none was given');
  t.same(acked.lifecycle[1], { state: 'acknowledged', at: '2026-03-01T10:00:05.000Z', by: panel, eventId: evs[1]!.id });
  t.equal(metrics.get('alarm_transitions_total', { to: 'acknowledged' }), 1);
  clock.advance(1000);
  const resolved = await alarms.resolve(a.id, panel);
  t.equal(await store.get(alarmKey(a.id)), undefined, 'a resolved alarm leaves the hub store');
  t.equal(alarms.get(a.id), undefined);
  t.equal(metrics.get('alarm_transitions_total', { to: 'resolved' }), 1);
  t.equal(resolved.lifecycle[2]?.at, '2026-03-01T10:00:06.000Z');
});

t.test('clear: the reason travels as the note, and an unknown key is nothing', async (t) => {
  const { alarms, events } = await rig();
  t.equal(await alarms.apply({ op: 'clear', key: 'call:nowhere', by: { kind: 'device' }, reason: 'cancel' }, 'call-point'), null);
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  await alarms.apply({ op: 'clear', key: 'call:room-101', by: { kind: 'device', id: 'cp-101' }, reason: 'cancel pressed' }, 'call-point');
  const evs = await events();
  t.same(evs[1]!.payload, { alarmId: a.id, state: 'resolved', by: { kind: 'device', id: 'cp-101' }, note: 'cancel pressed' });
  t.same(alarms.list(), []);
  const b = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.not(b.id, a.id, 'the key is free again after a clear');
});

t.test('invalid moves are refused with a code and change nothing', async (t) => {
  const { alarms, events } = await rig();
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  await alarms.acknowledge(a.id, panel);
  await t.rejects(alarms.acknowledge(a.id, panel), { code: 'invalid-transition', message: `alarm ${a.id} is acknowledged; cannot become acknowledged` });
  await t.rejects(alarms.acknowledge('nope', panel), { code: 'not-found', message: 'no open alarm nope' });
  t.equal((await events()).length, 2, 'no event for a refused move');
  const ok = await alarms.resolve(a.id, panel);
  t.equal(ok.state, 'resolved', 'a refused call does not block the next one');
});

t.test('list: most urgent first, then oldest first', async (t) => {
  const { alarms, clock } = await rig();
  const ids: Record<string, string> = {};
  for (const [key, prio] of [['low-old', 'low'], ['med-old', 'medium'], ['high-new', 'high'], ['med-new', 'medium'], ['high-newer', 'high']] as const) {
    ids[key] = (await alarms.apply(raise(key, prio), 'r'))!.id;
    clock.advance(1000);
  }
  t.same(alarms.list().map((a) => a.key), ['high-new', 'high-newer', 'med-old', 'med-new', 'low-old']);
});

t.test('listeners: a throwing one is logged and the others still hear; unsubscribe and stop', async (t) => {
  const { alarms, records } = await rig();
  const heard: string[] = [];
  alarms.onChange(() => {
    throw new Error('panel gone');
  });
  const off = alarms.onChange((a) => heard.push(`b:${a.state}`));
  const a = (await alarms.apply(raise('call:room-101'), 'call-point'))!;
  t.same(heard, ['b:active']);
  t.ok(records.some((r) => r.msg === 'alarm listener failed' && (r.err as { message: string }).message === 'panel gone'));
  off();
  await alarms.acknowledge(a.id, panel);
  t.same(heard, ['b:active'], 'unsubscribed');
  alarms.onChange((x) => heard.push(`c:${x.state}`));
  await alarms.stop();
  await alarms.resolve(a.id, panel).catch(() => undefined);
  t.same(heard, ['b:active'], 'stop removes every listener');
});

t.test('start restores open alarms and reports their number', async (t) => {
  const store = createMemoryStore();
  const clock = new FakeClock(T0);
  const first = await alarmRig(store, clock);
  await first.alarms.apply(raise('k1'), 'r');
  const two = (await first.alarms.apply(raise('k2', 'high'), 'r'))!;
  // Another family in the store must not be read as alarms.
  await store.batch([{ type: 'put', key: 'alarn:zzz', value: { bogus: true } }, { type: 'put', key: 'alarm;x', value: { bogus: true } }], { sync: false });
  const second = await alarmRig(store, clock);
  t.same(second.alarms.list().map((a) => a.key), ['k2', 'k1']);
  t.equal(second.metrics.render().match(/carehub_hub_alarms_open (\d+)/)?.[1], '2', 'the open gauge');
  t.ok(second.records.some((r) => r.msg === 'alarms restored' && r.open === 2));
  await second.alarms.resolve(two.id, panel);
  t.equal(second.metrics.render().match(/carehub_hub_alarms_open (\d+)/)?.[1], '1');
});
