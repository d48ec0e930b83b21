/**
 * Restart safety on a real LevelDB: after a kill -9 (the first process is dropped without stop()
 * and its clock never moves again), open alarms are open again and their escalation timers resume
 * from their original times, not from the restart (docs/alarms.md#restart).
 */
import t, { type Test } from 'tap';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import type { Event } from '../../../protocols/event.ts';
import { alarmProcess, iso, panel, raise, T0 } from './rig.ts';

const S = 1000;
const escalations = (events: Event[]) =>
  events.flatMap((e) => (e.kind === 'alarm-escalation' ? [{ at: e.hubTime, tier: e.payload.tier, count: e.payload.count, dueAt: e.payload.dueAt }] : []));

/** The first process raises and maybe acknowledges, then dies at `killAt` without stopping; returns its store's folder. */
async function firstLife(t: Test, killAt: number, acknowledgeAt?: number) {
  const dir = t.testdir();
  const store = createLevelStore(dir);
  const first = await alarmProcess(store, T0);
  const a = (await first.alarms.apply(raise('call:room-101'), 'call-point'))!;
  if (acknowledgeAt !== undefined) {
    await first.advance(acknowledgeAt - T0);
    await first.alarms.acknowledge(a.id, panel);
  }
  await first.advance(killAt - first.clock.now());
  // kill -9: no stop(), no flush; only the LevelDB lock goes with the process.
  await store.close();
  return { dir, id: a.id };
}

async function secondLife(t: Test, dir: string, startAt: number) {
  const store = createLevelStore(dir);
  const second = await alarmProcess(store, startAt);
  t.teardown(async () => {
    await second.alarms.stop();
    await store.close();
  });
  return second;
}

t.test('down from 30 s to 40 s: the escalation still comes at 60 s after the raise, not 60 s after the restart', async (t) => {
  const { dir, id } = await firstLife(t, T0 + 30 * S);
  const second = await secondLife(t, dir, T0 + 40 * S);
  t.match(second.alarms.list(), [{ id, state: 'active', tier: 0 }], 'active again');
  t.equal(second.alarms.nextWakeAt, T0 + 60 * S, 'armed at the original time');
  await second.advance(20 * S - 1);
  t.same(escalations(await second.events()), [], 'not before');
  await second.advance(1);
  t.same(escalations(await second.events()), [{ at: iso(T0 + 60 * S), tier: 1, count: 1, dueAt: iso(T0 + 60 * S) }], 'at exactly 60 s');
  await second.advance(60 * S);
  t.match(escalations(await second.events()).at(-1), { at: iso(T0 + 120 * S), tier: 2, count: 2 }, 'and on schedule after it');
});

t.test('down across two due times (60 s, 120 s): at the restart one escalation to the tier it would have reached, then the original schedule', async (t) => {
  const { dir, id } = await firstLife(t, T0 + 30 * S);
  const second = await secondLife(t, dir, T0 + 150 * S);
  await second.advance(0);
  t.same(escalations(await second.events()), [{ at: iso(T0 + 150 * S), tier: 2, count: 1, dueAt: iso(T0 + 120 * S) }], 'at once, straight to on-call');
  t.match(second.alarms.get(id), { tier: 2, audience: 'on-call', announcedAt: iso(T0 + 120 * S) });
  t.equal(second.alarms.nextWakeAt, T0 + 180 * S, 'next at 180 s, on the original grid, not 60 s after the restart');
});

t.test('escalated before the kill: the tier and count survive, the next one is on time', async (t) => {
  const { dir, id } = await firstLife(t, T0 + 90 * S);
  const second = await secondLife(t, dir, T0 + 100 * S);
  t.match(second.alarms.get(id), { tier: 1, escalations: 1, announcedAt: iso(T0 + 60 * S) });
  t.equal(second.alarms.nextWakeAt, T0 + 120 * S);
  await second.advance(20 * S);
  t.match(escalations(await second.events()).at(-1), { at: iso(T0 + 120 * S), tier: 2, count: 2 });
});

t.test('acknowledged before the kill: it comes back 180 s after the acknowledgement, not after the restart', async (t) => {
  const { dir, id } = await firstLife(t, T0 + 100 * S, T0 + 10 * S);
  const second = await secondLife(t, dir, T0 + 150 * S);
  t.match(second.alarms.get(id), { state: 'acknowledged' }, 'acknowledged again');
  t.equal(second.alarms.nextWakeAt, T0 + 190 * S);
  await second.advance(40 * S - 1);
  t.equal(second.alarms.get(id)!.state, 'acknowledged', 'not before');
  await second.advance(1);
  t.match(second.alarms.get(id), { state: 'active', announcedAt: iso(T0 + 190 * S) }, 'back at exactly 190 s');
});

t.test('a record written before escalation existed: tier 0, announced when raised, escalates on its raise time', async (t) => {
  const dir = t.testdir();
  const store = createLevelStore(dir);
  const first = await alarmProcess(store, T0);
  const a = (await first.alarms.apply(raise('k'), 'r'))!;
  const { tier: _t, audience: _a, announcedAt: _n, escalations: _e, ...old } = a;
  await store.batch([{ type: 'put', key: `alarm:${a.id}`, value: old }], { sync: true });
  await store.close();
  const second = await secondLife(t, dir, T0 + 10 * S);
  t.match(second.alarms.get(a.id), { tier: 0, audience: 'room', announcedAt: iso(T0), escalations: 0 });
  t.equal(second.alarms.nextWakeAt, T0 + 60 * S);
});

t.test('stop() cancels the timer; a started service re-arms it', async (t) => {
  const dir = t.testdir();
  const store = createLevelStore(dir);
  const p = await alarmProcess(store, T0);
  await p.alarms.apply(raise('k'), 'r');
  t.equal(p.clock.pending, 1);
  await p.alarms.stop();
  t.equal(p.clock.pending, 0, 'no timer after stop');
  t.equal(p.alarms.nextWakeAt, null);
  await store.close();
});
