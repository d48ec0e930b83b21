/**
 * A real hub started through its CLI in its own process, with one room and one MQTT call point
 * (`btn-1`, password `pw-1`) connected: the set-up of the tests that watch the hub from outside
 * (strace, SIGTERM).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startService, type ChildService } from '../../firmware-sim/processes.ts';
import { sha256Hex } from '../../hub/secrets.ts';

export interface HubWithButton {
  hub: ChildService;
  brokerPort: number;
  device: MqttClient;
}

/** Starts the hub in `dir`; the caller's teardown stops it with `stopGraceMs` and ends the device. */
export async function startHubWithButton(
  t: { teardown(fn: () => unknown): void },
  dir: string,
  options: { hubId: string; logLevel: string; stopGraceMs?: number },
): Promise<HubWithButton> {
  const config = join(dir, 'hub.json');
  writeFileSync(
    config,
    JSON.stringify({
      hubId: options.hubId,
      dataDir: join(dir, 'data'),
      logLevel: options.logLevel,
      panel: { host: '127.0.0.1', port: 0 },
      broker: { host: '127.0.0.1', port: 0 },
      rooms: [{ id: 'room-1', name: 'Room 1' }],
      devices: [{ id: 'btn-1', roomId: 'room-1', mqtt: { passwordSha256: sha256Hex('pw-1') } }],
    }),
    { mode: 0o600 },
  );
  const hub = startService('hub', ['start', '--config', config], join(dir, 'hub.log'));
  t.teardown(() => hub.stop(options.stopGraceMs));
  const brokerPort = Number(await hub.waitFor(/^MQTT: mqtt:\/\/[^:]+:(\d+)/));
  const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { clientId: 'btn-1', username: 'btn-1', password: 'pw-1', protocolVersion: 4, reconnectPeriod: 0 });
  device.on('error', () => undefined);
  t.teardown(() => device.end(true));
  return { hub, brokerPort, device };
}
