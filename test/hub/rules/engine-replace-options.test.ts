/**
 * RuleEngine.replaceOptions, which a downlink uses (docs/downlink.md#applying): every rule's new
 * options are parsed before any is used, the swap waits behind the event being evaluated, and
 * options that do not parse change nothing.
 */
import t from 'tap';
import { z } from 'zod';
import type { Event } from '../../../protocols/event.ts';
import { RuleEngine } from '../../../hub/rules/engine.ts';
import { defineRule, type Rule } from '../../../hub/rules/rule.ts';
import { createMemoryStore } from '../../../hub/store/memory-store.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { alarmRig } from '../support.ts';

/** Which options each rule saw, per event seq: `${ruleId}@${seq}` → tag */
const seen = new Map<string, string>();

function recorder(id: string): Rule<unknown, unknown> {
  return defineRule({
    id,
    description: 'records the options it was evaluated with',
    inputs: ['reading'],
    options: z.strictObject({ tag: z.string().default('config') }),
    scope: (e) => e.residentId ?? null,
    initialState: () => ({}),
    evaluate: (state: object, event: Event, _now: number, opts: { tag: string }) => {
      seen.set(`${id}@${event.seq}`, opts.tag);
      return { state: { ...state }, alarms: [] };
    },
  }) as Rule<unknown, unknown>;
}

function reading(seq: number): Event {
  return {
    id: `0190f000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    hubId: 'hub-test',
    seq,
    hubTime: '2026-11-24T10:00:00.000Z',
    kind: 'reading',
    residentId: 'res-1',
    payload: { metric: 'spo2', loinc: '59408-5', value: 97, unit: '%' },
  };
}

t.test('an event in progress finishes on the old options; the next event sees the new ones in every rule', async (t) => {
  const store = createMemoryStore();
  const clock = new FakeClock();
  const rig = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules: [recorder('first'), recorder('second')], ruleOptions: {}, alarms: rig.alarms, store, clock, logger: rig.logger });
  await engine.start();

  const inProgress = engine.handle(reading(1));
  const swapped = engine.replaceOptions({ first: { tag: 'downlink' }, second: { tag: 'downlink' } });
  await Promise.all([inProgress, swapped]);
  await engine.handle(reading(2));
  t.same(Object.fromEntries(seen), { 'first@1': 'config', 'second@1': 'config', 'first@2': 'downlink', 'second@2': 'downlink' });
});

t.test('options that do not parse are refused and change nothing', async (t) => {
  seen.clear();
  const store = createMemoryStore();
  const clock = new FakeClock();
  const rig = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules: [recorder('first'), recorder('second')], ruleOptions: {}, alarms: rig.alarms, store, clock, logger: rig.logger });
  await engine.start();
  t.throws(() => engine.replaceOptions({ first: { tag: 'downlink' }, second: { tag: 42 } }));
  await engine.handle(reading(1));
  t.same(Object.fromEntries(seen), { 'first@1': 'config', 'second@1': 'config' }, 'not even the rule whose options parsed');
});
