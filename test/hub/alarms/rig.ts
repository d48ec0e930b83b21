/**
 * One hub "process" for the alarm engine tests: an event log and an alarm service on a store, with
 * its own fake clock. A kill -9 is a rig that is simply dropped: its clock never moves again, so
 * its timers never fire, and nothing it did not write survives.
 */
import { AlarmService } from '../../../hub/alarms/alarm-service.ts';
import { AlarmsConfig } from '../../../hub/alarms/escalation.ts';
import { createMetrics } from '../../../hub/metrics.ts';
import { EventLog } from '../../../hub/store/event-log.ts';
import type { KvStore } from '../../../hub/store/kv-store.ts';
import { Outbox } from '../../../hub/store/outbox.ts';
import type { AlarmCommand } from '../../../hub/alarms/alarm-command.ts';
import type { AlarmPriority } from '../../../protocols/event.ts';
import { FakeClock } from '../../fakes/fake-clock.ts';
import { createTestLogger } from '../../fakes/test-logger.ts';

export const T0 = Date.parse('2026-03-01T10:00:00Z');
export const iso = (ms: number) => new Date(ms).toISOString();
export const panel = { kind: 'panel', id: 'nurse-a' } as const;

export const raise = (key: string, priority: AlarmPriority = 'high', roomId = 'room-101'): AlarmCommand => ({
  op: 'raise',
  key,
  type: 'call',
  priority,
  reason: `call ${key}`,
  roomId,
});

export async function alarmProcess(store: KvStore, startMs: number, config: unknown = {}) {
  const clock = new FakeClock(startMs);
  const { logger, records } = createTestLogger('info');
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  const alarms = new AlarmService({ store, log, clock, logger, metrics, escalation: AlarmsConfig.parse(config) });
  await store.open();
  await log.start();
  await alarms.start();
  const outbox = new Outbox(store);
  await outbox.start();
  /** Moves the clock, then waits until every escalation that fired is written, including steps due at once after it. */
  async function advance(ms: number): Promise<void> {
    clock.advance(ms);
    await alarms.whenIdle();
    while (clock.pendingDelays[0] === 0) {
      clock.advance(0);
      await alarms.whenIdle();
    }
  }
  return { clock, alarms, log, metrics, records, advance, events: () => outbox.peek(10_000) };
}
