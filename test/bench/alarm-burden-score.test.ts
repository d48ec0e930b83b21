/**
 * bench:alarm-burden's scorer (docs/alarm-burden.md#how-alarms-are-scored) counts right: which alarms
 * answer which scripted event, latency from when a device showed it, and non-actionable alarms per
 * resident-day; and the simulated week's generator is seeded and keeps its promises.
 */
import t from 'tap';
import { EXPECTED, scoreBurden, type AlarmRecord } from '../../bench/alarm-burden-score.ts';
import { planWeek, weekInputs, type Recording, type ScriptedEvent } from '../../firmware-sim/week-load.ts';

const MIN = 60_000;
const event = (over: Partial<ScriptedEvent> & Pick<ScriptedEvent, 'kind'>): ScriptedEvent => ({
  residentId: 'res-1',
  deviceId: 'r1-oximeter',
  startAt: 100 * MIN,
  endAt: 110 * MIN,
  measurableAt: 100 * MIN,
  detail: '',
  ...over,
});
const alarm = (over: Partial<AlarmRecord> & Pick<AlarmRecord, 'type' | 'at'>): AlarmRecord => ({ op: 'raise', residentId: 'res-1', priority: 'high', ...over });

t.test('an event counts as alarmed by the first alarm of an expected type for its resident within its window', async (t) => {
  const desat = event({ kind: 'desaturation' });
  const score = scoreBurden(
    [desat],
    [
      alarm({ type: 'spo2-low', at: 99 * MIN }), // before it began: not this event's, and explained by none
      alarm({ type: 'spo2-low', at: 100 * MIN + 45_000, residentId: 'res-2' }), // another resident
      alarm({ type: 'body-temperature-low', at: 100 * MIN + 50_000 }), // not a type a desaturation answers to
      alarm({ type: 'spo2-low', at: 100 * MIN + 60_000 }),
      alarm({ type: 'news2-medium', at: 103 * MIN }),
    ],
    10,
  );
  t.equal(score.alarmed, 1);
  t.equal(score.outcomes[0]!.latencyMs, 60_000, 'from when the device first showed it');
  t.same(score.byKind.desaturation, { events: 1, alarmed: 1, latenciesMs: [60_000] });
  t.equal(score.raised, 5);
  t.same(score.nonActionableByType, { 'spo2-low': 2, 'body-temperature-low': 1 }, 'the early one, the other resident\'s and the wrong type');
  t.equal(score.nonActionable, 3);
  t.equal(score.nonActionablePerResidentDay, 0.3);
});

t.test('a repeat of an open alarm answers an event but is never counted as a new alarm', async (t) => {
  const score = scoreBurden([event({ kind: 'desaturation' })], [alarm({ type: 'spo2-low', at: 50 * MIN }), alarm({ op: 'repeat', type: 'spo2-low', at: 101 * MIN })], 1);
  t.equal(score.alarmed, 1, 'the repeat answered the desaturation');
  t.equal(score.raised, 1);
  t.equal(score.nonActionable, 1, 'the first alarm, before the event, is non-actionable');
});

t.test('windows and devices: a silent device needs its own device; a fever allows 30 min after; missed events are listed', async (t) => {
  const silent = event({ kind: 'silent-device', deviceId: 'r1-wearable', startAt: 0, endAt: 60 * MIN, measurableAt: 0 });
  const fever = event({ kind: 'fever', deviceId: 'r1-spot', startAt: 0, endAt: 24 * 60 * MIN, measurableAt: 8 * 60 * MIN });
  const fall = event({ kind: 'fall', deviceId: 'r1-wearable' });
  const score = scoreBurden(
    [silent, fever, fall],
    [
      alarm({ type: 'device-silent', deviceId: 'r1-oximeter', at: 15 * MIN }), // the wrong device
      alarm({ type: 'device-silent', deviceId: 'r1-wearable', at: 15 * MIN }),
      alarm({ type: 'news2-low-medium', at: 24 * 60 * MIN + 29 * MIN }), // within 30 min after the fever
      alarm({ type: 'fall', at: 111 * MIN }), // after the fall's window
    ],
    2,
  );
  t.same(score.outcomes.map((o) => o.alarm?.type ?? null), ['device-silent', 'news2-low-medium', null]);
  t.equal(score.outcomes[1]!.latencyMs, 16 * 60 * MIN + 29 * MIN, 'from the first round that measured the fever');
  t.same(score.nonActionableByType, { 'device-silent': 1, fall: 1 });
  t.same(score.byKind.fall, { events: 1, alarmed: 0, latenciesMs: [] });
  t.equal(score.alarmed, 2);
  t.ok(EXPECTED.fall.types.test('fall') && !EXPECTED.fall.types.test('spo2-low'));
});

t.test('an alarm before a device showed the event counts with latency 0', async (t) => {
  const score = scoreBurden([event({ kind: 'fever', startAt: 0, endAt: 600 * MIN, measurableAt: 480 * MIN })], [alarm({ type: 'heart-rate-high', at: 60 * MIN })], 1);
  t.equal(score.outcomes[0]!.latencyMs, 0);
});

/** A stand-in recording: 2 s standing, then a 4 g spike and lying (enough for the generator). */
function recording(name: string): Recording {
  const samples: number[] = [];
  for (let i = 0; i < 400; i++) samples.push(0, -1, 0);
  for (let i = 0; i < 4; i++) samples.push(4, 0, 0);
  for (let i = 0; i < 400; i++) samples.push(1, 0, 0);
  return { name, hz: 200, samples: new Float64Array(samples) };
}

t.test('the simulated week is seeded, in time order, and every scripted event is placed', async (t) => {
  const options = { residents: 4, days: 2, seed: 9, startMs: Date.UTC(2026, 10, 23), recordings: { adl: [recording('adl')], fall: [recording('fall')] }, rates: { desaturations: 3, fevers: 1, falls: 2, silentDevices: 2 } };
  const a = planWeek(options);
  const b = planWeek(options);
  t.same(a.events, b.events, 'same seed, same events');
  t.same(a.events.map((e) => e.kind).sort(), ['desaturation', 'desaturation', 'desaturation', 'fall', 'fall', 'fever', 'silent-device', 'silent-device']);
  t.notSame(planWeek({ ...options, seed: 10 }).events, a.events, 'another seed, other events');
  let last = -Infinity;
  let count = 0;
  let outOfOrder = 0;
  const kinds = new Set<string>();
  for (const item of weekInputs(a)) {
    if (item.at < last - 1000) outOfOrder++; // within one simulated second is allowed (a finger-out state 1.5 s after its low value)
    last = Math.max(last, item.at);
    count++;
    kinds.add(`${item.deviceId.split('-')[1]}:${item.input.kind}`);
  }
  t.equal(outOfOrder, 0, 'time order, to the second');
  t.ok(count > 4 * 2 * 1000, `${count} inputs`);
  t.same([...kinds].sort(), ['oximeter:reading', 'oximeter:state', 'spot:reading', 'wearable:accelerometer', 'wearable:status']);
});
