/**
 * The server side of bench/ingest.ts, one per round, in its own process (as the hub runs in
 * production, and so the load generator's event loop is not the server's): either a bare aedes
 * broker, the baseline, or the whole hub from createHub with LevelDB in a temp folder.
 *
 * IPC with the parent, one message each way per step:
 *   parent → { type: 'start', server, devices, dataDir }   child → { type: 'ready', port }
 *   parent → { type: 'cpu' }                                child → { type: 'cpu', userMs, systemMs }
 *   parent → { type: 'stop' }                               child → { type: 'stopped', stored } and exits
 * `stored` (hub only) counts the readings three ways: the carehub_hub_inputs_total metric, the event
 * log's seq, and the reading events found by reopening the LevelDB folder after the hub stopped.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { z } from 'zod';
// @ts-expect-error plain JavaScript module without types
import { applyHubHeapFlags } from '../bin/hub-entry.js';
import { HubConfig } from '../hub/config.ts';
import { createHub, type Hub } from '../hub/main.ts';
import { sha256Hex } from '../hub/secrets.ts';
import { OUTBOX_PREFIX, prefixEnd } from '../hub/store/keys.ts';
import { createLevelStore } from '../hub/store/level-store.ts';
import { TEST_STAFF } from '../test/support/panel-auth.ts';
import { deviceId, devicePassword } from './ingest-load.ts';

const StartMessage = z.strictObject({
  type: z.literal('start'),
  server: z.enum(['aedes', 'hub']),
  devices: z.number().int().positive(),
  /** the hub's dataDir; unused by the bare broker */
  dataDir: z.string().min(1),
});
export type StartMessage = z.infer<typeof StartMessage>;

const ControlMessage = z.discriminatedUnion('type', [z.strictObject({ type: z.literal('cpu') }), z.strictObject({ type: z.literal('stop') })]);

export interface StoredCounts {
  /** carehub_hub_inputs_total{kind="reading",via="mqtt"} just before stop */
  metric: number;
  /** the event log's last seq just before stop (every event, readings or not) */
  logSeq: number;
  /** reading events in the outbox, read back from the LevelDB folder after the hub closed it */
  onDisk: number;
}

export type ServerReply =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; userMs: number; systemMs: number }
  | { type: 'stopped'; stored: StoredCounts | null };

interface Running {
  port: number;
  stop(): Promise<StoredCounts | null>;
}

async function startAedes(): Promise<Running> {
  // Defaults throughout (in-memory persistence, no authentication): the cost of MQTT itself.
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return null;
    },
  };
}

function benchHubConfig(devices: number, dataDir: string): HubConfig {
  return HubConfig.parse({
    hubId: 'bench-ingest',
    dataDir,
    logLevel: 'warn',
    panel: { host: '127.0.0.1', port: 0 },
    // Every simulated device connects from 127.0.0.1 at once; real devices each have their own address
    // (docs/mqtt-topics.md, "Connection limits").
    broker: { host: '127.0.0.1', port: 0, maxPendingPerAddress: devices + 10, maxPendingConnections: devices + 10, maxConnections: devices + 10 },
    rooms: Array.from({ length: devices }, (_, i) => ({ id: `room-${i + 1}`, name: `Room ${i + 1}` })),
    devices: Array.from({ length: devices }, (_, i) => ({
      id: deviceId(i),
      roomId: `room-${i + 1}`,
      mqtt: { passwordSha256: sha256Hex(devicePassword(i)) },
    })),
    // Only so the hub does not warn that nobody could acknowledge an alarm; the bench raises none.
    staff: [TEST_STAFF],
  });
}

async function startHub(devices: number, dataDir: string): Promise<Running> {
  // The heap flags bin/hub.js sets for the hub in production (set later here: the modules are loaded).
  applyHubHeapFlags();
  const hub: Hub = createHub(benchHubConfig(devices, dataDir));
  const { brokerPort } = await hub.start();
  return {
    port: brokerPort,
    async stop() {
      const metric = hub.metrics.get('inputs_total', { kind: 'reading', via: 'mqtt' });
      const logSeq = hub.log.seq;
      await hub.stop();
      return { metric, logSeq, onDisk: await readingsOnDisk(join(dataDir, 'leveldb')) };
    },
  };
}

/** Reopens the hub's LevelDB after it closed and counts the reading events in the outbox. */
async function readingsOnDisk(location: string): Promise<number> {
  const store = createLevelStore(location);
  await store.open();
  try {
    const rows = await store.entries<{ kind: string }>({ gte: OUTBOX_PREFIX, lt: prefixEnd(OUTBOX_PREFIX) });
    return rows.filter(([, event]) => event.kind === 'reading').length;
  } finally {
    await store.close();
  }
}

function reply(message: ServerReply): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/ingest-server.ts runs as a child of bench/ingest.ts (it needs an IPC channel)');
  const start = StartMessage.parse(await new Promise((resolve) => process.once('message', resolve)));
  const running = start.server === 'aedes' ? await startAedes() : await startHub(start.devices, start.dataDir);
  process.on('message', function onControl(raw) {
    const message = ControlMessage.parse(raw);
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      void reply({ type: 'cpu', userMs: user / 1000, systemMs: system / 1000 });
      return;
    }
    process.off('message', onControl);
    running.stop().then(
      // Exit explicitly: the parent waits for it, and --cpu-prof (inherited through fork) writes on exit.
      (stored) => reply({ type: 'stopped', stored }).then(() => process.exit(0)),
      (err: unknown) => {
        process.stderr.write(`ingest server: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  });
  await reply({ type: 'ready', port: running.port });
}

await main();
