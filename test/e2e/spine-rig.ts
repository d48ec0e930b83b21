/**
 * The whole path on real packages: a relay (Hono on PGlite from the migrated
 * template), a hub (LevelDB, aedes, panel) and a socat PTY pair the simulated
 * receiver writes into, all on ephemeral ports.
 */
import type { Test } from 'tap';
import { pino } from 'pino';
import { createRelay } from '../../cloud/main.ts';
import { CloudConfig } from '../../cloud/config.ts';
import { HubConfig } from '../../hub/config.ts';
import { createHub, type Hub } from '../../hub/main.ts';
import { createSerialportBinding } from '../../drivers/serial/serialport-binding.ts';
import { createCallReceiverSim, type CallReceiverSim } from '../../firmware-sim/call-receiver-sim.ts';
import { createPtyPair, type PtyPair } from '../../firmware-sim/pty.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { connectSse, type SseClient, type SseMessage } from '../support/sse-client.ts';
import { staffCookie, TEST_STAFF } from '../support/panel-auth.ts';
import { eventually } from '../fakes/wait.ts';
import { sha256Hex } from '../../hub/secrets.ts';

export const HUB_TOKEN = 'e2e-hub-token-0123456789abcdef';
export const OPERATOR_KEY = 'e2e-operator-key-0123456789abcdef';
export const BUTTON_PASSWORD = 'e2e-button-password';

export interface SpineRig {
  relayUrl: string;
  pty: PtyPair;
  sim: CallReceiverSim;
  hub: Hub;
  panelUrl: string;
  brokerPort: number;
  sse: SseClient;
  /** Cookie header of a signed-in staff member (TEST_STAFF); the panel refuses anyone else. */
  staffCookie: string;
  /** Stops the hub and starts a new one on the same data folder and PTY. */
  restartHub(): Promise<void>;
  relayAlarms(): Promise<Array<Record<string, unknown> & { id: string; state: string; lifecycle: unknown[] }>>;
}

export async function startSpine(t: Test): Promise<SpineRig> {
  const silent = pino({ level: 'silent' });
  const relay = createRelay(
    CloudConfig.parse({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      bootstrap: {
        orgs: [{ id: 'rosewood', name: 'Rosewood', kind: 'nursing-home' }],
        hubs: [{ id: 'hub-e2e', orgId: 'rosewood', tokenSha256: sha256Hex(HUB_TOKEN) }],
        apiKeys: [{ id: 'op', orgId: 'rosewood', role: 'operator', keySha256: sha256Hex(OPERATOR_KEY) }],
      },
    }),
    { logger: silent, db: await openMigratedPglite() },
  );
  const { url: relayUrl } = await relay.start();
  t.teardown(() => relay.stop());

  const pty = await createPtyPair();
  t.teardown(() => pty.close());
  const sim = createCallReceiverSim({ binding: createSerialportBinding(), path: pty.devicePath, receiver: 1 });
  await sim.open();
  t.teardown(() => sim.close());

  const config = HubConfig.parse({
    hubId: 'hub-e2e',
    dataDir: t.testdir(),
    logLevel: 'silent',
    panel: { host: '127.0.0.1', port: 0 },
    broker: { host: '127.0.0.1', port: 0 },
    relay: { url: relayUrl, token: HUB_TOKEN, idleMs: 100, retryMinMs: 50, retryMaxMs: 200 },
    rooms: [
      { id: 'room-101', name: 'Room 101' },
      { id: 'room-102', name: 'Room 102' },
    ],
    receivers: [{ id: 'rx1', path: pty.hubPath, address: 1 }],
    devices: [
      { id: 'cp-101', roomId: 'room-101', callPoint: { receiver: 'rx1', address: 17 } },
      { id: 'btn-102', roomId: 'room-102', mqtt: { passwordSha256: sha256Hex(BUTTON_PASSWORD) } },
    ],
    staff: [TEST_STAFF],
  });

  const rig = {} as SpineRig;
  const bootHub = async () => {
    rig.hub = createHub(config, { logger: silent });
    const running = await rig.hub.start();
    rig.panelUrl = running.panelUrl;
    rig.brokerPort = running.brokerPort;
    // Sessions live in the hub's memory: a restarted hub needs a new sign-in.
    rig.staffCookie = await staffCookie(running.panelUrl);
    rig.sse = await connectSse(new URL('api/stream', running.panelUrl).href, rig.staffCookie);
    await rig.sse.next((m) => m.event === 'snapshot', 'panel snapshot');
    // The serial driver opens the port asynchronously; frames written before it reads are flushed on open.
    await eventually(() => rig.hub.metrics.render().includes('serial_frames_total'), 'receiver started');
  };
  const stopHub = async () => {
    rig.sse.close();
    await rig.hub.stop();
  };
  await bootHub();
  t.teardown(() => stopHub());
  Object.assign(rig, {
    relayUrl,
    pty,
    sim,
    restartHub: async () => {
      await stopHub();
      await bootHub();
    },
    relayAlarms: async () => {
      const res = await fetch(`${relayUrl}/v1/alarms`, { headers: { authorization: `Bearer ${OPERATOR_KEY}` } });
      if (!res.ok) throw new Error(`GET /v1/alarms answered ${res.status}`);
      const body = (await res.json()) as { items: Awaited<ReturnType<SpineRig['relayAlarms']>> };
      return body.items;
    },
  });
  return rig;
}

export function alarmMessage(predicate: (alarm: Record<string, unknown>) => boolean) {
  return (m: SseMessage) => m.event === 'alarm' && predicate(JSON.parse(m.data));
}

/** Polls the relay (the forwarder runs on its own schedule) until an alarm reaches a state. */
export async function relayAlarmInState(rig: SpineRig, id: string, state: string) {
  let found: Awaited<ReturnType<SpineRig['relayAlarms']>>[number] | undefined;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    found = (await rig.relayAlarms()).find((a) => a.id === id);
    if (found?.state === state) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`relay alarm ${id} did not reach ${state}; last seen ${JSON.stringify(found)}`);
}
