/**
 * The supervision rule through the engine on a fake clock (docs/rules.md#supervision): a silent
 * device raises at its deadline and not before, each report moves the deadline, a heartbeating call
 * point is held to a shorter interval at a higher priority, offline raises at once, a report clears,
 * a low battery raises once, and a device silent across a restart on a real LevelDB raises at its
 * original time.
 */
import t, { type Test } from 'tap';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { callPointRule } from '../../../hub/rules/call-point.ts';
import type { Rule } from '../../../hub/rules/rule.ts';
import { supervisionRule } from '../../../hub/rules/supervision.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { ruleRig } from './rule-rig.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.UTC(2026, 10, 24, 8, 0);

const oximeter = { deviceId: 'ox-1', roomId: 'room-1', residentId: 'res-1' } as const;
const callPoint = { deviceId: 'cp-1', roomId: 'room-1' } as const;
const reading = (where: { deviceId: string } = oximeter) => ({ ...where, kind: 'reading', payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' } }) as const;
const press = (event: 'call' | 'heartbeat' | 'low-battery', battery: number | null = 80, where: { deviceId: string } = callPoint) =>
  ({ ...where, kind: 'call-point', payload: { event, deviceSeq: 1, battery, via: 'serial' } }) as const;
const status = (s: 'online' | 'offline' | 'low-battery' | 'fault', battery?: number | null, where: { deviceId: string } = oximeter) =>
  ({ ...where, kind: 'device-status', payload: { status: s, ...(battery !== undefined && { battery }) } }) as const;

async function rig(t: Test, options: Record<string, unknown> = {}, rules: readonly Rule<unknown, unknown>[] = [supervisionRule]) {
  const r = await ruleRig(createMemoryStore(), new FakeClock(START), rules, { supervision: options });
  t.teardown(r.stop);
  return r;
}

const silent = (alarms: { list(): Alarm[] }) => alarms.list().filter((a) => a.type === 'device-silent');

t.test('a device silent past its interval raises a technical alarm at the deadline, not before', async (t) => {
  const { send, advance, alarms } = await rig(t, { defaultMs: 30 * MIN });
  await send(reading());
  await advance(30 * MIN - 1);
  t.same(alarms.list(), [], 'nothing a millisecond before');
  await advance(1);
  t.match(alarms.list(), [
    { key: 'device-silent:ox-1', type: 'device-silent', priority: 'technical', deviceId: 'ox-1', roomId: 'room-1', residentId: 'res-1', reason: /Device ox-1 silent for 30 min \(expected a report every 30 min\)/ },
  ]);
  t.equal(alarms.list()[0]!.raisedAt, new Date(START + 30 * MIN).toISOString());
  await advance(5 * HOUR);
  t.equal(alarms.list().length, 1, 'one alarm');
  t.equal(alarms.list()[0]!.repeats, 0, 'silence is raised once, not every interval');
});

t.test('every report moves the deadline to now + interval', async (t) => {
  const { send, advance, alarms, wakeAt } = await rig(t, { defaultMs: 30 * MIN });
  await send(reading());
  await advance(20 * MIN);
  await send({ ...oximeter, kind: 'state', payload: { kind: 'sensor', status: 'finger-out' } });
  await advance(20 * MIN);
  await send(status('online'));
  await advance(29 * MIN);
  t.same(alarms.list(), [], '69 min without 30 silent ones');
  t.equal(await wakeAt('supervision', 'ox-1'), START + 70 * MIN, 'the wake-up is the last report + 30 min');
  await advance(MIN);
  t.equal(silent(alarms).length, 1);
});

t.test('defaults: zigbee2mqtt\'s 25 h for a device, 5 min for a call point, 20 % battery, technical priority but a call point\'s silence high', async (t) => {
  t.match(supervisionRule.options.parse({}), { defaultMs: 25 * HOUR, callPointMs: 5 * MIN, lowBatteryPercent: 20, silentPriority: 'technical', callPointSilentPriority: 'high', lowBatteryPriority: 'technical' });
});

t.test('a call point that sends heartbeats is held to callPointMs, at the higher priority, for its room', async (t) => {
  const { send, advance, alarms } = await rig(t, { defaultMs: HOUR, callPointMs: 5 * MIN });
  await send(press('heartbeat'));
  await advance(5 * MIN);
  t.match(alarms.list(), [{ key: 'device-silent:cp-1', priority: 'high', roomId: 'room-1', deviceId: 'cp-1', reason: /Call point cp-1 silent for 5 min.*room-1 cannot call/ }]);
});

t.test('a call point stays a call point after a press: the press re-arms at callPointMs', async (t) => {
  const { send, advance, alarms } = await rig(t, { defaultMs: HOUR, callPointMs: 5 * MIN });
  await send(press('heartbeat'));
  await advance(4 * MIN);
  await send(press('call'));
  await advance(5 * MIN - 1);
  t.same(alarms.list(), []);
  await advance(1);
  t.match(alarms.list(), [{ key: 'device-silent:cp-1', priority: 'high' }]);
});

t.test('a button that presses but never sends heartbeats (zigbee2mqtt) is judged by defaultMs, not minutes', async (t) => {
  const { send, advance, alarms } = await rig(t, { defaultMs: HOUR, callPointMs: 5 * MIN });
  await send({ deviceId: 'sos-1', roomId: 'room-2', kind: 'call-point', payload: { event: 'call', deviceSeq: 1, battery: 90, via: 'zigbee2mqtt' } });
  await advance(HOUR - 1);
  t.same(alarms.list(), [], 'no "cannot call" after each press');
  await advance(1);
  t.match(alarms.list(), [{ key: 'device-silent:sos-1', priority: 'technical' }]);
});

t.test('perDevice overrides both intervals; null leaves a device unsupervised', async (t) => {
  const { send, advance, alarms, clock, wakeAt } = await rig(t, { defaultMs: HOUR, perDevice: { 'ox-1': 10 * MIN, 'cuff-1': null, 'cp-1': 2 * HOUR } });
  await send(reading());
  await send(reading({ deviceId: 'cuff-1' }));
  await send(press('heartbeat'));
  t.same(clock.pendingDelays, [10 * MIN, 2 * HOUR], 'no wake-up for cuff-1');
  t.equal(await wakeAt('supervision', 'cuff-1'), null);
  await advance(10 * MIN);
  t.same(silent(alarms).map((a) => a.key), ['device-silent:ox-1']);
  await advance(2 * HOUR);
  t.same(silent(alarms).map((a) => a.key).sort(), ['device-silent:cp-1', 'device-silent:ox-1']);
  await send(status('offline', undefined, { deviceId: 'cuff-1' }));
  t.equal(silent(alarms).length, 2, 'an unsupervised device going offline raises nothing');
});

t.test('offline (a last will, zigbee2mqtt availability) raises at once; the device back online clears it by the rule', async (t) => {
  const { send, advance, alarms, changes, wakeAt } = await rig(t, { defaultMs: HOUR });
  await send(reading());
  await advance(MIN);
  await send(status('offline'));
  t.match(alarms.list(), [{ key: 'device-silent:ox-1', priority: 'technical', reason: /ox-1 went offline/ }]);
  t.equal(await wakeAt('supervision', 'ox-1'), null, 'already alarmed: no wake-up');
  await send(status('offline'));
  t.equal(alarms.list()[0]!.repeats, 0, 'a second offline does not count again');
  await advance(2 * HOUR);
  t.equal(alarms.list().length, 1);
  await send(status('online'));
  t.same(alarms.list(), []);
  t.match(changes.at(-1), { key: 'device-silent:ox-1', state: 'resolved', lifecycle: [{}, { state: 'resolved', by: { kind: 'rule', id: 'supervision' } }] });
  t.equal(await wakeAt('supervision', 'ox-1'), START + 3 * HOUR + MIN, 'supervised again from the report');
});

t.test('a device never heard from that goes offline still raises', async (t) => {
  const { send, alarms } = await rig(t);
  await send(status('offline', undefined, { deviceId: 'btn-9' }));
  t.match(alarms.list(), [{ key: 'device-silent:btn-9' }]);
});

t.test('a silent device that reports again clears its alarm; silent again raises a new one', async (t) => {
  const { send, advance, alarms, changes } = await rig(t, { defaultMs: 30 * MIN });
  await send(reading());
  await advance(30 * MIN);
  const first = alarms.list()[0]!;
  await send(reading());
  t.same(alarms.list(), []);
  t.match(changes.at(-1), { id: first.id, state: 'resolved' });
  await advance(30 * MIN);
  t.match(alarms.list(), [{ key: 'device-silent:ox-1', state: 'active' }]);
  t.not(alarms.list()[0]!.id, first.id);
});

t.test('low battery: raised once on entering low, kept while it hovers, cleared when the battery is replaced', async (t) => {
  const { send, alarms, changes } = await rig(t, { lowBatteryPercent: 20 });
  await send(status('online', 21));
  t.same(alarms.list(), [], '21 % is not low');
  await send(status('online', 20));
  t.match(alarms.list(), [{ key: 'low-battery:ox-1', type: 'low-battery', priority: 'technical', reason: /ox-1 battery low \(20 %\)/, roomId: 'room-1' }]);
  await send(status('online', 19));
  await send(reading());
  await send(status('online', 24));
  await send(status('online', 30));
  t.equal(alarms.list().length, 1);
  t.equal(alarms.list()[0]!.repeats, 0, 'every report of a low battery is not a repeat');
  await send(status('online', 31));
  t.same(alarms.list(), [], 'more than 10 points above the threshold: new batteries');
  t.match(changes.at(-1), { key: 'low-battery:ox-1', state: 'resolved', lifecycle: [{}, { by: { kind: 'rule', id: 'supervision' } }] });
  await send(status('online', 15));
  t.match(alarms.list(), [{ key: 'low-battery:ox-1', state: 'active' }], 'low again, alarmed again');
});

t.test('a low-battery status without a level is low; a later status without a level does not clear it', async (t) => {
  const { send, alarms } = await rig(t);
  await send(status('low-battery'));
  t.match(alarms.list(), [{ key: 'low-battery:ox-1', reason: 'Device ox-1 battery low' }]);
  await send(status('online'));
  await send(status('low-battery', 90));
  t.equal(alarms.list().length, 1);
});

t.test('priorities come from the options', async (t) => {
  const { send, advance, alarms } = await rig(t, { lowBatteryPriority: 'low', silentPriority: 'medium', callPointSilentPriority: 'medium', defaultMs: HOUR, callPointMs: HOUR });
  await send(status('online', 20));
  await send(press('heartbeat'));
  await advance(HOUR);
  t.same(alarms.list().map((a) => [a.key, a.priority]).sort(), [
    ['device-silent:cp-1', 'medium'],
    ['device-silent:ox-1', 'medium'],
    ['low-battery:ox-1', 'low'],
  ]);
});

t.test('a call point\'s low battery is one alarm, whether the call-point rule or supervision sees it first', async (t) => {
  const { send, alarms } = await rig(t, {}, [callPointRule, supervisionRule]);
  await send(press('low-battery', 9));
  await send({ ...callPoint, kind: 'device-status', payload: { status: 'low-battery', battery: 9 } });
  const low = alarms.list().filter((a) => a.type === 'low-battery');
  t.equal(low.length, 1);
  t.match(low, [{ key: 'low-battery:cp-1', repeats: 1 }]);
});

t.test('events without a device are not supervised', async (t) => {
  const { send, engine, clock } = await rig(t);
  await send({ roomId: 'room-1', kind: 'state', payload: { kind: 'presence', present: true } });
  t.equal(engine.scopeCount('supervision'), 0);
  t.same(clock.pendingDelays, [], 'no wake-up');
});

t.test('bad options are refused', async (t) => {
  for (const bad of [{ defaultMs: 0 }, { callPointMs: -1 }, { perDevice: { 'ox-1': 1.5 } }, { perDevice: { 'bad id': 1 } }, { lowBatteryPercent: 101 }, { silentPriority: 'urgent' }, { nope: 1 }]) {
    t.notOk(supervisionRule.options.safeParse(bad).success, JSON.stringify(bad));
  }
});

t.test('a device silent across a restart raises at its original time (real LevelDB)', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(START);
  const options = { supervision: { callPointMs: 5 * MIN } };
  let store = createLevelStore(dir);
  let r = await ruleRig(store, clock, [supervisionRule], options);
  await r.send(press('heartbeat'), 1);
  await r.advance(2 * MIN);
  await r.stop();
  await store.close();

  clock.advance(MIN); // the hub is down (kill -9 or a restart) for a minute
  store = createLevelStore(dir);
  r = await ruleRig(store, clock, [supervisionRule], options, 2);
  t.teardown(async () => {
    await r.stop();
    await store.close();
  });
  t.same(clock.pendingDelays, [2 * MIN], 'due 5 min after the heartbeat, not 5 min after the restart');
  await r.advance(2 * MIN - 1);
  t.same(r.alarms.list(), []);
  await r.advance(1);
  t.match(r.alarms.list(), [{ key: 'device-silent:cp-1', priority: 'high', raisedAt: new Date(START + 5 * MIN).toISOString() }]);
});

t.test('a deadline that passed while the hub was down raises at once after the restart', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(START);
  const options = { supervision: { defaultMs: 10 * MIN } };
  let store = createLevelStore(dir);
  let r = await ruleRig(store, clock, [supervisionRule], options);
  await r.send(reading(), 1);
  await r.stop();
  await store.close();

  clock.advance(HOUR);
  store = createLevelStore(dir);
  r = await ruleRig(store, clock, [supervisionRule], options, 2);
  t.teardown(async () => {
    await r.stop();
    await store.close();
  });
  t.same(clock.pendingDelays, [0]);
  await r.advance(0);
  t.match(r.alarms.list(), [{ key: 'device-silent:ox-1', reason: /silent for 60 min/, raisedAt: new Date(START + HOUR).toISOString() }]);
});

t.test('an interval lengthened in the config while the hub was down moves the wake-up instead of raising early', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(START);
  let store = createLevelStore(dir);
  let r = await ruleRig(store, clock, [supervisionRule], { supervision: { defaultMs: 10 * MIN } });
  await r.send(reading(), 1);
  await r.stop();
  await store.close();

  store = createLevelStore(dir);
  r = await ruleRig(store, clock, [supervisionRule], { supervision: { defaultMs: 30 * MIN } }, 2);
  t.teardown(async () => {
    await r.stop();
    await store.close();
  });
  await r.advance(10 * MIN);
  t.same(r.alarms.list(), [], 'the old 10 min deadline passes quietly');
  t.equal(await r.wakeAt('supervision', 'ox-1'), START + 30 * MIN);
  await r.advance(20 * MIN);
  t.match(r.alarms.list(), [{ key: 'device-silent:ox-1', raisedAt: new Date(START + 30 * MIN).toISOString() }]);
});
