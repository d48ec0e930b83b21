/**
 * The vital-thresholds rule through the RuleEngine on a fake clock (docs/rules.md#vital-thresholds):
 * persistence (a value that stays low raises with no further reading), hysteresis (re-arms only
 * after recovery past the band, checked as a property), an oximeter's technical states never
 * raising low SpO2, per-resident SpO2 scale 2 and overrides, and state kept across a restart on a
 * real LevelDB.
 */
import t from 'tap';
import fc from 'fast-check';
import type { Event } from '../../../protocols/event.ts';
import type { SensorStatus } from '../../../protocols/device-state.ts';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { RuleEngine } from '../../../hub/rules/engine.ts';
import { THRESHOLD_DEFAULTS, vitalThresholdsRule } from '../../../hub/rules/vital-thresholds.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { until } from '../../fakes/wait.ts';
import { alarmRig } from '../support.ts';

const NURSE = { kind: 'panel' as const, id: 'nurse-1' };
const UNITS: Record<string, string> = { 'body-weight': 'kg', spo2: '%', 'heart-rate': '/min', 'respiratory-rate': '/min', 'systolic-bp': 'mm[Hg]', 'body-temperature': 'Cel' };

let nextSeq = 1;
function envelope(residentId: string, deviceId: string, seq: number) {
  return { id: `0190f000-0000-7000-8000-${String(seq).padStart(12, '0')}`, hubId: 'hub-test', seq, hubTime: '2026-11-24T10:00:00.000Z', residentId, deviceId };
}
function reading(residentId: string, metric: keyof typeof UNITS, value: number, deviceId = 'ox-1', seq = nextSeq++): Event {
  return { ...envelope(residentId, deviceId, seq), kind: 'reading', payload: { metric: metric as 'spo2', loinc: null, value, unit: UNITS[metric]! } };
}
function sensor(residentId: string, status: SensorStatus, deviceId = 'ox-1', seq = nextSeq++): Event {
  return { ...envelope(residentId, deviceId, seq), kind: 'state', payload: { kind: 'sensor', status } };
}
function barrier(seq = nextSeq++): Event {
  return { ...envelope('nobody', 'none', seq), kind: 'audit', payload: { action: 'barrier', actor: { kind: 'system' } } };
}
const spo2 = (residentId: string, value: number, deviceId = 'ox-1') => reading(residentId, 'spo2', value, deviceId);

async function rig(store: KvStore, clock: FakeClock, ruleOptions: Record<string, unknown> = {}) {
  const base = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules: [vitalThresholdsRule], ruleOptions: { 'vital-thresholds': ruleOptions }, alarms: base.alarms, store, clock, logger: base.logger });
  await engine.start();
  /** Every distinct alarm raised, in order (a repeat of an open alarm is not a new one). */
  const raised: Alarm[] = [];
  const seen = new Set<string>();
  base.alarms.onChange((alarm) => {
    if (!seen.has(alarm.id)) raised.push(alarm), seen.add(alarm.id);
  });
  /** Runs due wake-ups and waits for them: the engine runs events and ticks in order, so an event no rule takes is a barrier. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await engine.handle(barrier());
  };
  const resolveAll = async () => {
    for (const alarm of base.alarms.list()) await base.alarms.resolve(alarm.id, NURSE);
  };
  return { engine, raised, advance, resolveAll, ...base };
}

t.test('defaults are the NEWS2 values that score 3, as cut-offs', async (t) => {
  const opts = vitalThresholdsRule.options.parse({}) as { thresholds: typeof THRESHOLD_DEFAULTS; scale2Spo2Below: number };
  t.same(opts.thresholds, THRESHOLD_DEFAULTS);
  t.match(opts.thresholds, {
    spo2: { below: 92, above: null, holdMs: 30_000 }, // ≤91 %
    'respiratory-rate': { below: 9, above: 24 }, // ≤8, ≥25
    'heart-rate': { below: 41, above: 130 }, // ≤40, ≥131
    'systolic-bp': { below: 91, above: 219, holdMs: 0 }, // ≤90, ≥220
    'body-temperature': { below: 35.1, above: 38 }, // ≤35.0; over 38.0 is fever (NEWS2 scores from 38.1)
  });
  t.equal(opts.scale2Spo2Below, 84, 'scale 2: ≤83 %');
  t.notOk(vitalThresholdsRule.options.safeParse({ thresholds: { 'heart-rate': { below: 130, above: 41 } } }).success, 'below must be under above');
  t.notOk(vitalThresholdsRule.options.safeParse({ residents: { 'res 1': { spo2Scale: 2 } } }).success, 'resident ids are ids');
  t.notOk(vitalThresholdsRule.options.safeParse({ residents: { 'res-1': { thresholds: { 'heart-rate': { below: 135 } } } } }).success, 'a resident override must leave a normal range');
  t.notOk(vitalThresholdsRule.options.safeParse({ residents: { 'res-1': { spo2Scale: 3 } } }).success, 'scale is 1 or 2');
  t.ok(vitalThresholdsRule.options.safeParse({ thresholds: { spo2: { holdMs: 20_000 } } }).success, 'a partial override keeps the other defaults');
});

t.test('persistence: a value that stays low raises at the hold time with no further reading', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(spo2('res-1', 89));
  await r.advance(29_999);
  t.same(r.raised, [], 'nothing before 30 s');
  await r.advance(1);
  t.match(r.raised, [{ key: 'spo2-low:res-1', type: 'spo2-low', priority: 'high', residentId: 'res-1', deviceId: 'ox-1', reason: /SpO2 below 92 % for 30 s \(lowest 89 %\)/ }]);
  await r.advance(600_000);
  t.equal(r.raised.length, 1, 'one alarm, no more wake-ups');
});

t.test('persistence: a dip shorter than the hold that recovers past the band raises nothing', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(spo2('res-1', 88));
  await r.advance(20_000);
  await r.engine.handle(spo2('res-1', 94)); // 92 + 2: recovered
  await r.advance(60_000);
  t.same(r.raised, []);
  // By default (holdEndsAt: threshold) a value back at the threshold ends the hold: 89, 93, 90 is two
  // holds, and the alarm comes 30 s after the second began.
  await r.engine.handle(spo2('res-1', 89));
  await r.advance(10_000);
  await r.engine.handle(spo2('res-1', 93));
  await r.advance(10_000);
  await r.engine.handle(spo2('res-1', 90));
  await r.advance(29_999);
  t.same(r.raised, [], 'the first hold ended at 93 %; the second has not run 30 s');
  await r.advance(1);
  t.match(r.raised, [{ key: 'spo2-low:res-1', reason: /lowest 90 %/ }], '30 s after it went low again');
});

t.test('hovering at the threshold: dips shorter than the hold raise nothing, however often (holdEndsAt: threshold)', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  for (let i = 0; i < 50; i++) {
    await r.engine.handle(spo2('res-1', 91));
    await r.advance(25_000);
    await r.engine.handle(spo2('res-1', i % 2 ? 92 : 93)); // back at the threshold, not past the band
    await r.advance(60_000);
  }
  t.same(r.raised, [], '50 dips of 25 s at 91 % between 92 and 93 %');
});

t.test('holdEndsAt: band: noise inside the band neither restarts nor cancels a hold', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock, { holdEndsAt: 'band' });
  t.teardown(() => r.engine.stop());
  // 89, 93, 90 is one 30 s hold.
  await r.engine.handle(spo2('res-1', 89));
  await r.advance(10_000);
  await r.engine.handle(spo2('res-1', 93));
  await r.advance(10_000);
  await r.engine.handle(spo2('res-1', 90));
  await r.advance(9_999);
  t.same(r.raised, [], 'still within the hold');
  await r.advance(1);
  t.match(r.raised, [{ key: 'spo2-low:res-1', reason: /lowest 89 %/ }], '30 s after it first went low');
});

t.test('fever: a temperature over 38.0 °C raises at once, once per episode', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(reading('res-1', 'body-temperature', 38, 'th-1'));
  t.same(r.raised, [], '38.0 °C is not over 38.0');
  await r.engine.handle(reading('res-1', 'body-temperature', 38.6, 'th-1'));
  await r.advance(0);
  t.match(r.raised, [{ key: 'body-temperature-high:res-1', type: 'body-temperature-high', priority: 'medium', reason: /Temperature above 38 Cel \(highest 38.6 Cel\)|above 38/ }]);
  await r.resolveAll();
  await r.engine.handle(reading('res-1', 'body-temperature', 37.9, 'th-1')); // not past the band (38 − 0.3)
  await r.engine.handle(reading('res-1', 'body-temperature', 39.1, 'th-1'));
  t.equal(r.raised.length, 1, 'the same fever does not raise again after it was resolved');
});

t.test('hysteresis: after an alarm the rule re-arms only once the value is back past the band', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(spo2('res-1', 89));
  await r.advance(30_000);
  t.equal(r.raised.length, 1);
  await r.resolveAll(); // the nurse resolves it; the value hovers at the threshold
  for (const v of [92, 91, 93, 90, 93.9, 89]) {
    await r.engine.handle(spo2('res-1', v));
    await r.advance(40_000);
  }
  t.equal(r.raised.length, 1, 'hovering between 89 and 93.9 does not raise again');
  await r.engine.handle(spo2('res-1', 94)); // recovered: re-armed
  await r.engine.handle(spo2('res-1', 90));
  await r.advance(30_000);
  t.equal(r.raised.length, 2, 'a new desaturation after recovery raises again');
});

t.test('hysteresis on the high side: a pulse hovering at 130 /min raises once', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(reading('res-1', 'heart-rate', 135));
  await r.advance(30_000);
  t.match(r.raised, [{ key: 'heart-rate-high:res-1', reason: /Pulse above 130 \/min for 30 s \(highest 135 \/min\)/ }]);
  await r.resolveAll();
  for (const v of [130, 131, 126, 140, 125.5, 133]) {
    await r.engine.handle(reading('res-1', 'heart-rate', v));
    await r.advance(40_000);
  }
  t.equal(r.raised.length, 1, 'between 125.5 and 140 it does not raise again');
  await r.engine.handle(reading('res-1', 'heart-rate', 125)); // 130 - 5: recovered
  await r.engine.handle(reading('res-1', 'heart-rate', 131));
  await r.advance(30_000);
  t.equal(r.raised.length, 2);
});

t.test('a reading of a metric without thresholds changes nothing', async (t) => {
  const state = vitalThresholdsRule.initialState();
  const opts = vitalThresholdsRule.options.parse({});
  const result = vitalThresholdsRule.evaluate(state, reading('res-1', 'body-weight', 70, 'scale-1'), 1_000, opts);
  t.same(result, { state, alarms: [] }, 'no state change and the standing wake-up kept (wakeAt absent)');
});

t.test('property: a value oscillating inside the hysteresis band raises at most one alarm', async (t) => {
  const { hysteresis } = THRESHOLD_DEFAULTS.spo2;
  const below = THRESHOLD_DEFAULTS.spo2.below as number; // SpO2 has a low default (checked in the first test)
  // Any mix of values from well below the threshold up to just under its re-arm edge (92 + 2).
  const value = fc.oneof(fc.integer({ min: 80, max: below + hysteresis - 1 }), fc.double({ min: 80, max: below + hysteresis, maxExcluded: true, noNaN: true }));
  const step = fc.record({ value, gapMs: fc.integer({ min: 0, max: 45_000 }), resolve: fc.boolean() });
  const details = await fc.check(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const clock = new FakeClock(1_000);
      const r = await rig(createMemoryStore(), clock);
      try {
        for (const s of steps) {
          await r.engine.handle(spo2('res-1', s.value));
          await r.advance(s.gapMs);
          if (s.resolve) await r.resolveAll(); // a nurse resolving it must not let it flap back
        }
        await r.advance(60_000);
        return r.raised.length <= 1;
      } finally {
        await r.engine.stop();
      }
    }),
    { numRuns: 60 },
  );
  t.notOk(details.failed, details.failed ? `counter-example: ${JSON.stringify(details.counterexample)}` : 'no counter-example');
  t.equal(details.numRuns, 60);
});

t.test('finger out, searching and no value are the sensor, never low SpO2', async (t) => {
  for (const status of ['finger-out', 'searching', 'searching-too-long', 'no-value'] as const) {
    const clock = new FakeClock(1_000);
    const r = await rig(createMemoryStore(), clock);
    await r.engine.handle(sensor('res-1', 'measuring'));
    await r.engine.handle(spo2('res-1', 70)); // the finger slipping reads low first
    await r.engine.handle(reading('res-1', 'heart-rate', 35));
    await r.advance(2_000);
    await r.engine.handle(sensor('res-1', status));
    await r.engine.handle(spo2('res-1', 0)); // a value sent while not measuring is not the resident's
    await r.advance(120_000);
    t.same(r.raised, [], `${status}: no alarm`);
    // Measuring again, still low: that is the resident.
    await r.engine.handle(sensor('res-1', 'measuring'));
    await r.engine.handle(spo2('res-1', 85));
    await r.advance(30_000);
    t.match(r.raised, [{ key: 'spo2-low:res-1' }], `${status}: low after measuring again raises`);
    await r.engine.stop();
  }
});

t.test('property: low values cut short by a technical state never raise, whatever the device sends meanwhile', async (t) => {
  // One episode: measuring, low readings for less than the 30 s hold, a technical state, anything
  // while not measuring (CMS50 invalid markers, zeros), a pause, then measuring again at a normal value.
  const episode = fc.record({
    lows: fc.array(fc.record({ value: fc.integer({ min: 50, max: 91 }), gapMs: fc.integer({ min: 0, max: 9_000 }) }), { minLength: 1, maxLength: 3 }),
    status: fc.constantFrom('finger-out', 'searching', 'searching-too-long', 'no-value'),
    garbage: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })), { maxLength: 5 }),
    pauseMs: fc.integer({ min: 0, max: 300_000 }),
    normal: fc.integer({ min: 94, max: 100 }),
  });
  const details = await fc.check(
    fc.asyncProperty(fc.array(episode, { minLength: 1, maxLength: 6 }), async (episodes) => {
      const clock = new FakeClock(1_000);
      const r = await rig(createMemoryStore(), clock);
      try {
        for (const e of episodes) {
          await r.engine.handle(sensor('res-1', 'measuring'));
          for (const low of e.lows) {
            await r.engine.handle(spo2('res-1', low.value));
            await r.advance(low.gapMs); // at most 27 s in all: inside the hold
          }
          await r.engine.handle(sensor('res-1', e.status));
          for (const v of e.garbage) await r.engine.handle(spo2('res-1', v));
          await r.advance(e.pauseMs);
          await r.engine.handle(sensor('res-1', 'measuring'));
          await r.engine.handle(spo2('res-1', e.normal));
        }
        await r.advance(60_000);
        return r.raised.length === 0;
      } finally {
        await r.engine.stop();
      }
    }),
    { numRuns: 60 },
  );
  t.notOk(details.failed, details.failed ? `counter-example: ${JSON.stringify(details.counterexample)}` : 'no counter-example');
  t.equal(details.numRuns, 60);
});

t.test('a technical state suspends only its own device; a device that never says measuring resumes on a value', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(reading('res-1', 'heart-rate', 140, 'strap-1'));
  await r.engine.handle(sensor('res-1', 'finger-out', 'ox-1'));
  await r.engine.handle(sensor('res-1', 'alive', 'strap-1')); // a heartbeat is not a technical state
  await r.advance(30_000);
  t.match(r.raised, [{ key: 'heart-rate-high:res-1', deviceId: 'strap-1' }], 'the other device still counts');
  // A BLE oximeter reports a special value as no-value and never says measuring (drivers/gatt-inputs.ts).
  await r.engine.handle(sensor('res-2', 'no-value', 'ble-ox'));
  await r.engine.handle(spo2('res-2', 86, 'ble-ox'));
  await r.advance(30_000);
  t.match(r.raised[1], { key: 'spo2-low:res-2', deviceId: 'ble-ox' }, 'its next value resumes it');
});

t.test('per resident: SpO2 scale 2 and threshold overrides', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock, {
    residents: { 'res-copd': { spo2Scale: 2 }, 'res-hr': { thresholds: { 'heart-rate': { above: 110, holdMs: 5_000, priority: 'low' } } } },
  });
  t.teardown(() => r.engine.stop());
  await r.engine.handle(spo2('res-copd', 86));
  await r.engine.handle(spo2('res-1', 86));
  await r.advance(60_000);
  t.match(r.raised, [{ key: 'spo2-low:res-1' }], 'scale 1 raises at 86 %');
  t.equal(r.raised.length, 1, '86 % is inside a scale-2 target of 88–92 with no 3 score');
  await r.engine.handle(spo2('res-copd', 83));
  await r.advance(30_000);
  t.match(r.raised[1], { key: 'spo2-low:res-copd', reason: /below 84 %.*scale 2/ }, 'scale 2 raises at ≤83 %');
  await r.engine.handle(reading('res-hr', 'heart-rate', 115));
  await r.engine.handle(reading('res-1', 'heart-rate', 115));
  await r.advance(5_000);
  t.match(r.raised[2], { key: 'heart-rate-high:res-hr', priority: 'low' });
  t.equal(r.raised.length, 3, 'the override is that resident\'s alone');
});

t.test('spot measurements with no hold raise at once; high thresholds raise too', async (t) => {
  const clock = new FakeClock(1_000);
  const r = await rig(createMemoryStore(), clock);
  t.teardown(() => r.engine.stop());
  await r.engine.handle(reading('res-1', 'systolic-bp', 88, 'bp-1'));
  await until(() => r.raised.length === 1, 'the BP alarm');
  t.match(r.raised, [{ key: 'systolic-bp-low:res-1', priority: 'medium', reason: /Systolic BP below 91 mmHg \(lowest 88 mmHg\)/ }]);
  await r.engine.handle(reading('res-1', 'body-temperature', 35.05, 'thermo-1'));
  await r.engine.handle(reading('res-1', 'respiratory-rate', 26, 'radar-1'));
  await r.advance(59_999);
  t.equal(r.raised.length, 2, 'temperature at once, respiration not before 60 s');
  await r.advance(1);
  t.match(r.raised.slice(1), [{ key: 'body-temperature-low:res-1' }, { key: 'respiratory-rate-high:res-1' }]);
});

t.test('a restart keeps holds and alarmed state: the hold ends at its original time; no re-raise', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(1_000);
  let store = createLevelStore(dir);
  let r = await rig(store, clock);
  await r.engine.handle(spo2('res-1', 89, 'ox-1'));
  await r.engine.handle(reading('res-2', 'heart-rate', 35, 'ox-2'));
  await r.advance(30_000);
  t.same(r.raised.map((a) => a.key).sort(), ['heart-rate-low:res-2', 'spo2-low:res-1'], 'both raised before the restart');
  await r.resolveAll();
  await r.engine.handle(spo2('res-3', 88, 'ox-3'));
  await r.advance(10_000);
  const stop = async () => {
    await r.engine.stop();
    await r.log.stop();
    await store.close();
  };
  await stop();

  clock.advance(10_000); // the hub is down for 10 s
  store = createLevelStore(dir);
  r = await rig(store, clock);
  t.teardown(stop);
  await r.engine.handle(spo2('res-1', 88, 'ox-1')); // still low, alarm resolved: stays quiet
  await r.advance(9_999);
  t.same(r.raised, [], 'res-3 not before its original 30 s');
  await r.advance(1);
  t.match(r.raised, [{ key: 'spo2-low:res-3' }], 'res-3 at 30 s after its first low reading, not 30 s after the restart');
  await r.advance(60_000);
  t.equal(r.raised.length, 1, 'res-1 was already alarmed before the restart and has not recovered');
});
