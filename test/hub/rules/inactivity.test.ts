/**
 * The inactivity rule through the engine on a fake clock (docs/rules.md#inactivity): someone present
 * and not moving in a bathroom, and nobody in a room at night. Clock times are the hub's local time,
 * so this file fixes the zone; the epochs below are written in UTC with the Berlin time beside them,
 * including the two nights of 2026 when the clocks change.
 */
import t, { type Test } from 'tap';
import { inactivityRule } from '../../../hub/rules/inactivity.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { ruleRig } from './rule-rig.ts';

// Node re-reads the zone when TZ is assigned; each tap test file runs in its own process.
process.env.TZ = 'Europe/Berlin';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 24 Nov 2026, 18:00 in Berlin (CET, UTC+1). */
const EVENING = Date.UTC(2026, 10, 24, 17, 0);

const bath = { deviceId: 'radar-b', roomId: 'bath-1', residentId: 'res-1' } as const;
const bedroom = { deviceId: 'radar-r', roomId: 'room-5', residentId: 'res-5' } as const;
type Where = { deviceId: string; roomId: string; residentId?: string };
const presence = (present: boolean, where: Where = bath) => ({ ...where, kind: 'state', payload: { kind: 'presence', present } }) as const;
const motion = (m: 'none' | 'stationary' | 'moving', where: Where = bath) => ({ ...where, kind: 'state', payload: { kind: 'motion', motion: m } }) as const;

const ROOMS = {
  'bath-1': { stillForMs: 20 * MIN },
  'room-5': { nightAbsence: { from: '22:00', to: '06:00', absentForMs: 30 * MIN } },
};

async function rig(t: Test, start = EVENING, options: Record<string, unknown> = { rooms: ROOMS }) {
  const r = await ruleRig(createMemoryStore(), new FakeClock(start), [inactivityRule], { inactivity: options });
  t.teardown(r.stop);
  return r;
}

t.test('the zone is fixed for this file', async (t) => {
  t.equal(new Date(EVENING).getHours(), 18);
});

t.test('still: present and not moving in the bathroom for stillForMs raises, not a moment before', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await send(presence(true));
  await send(motion('moving'));
  await advance(10 * MIN);
  t.same(alarms.list(), [], 'moving is not still');
  await send(motion('stationary'));
  await advance(20 * MIN - 1);
  t.same(alarms.list(), []);
  await advance(1);
  t.match(alarms.list(), [
    { key: 'no-motion:bath-1', type: 'no-motion', priority: 'high', ruleId: 'inactivity', roomId: 'bath-1', deviceId: 'radar-b', residentId: 'res-1', reason: /bath-1 has not moved for 20 min/ },
  ]);
  t.equal(alarms.list()[0]!.raisedAt, new Date(EVENING + 30 * MIN).toISOString());
});

t.test('still: moving in time starts the wait again; repeated still reports do not', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t);
  await send(presence(true));
  await send(motion('stationary'));
  await advance(5 * MIN);
  await send(motion('stationary'));
  await send(presence(true));
  t.equal(await wakeAt('inactivity', 'bath-1'), EVENING + 20 * MIN, 'a repeated report keeps the first still time');
  await advance(10 * MIN);
  await send(motion('moving'));
  await advance(MIN);
  await send(motion('none')); // Seeed radars: present, and no movement at all
  await advance(20 * MIN - 1);
  t.same(alarms.list(), [], '20 min since the movement, less one ms');
  await advance(1);
  t.match(alarms.list(), [{ key: 'no-motion:bath-1' }]);
});

t.test('still: leaving the room ends the wait', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t);
  await send(presence(true));
  await send(motion('stationary'));
  await advance(10 * MIN);
  await send(presence(false));
  t.equal(await wakeAt('inactivity', 'bath-1'), null);
  await advance(HOUR);
  t.same(alarms.list(), []);
});

t.test('still: a sensor that reports presence without motion never counts as still', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t);
  await send(presence(true));
  t.equal(await wakeAt('inactivity', 'bath-1'), null);
  await advance(2 * HOUR);
  t.same(alarms.list(), []);
});

t.test('still: a motion report before any presence report is not still yet', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await send(motion('stationary'));
  await advance(HOUR);
  t.same(alarms.list(), []);
  await send(presence(true));
  await advance(20 * MIN);
  t.match(alarms.list(), [{ key: 'no-motion:bath-1', raisedAt: new Date(EVENING + 80 * MIN).toISOString() }]);
});

t.test('still: moving again does not resolve the alarm; a new episode while it is open counts a repeat', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await send(presence(true));
  await send(motion('stationary'));
  await advance(20 * MIN);
  await send(motion('stationary'));
  await advance(HOUR);
  t.equal(alarms.list()[0]!.repeats, 0, 'still reports within the same episode do not raise again');
  await send(motion('moving'));
  await send(presence(false));
  t.match(alarms.list(), [{ key: 'no-motion:bath-1', state: 'active' }], 'someone must go and see');
  await advance(HOUR);
  t.equal(alarms.list()[0]!.repeats, 0, 'raised once per episode');
  await send(presence(true));
  await send(motion('stationary'));
  await advance(20 * MIN);
  t.equal(alarms.list().length, 1);
  t.equal(alarms.list()[0]!.repeats, 1);
});

t.test('a room not in the options is not watched, whatever its name', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t);
  for (const roomId of ['room-x', 'constructor', 'toString']) {
    const where = { deviceId: 'radar-x', roomId };
    await send(presence(true, where));
    await send(motion('stationary', where));
    await send(presence(false, where));
    t.equal(await wakeAt('inactivity', roomId), null, roomId);
  }
  await advance(24 * HOUR);
  t.same(alarms.list(), []);
});

t.test('night: nobody in the room from 20:00 raises at 22:30, half an hour into the night', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await advance(2 * HOUR); // 20:00
  await send(presence(false, bedroom));
  await advance(2 * HOUR + 30 * MIN - 1);
  t.same(alarms.list(), []);
  await advance(1);
  t.match(alarms.list(), [
    { key: 'night-absence:room-5', type: 'night-absence', priority: 'medium', roomId: 'room-5', deviceId: 'radar-r', residentId: 'res-5', reason: 'Nobody in room-5 at night (22:00–06:00) since 20:00' },
  ]);
  t.equal(alarms.list()[0]!.raisedAt, '2026-11-24T21:30:00.000Z', '22:30 in Berlin');
});

t.test('night: back before the time, no alarm; the wake-up is cancelled', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t);
  await send(presence(false, bedroom));
  await advance(4 * HOUR + 10 * MIN); // 22:10
  await send(presence(true, bedroom));
  t.equal(await wakeAt('inactivity', 'room-5'), null);
  await advance(12 * HOUR);
  t.same(alarms.list(), []);
});

t.test('night: leaving at 23:00 raises at 23:30', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await send(presence(true, bedroom));
  await advance(5 * HOUR); // 23:00
  await send(presence(false, bedroom));
  await advance(30 * MIN);
  t.match(alarms.list(), [{ key: 'night-absence:room-5', raisedAt: '2026-11-24T22:30:00.000Z' }]);
});

t.test('night: leaving at 05:50 is judged the next night, not after the night has ended', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t, Date.UTC(2026, 10, 25, 4, 50)); // 05:50
  await send(presence(false, bedroom));
  t.equal(await wakeAt('inactivity', 'room-5'), Date.UTC(2026, 10, 25, 21, 30), '22:30 the next night');
  await advance(HOUR);
  t.same(alarms.list(), [], 'nothing at 06:20');
  await advance(15 * HOUR + 40 * MIN); // 22:30
  t.match(alarms.list(), [{ key: 'night-absence:room-5', reason: /since 05:50/ }]);
});

t.test('night: raised once per absence; a new absence after the resident came back raises again', async (t) => {
  const { send, advance, alarms } = await rig(t);
  await send(presence(false, bedroom));
  await advance(5 * HOUR); // 23:00
  t.equal(alarms.list().length, 1);
  await advance(HOUR); // 00:00
  await send(presence(false, bedroom));
  await send(motion('none', bedroom));
  await advance(23 * HOUR); // 23:00 the next night
  await send(presence(false, bedroom));
  await advance(HOUR);
  t.equal(alarms.list()[0]!.repeats, 0, 'a resident away for days is not announced every night, nor at each report of nobody');
  await send(presence(true, bedroom)); // 00:00
  await send(presence(false, bedroom));
  await advance(30 * MIN - 1);
  t.equal(alarms.list()[0]!.repeats, 0);
  await advance(1);
  t.equal(alarms.list()[0]!.repeats, 1, 'a new absence, half an hour later');
});

t.test('night: the night the clocks go back (25 Oct 2026) ends at 06:00 CET, not eight hours after 22:00 CEST', async (t) => {
  const { send, advance, alarms } = await rig(t, Date.UTC(2026, 9, 25, 4, 10)); // 05:10 CET
  await send(presence(false, bedroom));
  await advance(30 * MIN);
  t.match(alarms.list(), [{ key: 'night-absence:room-5', raisedAt: '2026-10-25T04:40:00.000Z' }], '05:40 CET');
});

t.test('night: the day the clocks go forward (29 Mar 2026), 22:30 is in summer time', async (t) => {
  const { send, advance, alarms } = await rig(t, Date.UTC(2026, 2, 29, 5, 0)); // 07:00 CEST
  await send(presence(false, bedroom));
  await advance(15 * HOUR + 30 * MIN - 1);
  t.same(alarms.list(), [], 'nothing before 22:30 CEST');
  await advance(1);
  t.match(alarms.list(), [{ key: 'night-absence:room-5', raisedAt: '2026-03-29T20:30:00.000Z' }], '22:30 CEST');
});

t.test('night: a window within one day (an afternoon rest)', async (t) => {
  const rooms = { 'room-5': { nightAbsence: { from: '13:00', to: '15:00', absentForMs: 45 * MIN } } };
  const { send, advance, alarms } = await rig(t, EVENING, { rooms });
  await send(presence(false, bedroom));
  await advance(19 * HOUR + 45 * MIN - 1); // 13:45 the next day, less one ms
  t.same(alarms.list(), []);
  await advance(1);
  t.match(alarms.list(), [{ key: 'night-absence:room-5', raisedAt: '2026-11-25T12:45:00.000Z' }]);
});

t.test('night: a window within one day, the day the clocks go forward', async (t) => {
  const rooms = { 'room-5': { nightAbsence: { from: '13:00', to: '15:00', absentForMs: 45 * MIN } } };
  const { send, advance, alarms } = await rig(t, Date.UTC(2026, 2, 28, 15, 0), { rooms }); // 28 Mar, 16:00 CET
  await send(presence(false, bedroom));
  await advance(20 * HOUR + 45 * MIN);
  t.match(alarms.list(), [{ key: 'night-absence:room-5', raisedAt: '2026-03-29T11:45:00.000Z' }], '13:45 CEST, a calendar day later and 23 h on');
});

t.test('both watches in one room share its wake-up', async (t) => {
  const rooms = { 'room-5': { stillForMs: 20 * MIN, nightAbsence: { from: '22:00', to: '06:00', absentForMs: 30 * MIN } } };
  const { send, advance, alarms } = await rig(t, Date.UTC(2026, 10, 24, 20, 50), { rooms, stillPriority: 'medium', nightAbsencePriority: 'high' }); // 21:50
  await send(presence(true, bedroom));
  await send(motion('stationary', bedroom));
  await advance(20 * MIN); // 22:10
  t.match(alarms.list(), [{ key: 'no-motion:room-5', priority: 'medium' }]);
  await advance(5 * MIN);
  await send(presence(false, bedroom)); // 22:15
  await advance(30 * MIN);
  t.same(alarms.list().map((a) => [a.key, a.priority]).sort(), [
    ['night-absence:room-5', 'high'],
    ['no-motion:room-5', 'medium'],
  ]);
});

t.test('bad options are refused', async (t) => {
  const night = (n: Record<string, unknown>) => ({ rooms: { r: { nightAbsence: { from: '22:00', to: '06:00', absentForMs: MIN, ...n } } } });
  for (const bad of [night({ from: '24:00' }), night({ to: '6:00' }), night({ to: '22:00' }), night({ absentForMs: 7 * HOUR + 1 }), night({ absentForMs: 0 }), { rooms: { r: { stillForMs: -1 } } }, { rooms: { r: { still: 1 } } }]) {
    t.notOk(inactivityRule.options.safeParse(bad).success, JSON.stringify(bad));
  }
  t.ok(inactivityRule.options.safeParse(night({ absentForMs: 7 * HOUR })).success, 'an hour shorter than the window is allowed');
});
