/**
 * Runs rules through the real RuleEngine and AlarmService on a fake clock, for the rule tests
 * (as test/hub/rules/engine.test.ts does): events are built with increasing seqs, and every alarm
 * change is recorded so a test can see a clear as well as a raise.
 */
import type { Event, EventDraft } from '../../../protocols/event.ts';
import type { Alarm } from '../../../hub/alarms/alarm.ts';
import { RuleEngine } from '../../../hub/rules/engine.ts';
import type { Rule } from '../../../hub/rules/rule.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { ruleStateKey } from '../../../hub/store/keys.ts';
import type { FakeClock } from '../../fakes/fake-clock.ts';
import { alarmRig } from '../support.ts';

type Draft = { [K in EventDraft['kind']]: Omit<Extract<EventDraft, { kind: K }>, 'hubTime'> }[EventDraft['kind']];

export async function ruleRig(store: KvStore, clock: FakeClock, rules: readonly Rule<unknown, unknown>[], ruleOptions: Record<string, unknown> = {}, firstSeq = 1) {
  const rig = await alarmRig(store, clock);
  const engine = new RuleEngine({ rules, ruleOptions, alarms: rig.alarms, store, clock, logger: rig.logger });
  await engine.start();
  /** Every alarm as it changed, in order. */
  const changes: Alarm[] = [];
  rig.alarms.onChange((alarm) => changes.push(structuredClone(alarm)));
  let seq = firstSeq;

  /** Feeds one event to the engine, at the clock's time. */
  async function send(draft: Draft, at = seq++): Promise<Event> {
    const event = {
      id: `0190f000-0000-7000-8000-${String(at).padStart(12, '0')}`,
      hubId: 'hub-test',
      seq: at,
      hubTime: new Date(clock.now()).toISOString(),
      ...draft,
    } as Event;
    await engine.handle(event);
    return event;
  }

  /** Resolves once every wake-up already fired has run: they run on the engine's queue, ahead of this no-op event. */
  function settle(): Promise<void> {
    return engine.handle({ id: '0190f000-0000-7000-8000-ffffffffffff', hubId: 'hub-test', seq: 0, hubTime: new Date(clock.now()).toISOString(), kind: 'audit', payload: { action: 'test-settle', actor: { kind: 'system' } } });
  }

  /**
   * Moves the clock by `ms`, one due timer at a time, letting each wake-up finish before the next:
   * a wake-up that asks for a later time within `ms` fires at that time, as on a real clock.
   */
  async function advance(ms: number): Promise<void> {
    const target = clock.now() + ms;
    for (let fired = 0; ; fired++) {
      // A wake-up that keeps asking for the time it was woken at would spin here: fail instead.
      if (fired > 10_000) throw new Error('wake-ups keep firing without the clock moving');
      const next = clock.pendingDelays[0];
      if (next === undefined || clock.now() + next > target) break;
      clock.advance(next);
      await settle();
    }
    clock.advance(target - clock.now());
    await settle();
  }

  /** The wake-up time the engine keeps for a rule's scope (the clock also holds the alarm service's timers). */
  async function wakeAt(ruleId: string, scope: string): Promise<number | null | undefined> {
    return (await store.get<{ wakeAt: number | null }>(ruleStateKey(ruleId, scope)))?.wakeAt;
  }

  async function stop(): Promise<void> {
    await engine.stop();
    await rig.log.stop();
  }

  return { ...rig, engine, clock, changes, send, advance, wakeAt, stop };
}
