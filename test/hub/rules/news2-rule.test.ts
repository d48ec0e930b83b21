/**
 * The NEWS2 rule through the RuleEngine on a fake clock (docs/rules.md#news2): the score needs all
 * five measured parameters within the window; consciousness and air/oxygen come from staff
 * observations (alert and air when never entered, said in the reason); one alarm per entry into a
 * higher band, none on the way down; per-resident scale 2; band kept across a restart on LevelDB.
 * The scoring itself is hub/vitals/news2.ts's, tested in test/hub/vitals/news2.test.ts.
 */
import t from 'tap';
import { Event } from '../../../protocols/event.ts';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { RuleEngine } from '../../../hub/rules/engine.ts';
import { news2Rule } from '../../../hub/rules/news2.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { alarmRig } from '../support.ts';
import { ruleRig } from './rule-rig.ts';

const NURSE = { kind: 'panel' as const, id: 'nurse-1' };
const MINUTE = 60_000;
const METRIC = { rr: 'respiratory-rate', spo2: 'spo2', sbp: 'systolic-bp', hr: 'heart-rate', temp: 'body-temperature' } as const;
type Vitals = Partial<Record<keyof typeof METRIC, number>>;
const NORMAL: Required<Vitals> = { rr: 16, spo2: 97, sbp: 120, hr: 70, temp: 37.0 };

let nextSeq = 1;
function envelope(residentId: string, seq = nextSeq++) {
  return { id: `0190f000-0000-7000-8000-${String(seq).padStart(12, '0')}`, hubId: 'hub-test', seq, hubTime: '2026-11-24T10:00:00.000Z', residentId };
}
function reading(residentId: string, key: keyof typeof METRIC, value: number): Event {
  return { ...envelope(residentId), deviceId: `dev-${key}`, kind: 'reading', payload: { metric: METRIC[key], loinc: null, value, unit: '' } };
}
function observation(residentId: string, payload: { acvpu?: 'A' | 'C' | 'V' | 'P' | 'U'; o2?: boolean }): Event {
  return Event.parse({ ...envelope(residentId), kind: 'observation', payload: { ...payload, by: NURSE } });
}

/** The rule with its band confirmation off (`confirmMs: 0`) unless a test sets it: these tests are about scoring and bands. */
async function rig(store: KvStore, clock: FakeClock, ruleOptions: Record<string, unknown> = {}) {
  const base = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules: [news2Rule], ruleOptions: { news2: { confirmMs: 0, ...ruleOptions } }, alarms: base.alarms, store, clock, logger: base.logger });
  await engine.start();
  /** Every distinct alarm raised, in order. */
  const raised: Alarm[] = [];
  const seen = new Set<string>();
  base.alarms.onChange((alarm) => {
    if (!seen.has(alarm.id)) raised.push(alarm), seen.add(alarm.id);
  });
  const send = async (residentId: string, vitals: Vitals) => {
    for (const [key, value] of Object.entries(vitals)) await engine.handle(reading(residentId, key as keyof typeof METRIC, value));
  };
  const resolveAll = async () => {
    for (const alarm of base.alarms.list()) await base.alarms.resolve(alarm.id, NURSE);
  };
  return { engine, raised, send, resolveAll, ...base };
}

t.test('the observation event: a resident, acvpu or o2, who entered it', async (t) => {
  const ok = (v: unknown) => Event.safeParse(v).success;
  const base = { ...envelope('res-1'), kind: 'observation' };
  t.ok(ok({ ...base, payload: { acvpu: 'C', by: NURSE } }));
  t.ok(ok({ ...base, payload: { o2: false, by: NURSE } }));
  t.notOk(ok({ ...base, payload: { by: NURSE } }), 'neither acvpu nor o2');
  t.notOk(ok({ ...base, payload: { acvpu: 'X', by: NURSE } }), 'not an ACVPU level');
  t.notOk(ok({ ...base, payload: { acvpu: 'A' } }), 'who entered it is required');
  t.notOk(ok({ ...base, payload: { acvpu: 'A', by: NURSE, note: 'x' } }), 'no unknown fields');
  const { residentId: _, ...nobody } = base;
  t.notOk(ok({ ...nobody, payload: { acvpu: 'A', by: NURSE } }), 'an observation is about a resident');
});

t.test('no score until rr, SpO2, SBP, pulse and temperature are all present', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.send('res-1', { rr: 30, spo2: 80, sbp: 80, hr: 150 }); // 3 + 3 + 3 + 3, but no temperature
  t.same(r.raised, [], 'four parameters are not a NEWS2');
  await r.send('res-1', { temp: 37 });
  t.match(r.raised, [{ key: 'news2-high:res-1', type: 'news2-high', priority: 'high', residentId: 'res-1', reason: /^NEWS2 12 \(high\): rr 3, spo2 3, o2 0, sbp 3, hr 3, acvpu 0, temp 0/ }]);
  t.match(r.raised[0]!.reason, /consciousness never recorded, assumed alert; air or oxygen never recorded, assumed air/, 'the defaults are named');
});

t.test('one alarm per entry into a higher band; none on the way down', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.send('res-1', NORMAL);
  t.same(r.raised, [], 'low raises nothing');
  // RR 21 (2), SpO2 93 (2), HR 95 (1): 5, medium.
  await r.send('res-1', { rr: 21, spo2: 93, hr: 95 });
  t.match(r.raised, [{ key: 'news2-medium:res-1', priority: 'medium', reason: /NEWS2 5 \(medium\), up from 4 \(low\)/ }]);
  await r.resolveAll();
  await r.send('res-1', { hr: 96, rr: 22, spo2: 93 }); // still medium
  t.equal(r.raised.length, 1, 'staying in the band raises nothing, even after it was resolved');
  await r.send('res-1', { rr: 16 }); // 3: low
  t.equal(r.raised.length, 1, 'dropping back raises nothing');
  await r.send('res-1', { rr: 21 }); // 5 again
  t.match(r.raised[1], { key: 'news2-medium:res-1' }, 'entering medium again is a new entry');
  await r.engine.handle(observation('res-1', { o2: true })); // +2: 7
  t.match(r.raised[2], { key: 'news2-high:res-1', priority: 'high', reason: /NEWS2 7 \(high\), up from 5 \(medium\).*o2 2/ });
  t.notMatch(r.raised[2]!.reason, /assumed air/, 'oxygen was entered');
  await r.engine.handle(observation('res-1', { o2: false }));
  await r.send('res-1', { rr: 16, spo2: 97, hr: 70 });
  t.equal(r.raised.length, 3, 'high → medium → low raises nothing');
});

t.test('a red score from a staff observation is low-medium, with its own priority', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock, { priorities: { 'low-medium': 'medium' } });
  t.teardown(() => r.engine.stop());
  await r.send('res-1', NORMAL);
  await r.engine.handle(observation('res-1', { acvpu: 'C' }));
  t.match(r.raised, [{ key: 'news2-low-medium:res-1', priority: 'medium', reason: /NEWS2 3 \(low-medium\).*acvpu 3/ }]);
  t.notMatch(r.raised[0]!.reason, /assumed alert/);
  t.match(r.raised[0]!.reason, /assumed air/);
});

t.test('the window: an old value no longer counts, a gap does not re-alarm, consciousness expires, oxygen holds', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock, { windowMs: 60 * MINUTE });
  t.teardown(() => r.engine.stop());
  await r.engine.handle(observation('res-1', { acvpu: 'V', o2: true }));
  await r.send('res-1', { ...NORMAL, temp: 36.5 });
  t.match(r.raised, [{ key: 'news2-medium:res-1', reason: /NEWS2 5 \(medium\)/ }], 'V (3) and oxygen (2)');
  await r.resolveAll();
  clock.advance(61 * MINUTE);
  await r.send('res-1', { rr: 16, spo2: 97, sbp: 120, hr: 70 }); // temperature is now 61 min old
  t.equal(r.raised.length, 1, 'incomplete: no score');
  await r.send('res-1', { temp: 36.5 });
  // Consciousness is 61 min old: alert again; oxygen is a prescription and still counts.
  t.equal(r.raised.length, 1, 'score 2, low: the medium band was not re-entered');
  await r.engine.handle(observation('res-1', { acvpu: 'P' }));
  t.match(r.raised[1], { key: 'news2-medium:res-1' }, 'fresh consciousness: 5 again, a new entry');
  await r.resolveAll();
  clock.advance(61 * MINUTE);
  await r.send('res-1', { ...NORMAL, temp: 36.5, rr: 22 }); // all fresh; P expired: 2 (rr) + 2 (o2) = 4
  t.equal(r.raised.length, 2);
  await r.engine.handle(observation('res-2', { acvpu: 'A' }));
  await r.send('res-2', { ...NORMAL, spo2: 91 });
  t.match(r.raised[2], { key: 'news2-low-medium:res-2', reason: /air or oxygen never recorded, assumed air/ });
  t.notMatch(r.raised[2]!.reason, /consciousness/, 'A was entered within the window');
});

t.test('per resident: SpO2 scale 2; implausible values are ignored', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock, { residents: { 'res-copd': { spo2Scale: 2 } } });
  t.teardown(() => r.engine.stop());
  await r.send('res-copd', { ...NORMAL, spo2: 88 });
  await r.send('res-1', { ...NORMAL, spo2: 88 });
  t.match(r.raised, [{ key: 'news2-low-medium:res-1', priority: 'low', reason: /spo2 3.*SpO2 scale 1/ }], '88 % scores 3 on scale 1 (low-medium: low priority by default)');
  t.equal(r.raised.length, 1, 'and 0 on scale 2');
  await r.engine.handle(observation('res-copd', { o2: true }));
  await r.send('res-copd', { spo2: 97 }); // ≥97 % on oxygen scores 3 on scale 2, + 2 for oxygen
  t.match(r.raised[1], { key: 'news2-medium:res-copd', reason: /NEWS2 5 \(medium\).*spo2 3, o2 2.*SpO2 scale 2/ });
  await r.send('res-3', { ...NORMAL, temp: 20 }); // below the scorer's 25 °C: a device error
  t.equal(r.raised.length, 2, 'a temperature of 20 °C is not a reading: the score stays incomplete');
});

t.test('a restart keeps each resident\'s values and band', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(1_000);
  let store = createLevelStore(dir);
  let r = await rig(store, clock);
  await r.send('res-1', { ...NORMAL, rr: 21, spo2: 93, hr: 95 });
  t.match(r.raised, [{ key: 'news2-medium:res-1' }]);
  await r.resolveAll();
  await r.send('res-2', { rr: 25, spo2: 97, sbp: 120, hr: 70 }); // no temperature yet
  const stop = async () => {
    await r.engine.stop();
    await r.log.stop();
    await store.close();
  };
  await stop();
  clock.advance(MINUTE);
  store = createLevelStore(dir);
  r = await rig(store, clock);
  t.teardown(stop);
  await r.send('res-1', { hr: 96 });
  t.same(r.raised, [], 'still medium after the restart: no new entry');
  await r.send('res-2', { temp: 37 });
  t.match(r.raised, [{ key: 'news2-low-medium:res-2' }], 'the values from before the restart complete the score');
  await r.send('res-1', { sbp: 100 }); // +2: 7
  t.match(r.raised[1], { key: 'news2-high:res-1', reason: /up from 5 \(medium\)/ });
});

t.test('band confirmation (the default, 2 min): a short excursion into a higher band raises nothing; one that stays raises once it has held', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 24, 10, 0));
  const r = await ruleRig(createMemoryStore(), clock, [news2Rule], { news2: {} });
  t.teardown(r.stop);
  const raised = () => r.changes.filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i);
  const send = async (vitals: Vitals) => {
    for (const [key, value] of Object.entries(vitals)) {
      await r.send({ residentId: 'res-1', deviceId: `dev-${key}`, kind: 'reading', payload: { metric: METRIC[key as keyof typeof METRIC], loinc: null, value, unit: '' } });
    }
  };
  await send(NORMAL);
  // A moving hand: SpO2 reads 85 % (3: low-medium) for 20 s, then 97 % again.
  await send({ spo2: 85 });
  await r.advance(20_000);
  await send({ spo2: 97 });
  await r.advance(10 * MINUTE);
  t.same(raised(), [], 'an excursion shorter than confirmMs raises nothing, and leaves no wake-up behind');
  t.equal(await r.wakeAt('news2', 'res-1'), null);

  // A real rise: RR 21 (2), SpO2 93 (2), HR 95 (1) = 5, medium, and it stays.
  await send({ rr: 21, spo2: 93, hr: 95 });
  await r.advance(119_999);
  t.same(raised(), [], 'not before 2 min');
  await r.advance(1);
  t.match(raised(), [{ key: 'news2-medium:res-1', priority: 'medium', reason: /^NEWS2 5 \(medium\), up from 4 \(low\): .*; in medium or higher for 120 s$/ }]);

  // Rising further while medium is announced: high must hold too; a dip back to medium in between restarts it.
  await send({ sbp: 89 }); // +3: 8, high
  await r.advance(60_000);
  await send({ sbp: 120 }); // 5: medium again
  await send({ sbp: 89 });
  await r.advance(119_000);
  t.equal(raised().length, 1, 'high has held only 119 s since it came back');
  await r.advance(1_000);
  t.match(raised()[1], { key: 'news2-high:res-1', priority: 'high', reason: /^NEWS2 8 \(high\), up from 5 \(medium\)/ });

  // Staying in the band raises nothing more; a lower band held announces nothing either.
  await r.advance(30 * MINUTE);
  t.equal(raised().length, 2);
});

t.test('an oximeter saying finger out withdraws its SpO2 and pulse: no score until it measures again, and a rise in progress ends', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 24, 10, 0));
  const r = await ruleRig(createMemoryStore(), clock, [news2Rule], { news2: {} });
  t.teardown(r.stop);
  const raised = () => r.changes.filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i);
  const read = (key: keyof typeof METRIC, value: number, deviceId = 'ox-1') =>
    r.send({ residentId: 'res-1', deviceId, kind: 'reading', payload: { metric: METRIC[key], loinc: null, value, unit: '' } });
  const sensor = (status: 'finger-out' | 'measuring' | 'alive', deviceId = 'ox-1') => r.send({ residentId: 'res-1', deviceId, kind: 'state', payload: { kind: 'sensor', status } });
  for (const key of ['rr', 'sbp', 'temp'] as const) await read(key, NORMAL[key], 'spot-1');
  await read('hr', 70);
  await read('spo2', 97);
  // The finger slips out: one low value (3: low-medium), then the device says so.
  await read('spo2', 84);
  await sensor('finger-out');
  await r.advance(10 * 60_000);
  t.same(raised(), [], 'the slipping finger\'s 84 % is not the resident\'s: nothing raised in 10 min');
  t.equal(await r.wakeAt('news2', 'res-1'), null, 'no confirmation pending');
  await sensor('alive', 'spot-1'); // another device's heartbeat withdraws nothing
  await sensor('measuring');
  await read('spo2', 96);
  await read('hr', 72);
  await read('spo2', 85); // measuring again: a real low value counts
  await r.advance(120_000);
  t.match(raised(), [{ key: 'news2-low-medium:res-1' }], 'values measured after the finger is back are scored');
});

t.test('a band is left only once the score has stayed lower for confirmMs: a score wavering at a band edge is announced once', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 24, 10, 0));
  const r = await ruleRig(createMemoryStore(), clock, [news2Rule], { news2: {} });
  t.teardown(r.stop);
  const raised = () => r.changes.filter((a, i, all) => all.findIndex((b) => b.id === a.id) === i);
  const send = async (vitals: Vitals) => {
    for (const [key, value] of Object.entries(vitals)) {
      await r.send({ residentId: 'res-1', deviceId: `dev-${key}`, kind: 'reading', payload: { metric: METRIC[key as keyof typeof METRIC], loinc: null, value, unit: '' } });
    }
  };
  await send({ ...NORMAL, rr: 21, spo2: 93, hr: 95 }); // 5: medium
  await r.advance(120_000);
  t.equal(raised().length, 1, 'medium announced');
  for (const alarm of r.alarms.list()) await r.alarms.resolve(alarm.id, NURSE);
  // The pulse wavers at 90/91 (0 or 1 point): the score is 4 for a minute, then 5 for three, again
  // and again. Each 5 lasts longer than confirmMs; each 4 does not.
  for (let i = 0; i < 5; i++) {
    await send({ hr: 90 });
    await r.advance(60_000);
    await send({ hr: 95 });
    await r.advance(180_000);
  }
  t.equal(raised().length, 1, 'dips below medium shorter than 2 min do not leave it, so it is not announced again');
  // Down for good (3 min at 4), then up again: a new entry.
  await send({ hr: 90 });
  await r.advance(180_000);
  await send({ hr: 95 });
  await r.advance(120_000);
  t.equal(raised().length, 2, 'after 2 min lower, medium is a new entry');
});
