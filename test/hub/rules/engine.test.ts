/**
 * The rule engine (docs/adding-a-rule.md#the-engine): per-scope state, wake-ups through the Clock,
 * state and wake-up times that survive a restart on a real LevelDB, replayed events not counted
 * twice, a failing rule isolated. The rules here are written for the test: a reading counter per
 * resident, and a "stays low for 30 s" rule that must act when nothing happens.
 */
import t from 'tap';
import { z } from 'zod';
import type { Event } from '../../../protocols/event.ts';
import { RuleEngine } from '../../../hub/rules/engine.ts';
import { defineRule, type Rule } from '../../../hub/rules/rule.ts';
import { createLevelStore } from '../../../hub/store/level-store.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { until } from '../../fakes/wait.ts';
import { alarmRig } from '../support.ts';

let nextSeq = 1;
function reading(residentId: string, value: number, seq = nextSeq++): Event {
  return {
    id: `0190f000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    hubId: 'hub-test',
    seq,
    hubTime: '2026-11-24T10:00:00.000Z',
    kind: 'reading',
    residentId,
    payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' },
  };
}

/** Counts readings per resident. */
const counter = defineRule({
  id: 'test-counter',
  description: 'counts readings per resident',
  inputs: ['reading'],
  options: z.strictObject({}),
  scope: (e) => e.residentId ?? null,
  initialState: () => ({ n: 0 }),
  evaluate: (state: { n: number }) => ({ state: { n: state.n + 1 }, alarms: [] }),
});

/** SpO2 below 90 for 30 s raises; a value back at 90 or above cancels the wait. */
const staysLow = defineRule({
  id: 'test-stays-low',
  description: 'low for 30 s',
  inputs: ['reading'],
  options: z.strictObject({ holdMs: z.number().default(30_000) }),
  scope: (e) => e.residentId ?? null,
  initialState: () => ({ lowSince: null as number | null }),
  evaluate(state: { lowSince: number | null }, event, now, opts: { holdMs: number }) {
    if (event.kind !== 'reading') return { state, alarms: [] };
    if (event.payload.value >= 90) return { state: { lowSince: null }, alarms: [], wakeAt: null };
    if (state.lowSince !== null) return { state, alarms: [] };
    return { state: { lowSince: now }, alarms: [], wakeAt: now + opts.holdMs };
  },
  tick(state: { lowSince: number | null }, _now, _opts, scope) {
    return {
      state,
      alarms: [{ op: 'raise', key: `low:${scope}`, type: 'spo2-low', priority: 'high', reason: 'SpO2 below 90 for 30 s', residentId: scope }],
    };
  },
});

async function engineOn(store: KvStore, clock: FakeClock, rules: readonly Rule<unknown, unknown>[] = [counter, staysLow]) {
  const rig = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules, ruleOptions: {}, alarms: rig.alarms, store, clock, logger: rig.logger });
  await engine.start();
  return { engine, ...rig };
}

t.test('each resident has its own state', async (t) => {
  const clock = new FakeClock(1_000);
  const { engine } = await engineOn(createMemoryStore(), clock);
  for (const r of ['res-1', 'res-2', 'res-1']) await engine.handle(reading(r, 97));
  t.equal(engine.scopeCount('test-counter'), 2);
  t.equal(engine.scopeCount('test-stays-low'), 2);
  t.teardown(() => engine.stop());
});

t.test('a rule woken by the clock acts when nothing happens, and not a moment before', async (t) => {
  const clock = new FakeClock(1_000);
  const { engine, alarms } = await engineOn(createMemoryStore(), clock);
  t.teardown(() => engine.stop());
  await engine.handle(reading('res-1', 85));
  await engine.handle(reading('res-2', 85));
  await engine.handle(reading('res-2', 95)); // res-2 recovers: its wake-up is cancelled
  clock.advance(29_999);
  await until(() => true);
  t.same(alarms.list(), [], 'nothing before 30 s');
  clock.advance(1);
  await until(() => alarms.list().length > 0, 'the wake-up');
  t.match(alarms.list(), [{ key: 'low:res-1', priority: 'high' }]);
  t.equal(alarms.list().length, 1, 'res-2 recovered in time');
  t.equal(engine.pendingWakeUps, 0, 'a tick that asks for nothing more leaves no timer');
});

t.test('state and wake-up times survive a restart; the timer fires at its original time', async (t) => {
  const dir = t.testdir();
  const clock = new FakeClock(1_000);
  let store = createLevelStore(dir);
  let rig = await engineOn(store, clock);
  await rig.engine.handle(reading('res-1', 85, 101));
  await rig.engine.handle(reading('res-1', 84, 102));
  clock.advance(10_000);
  await rig.engine.stop();
  await rig.log.stop();
  await store.close();
  t.same(clock.pendingDelays, [], 'stopping cancels the timer');

  clock.advance(10_000); // the hub is down for 10 s
  store = createLevelStore(dir);
  rig = await engineOn(store, clock);
  t.teardown(async () => {
    await rig.engine.stop();
    await rig.log.stop();
    await store.close();
  });
  t.same(clock.pendingDelays, [10_000], 'the wake-up is due 30 s after the first low reading, not 30 s after the restart');
  await rig.engine.handle(reading('res-1', 83, 102)); // the input replayed after the crash
  await rig.engine.handle(reading('res-1', 83, 103));
  clock.advance(10_000);
  await until(() => rig.alarms.list().length > 0, 'the wake-up');
  t.match(rig.alarms.list(), [{ key: 'low:res-1' }]);
  const stored = await store.get<{ state: { n: number }; seq: number }>('rule:test-counter|res-1');
  t.same(stored?.state, { n: 3 }, 'the replayed reading (seq 102) was not counted again');
  t.equal(stored?.seq, 103);
});

t.test('a rule that throws does not keep the event from the others', async (t) => {
  const clock = new FakeClock(1_000);
  const broken = defineRule({
    id: 'test-broken',
    description: 'throws',
    inputs: ['reading'],
    options: z.strictObject({}),
    initialState: () => ({}),
    evaluate: () => {
      throw new Error('rule bug');
    },
  });
  const { engine } = await engineOn(createMemoryStore(), clock, [broken, counter]);
  t.teardown(() => engine.stop());
  await engine.handle(reading('res-1', 97));
  t.equal(engine.scopeCount('test-counter'), 1);
  t.equal(engine.scopeCount('test-broken'), 0);
});

t.test('a rule that leaves its state as it was costs no write; one event\'s writes go in one batch', async (t) => {
  const clock = new FakeClock(1_000);
  const inner = createMemoryStore();
  const batches: string[][] = [];
  const store: KvStore = { ...inner, batch: (ops, options) => (batches.push(ops.map((o) => o.key)), inner.batch(ops, options)) };
  const same = defineRule({
    id: 'test-same',
    description: 'keeps its state',
    inputs: ['reading'],
    options: z.strictObject({}),
    scope: (e) => e.residentId ?? null,
    initialState: () => ({ seen: true }),
    evaluate: (state: { seen: boolean }) => ({ state, alarms: [] }),
  });
  const { engine } = await engineOn(store, clock, [same, counter]);
  t.teardown(() => engine.stop());
  const before = batches.length;
  await engine.handle(reading('res-9', 97));
  await engine.handle(reading('res-9', 96));
  const ruleBatches = batches.slice(before).filter((keys) => keys.some((k) => k.startsWith('rule:')));
  t.same(ruleBatches, [['rule:test-same|res-9', 'rule:test-counter|res-9'], ['rule:test-counter|res-9']], 'the first event writes both in one batch; then only the counter changes');
});

t.test('events evaluated while a state write is out share the next batch; each resolves once its own state is written', async (t) => {
  const clock = new FakeClock(1_000);
  const inner = createMemoryStore();
  /** rule-state batches held until released, keys per batch */
  const held: Array<{ keys: string[]; release: () => void }> = [];
  const store: KvStore = {
    ...inner,
    batch: (ops, options) => {
      if (!ops.some((o) => o.key.startsWith('rule:'))) return inner.batch(ops, options);
      return new Promise<void>((resolve, reject) => held.push({ keys: ops.map((o) => o.key), release: () => void inner.batch(ops, options).then(resolve, reject) }));
    },
  };
  const { engine } = await engineOn(store, clock, [counter]);
  t.teardown(() => engine.stop());
  const done: string[] = [];
  const first = engine.handle(reading('res-1', 97)).then(() => done.push('res-1'));
  await until(() => held.length === 1);
  const rest = ['res-2', 'res-3'].map((r) => engine.handle(reading(r, 97)).then(() => done.push(r)));
  // Both are evaluated while the first write is out (their in-memory state is there), but not yet written.
  await until(() => engine.scopeCount('test-counter') === 3);
  t.equal(held.length, 1, 'no second batch while the first is out');
  t.same(done, [], 'no event counts as handled before its state is written');
  held[0]!.release();
  await first;
  await until(() => held.length === 2);
  t.same(held[1]!.keys, ['rule:test-counter|res-2', 'rule:test-counter|res-3'], 'the two later events in one batch');
  t.same(done, ['res-1']);
  held[1]!.release();
  await Promise.all(rest);
  t.same(done, ['res-1', 'res-2', 'res-3']);
});
