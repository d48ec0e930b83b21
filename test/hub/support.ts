/** Builders shared by hub tests. */
import { HubConfig } from '../../hub/config.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import { AlarmService } from '../../hub/alarms/alarm-service.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import type { KvStore } from '../../hub/store/kv-store.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { TEST_STAFF } from '../support/panel-auth.ts';
import type { Clock } from '../../hub/clock.ts';

export const DEVICE_PASSWORD = 'correct horse battery staple';

/** A config with two rooms, one serial receiver and two call points (one serial, one MQTT). */
export function hubConfig(overrides: Record<string, unknown> = {}): HubConfig {
  return HubConfig.parse({
    hubId: 'hub-test',
    dataDir: '/nonexistent',
    logLevel: 'silent',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    rooms: [
      { id: 'room-101', name: 'Room 101' },
      { id: 'room-102', name: 'Room 102' },
    ],
    receivers: [{ id: 'rx1', path: '/dev/null', address: 1 }],
    devices: [
      { id: 'cp-101', roomId: 'room-101', callPoint: { receiver: 'rx1', address: 17 } },
      { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex(DEVICE_PASSWORD) } },
    ],
    staff: [TEST_STAFF],
    ...overrides,
  });
}

/** @param level 'silent' unless the test reads the log records */
export async function alarmRig(store: KvStore, clock: Clock, level: Parameters<typeof createTestLogger>[0] = 'silent') {
  const { logger, records } = createTestLogger(level);
  const metrics = createMetrics();
  const log = new EventLog({ hubId: 'hub-test', store, clock });
  const alarms = new AlarmService({ store, log, clock, logger, metrics });
  await store.open();
  await log.start();
  await alarms.start();
  return { log, alarms, metrics, logger, records };
}
