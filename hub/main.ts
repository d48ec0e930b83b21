/**
 * The hub's composition root: builds every service from the config and owns
 * their start/stop order. Nothing else constructs services.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSerialportBinding, type SerialBinding } from '../drivers/serial/serialport-binding.ts';
import { AlarmService } from './alarms/alarm-service.ts';
import { HubBroker } from './transports/broker.ts';
import { CALL_DEDUP_RANGE, CallDedup, type StoredCallSeq } from './call-dedup.ts';
import { systemClock, type Clock } from './clock.ts';
import type { HubConfig } from './config.ts';
import { createDeviceDirectory } from './devices.ts';
import { DownlinkService, type DownlinkState } from './downlink/downlink-service.ts';
import { createLiveBindings } from './downlink/live-bindings.ts';
import { configView, type DownlinkBase } from './downlink/resolve-downlink.ts';
import { Forwarder } from './forwarder.ts';
import { createLogger, urlForLog, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { PanelServer } from './panel/panel-server.ts';
import { Pipeline } from './pipeline.ts';
import { BleTransport } from './transports/ble.ts';
import { SerialTransport } from './transports/serial.ts';
import { Zigbee2mqttTransport } from './transports/zigbee2mqtt.ts';
import type { OpenBleCentral } from '../drivers/ble/ble-central.ts';
import { RuleEngine } from './rules/engine.ts';
import { RULES } from './rules/index.ts';
import { supervisionWithModelIntervals } from './rules/report-intervals.ts';
import { EventLog } from './store/event-log.ts';
import type { KvStore } from './store/kv-store.ts';
import { createLevelStore } from './store/level-store.ts';
import { Outbox } from './store/outbox.ts';
import { budgetThresholds } from './store/budget-policy.ts';
import { BudgetStore } from './store/budget-store.ts';
import { watchDiskFull } from './store/disk-full.ts';
import { FreeSpaceWatch } from './store/free-space.ts';
import { Shedder } from './store/shedding.ts';
import { collectStatus, type HubStatus } from './status.ts';

export interface HubDeps {
  logger?: Logger;
  clock?: Clock;
  serialBinding?: SerialBinding;
  /** The BLE adapter; noble when absent (opened only when a device uses BLE). */
  openBleCentral?: OpenBleCentral;
  store?: KvStore;
}

export interface RunningHub {
  panelUrl: string;
  panelPort: number;
  brokerPort: number;
}

export interface Hub {
  start(): Promise<RunningHub>;
  stop(): Promise<void>;
  readonly alarms: AlarmService;
  readonly log: EventLog;
  readonly outbox: Outbox;
  readonly pipeline: Pipeline;
  readonly metrics: Metrics;
  /** The downlink in force and the last pull's outcome (docs/downlink.md#status). */
  downlinkState(): DownlinkState;
}

/** LevelDB's log must fit in the disk margin twice over (one log being flushed, the next filling): a quarter of it, at most LevelDB's 4 MiB default. */
function writeBufferFor(marginBytes: number): number {
  return Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(marginBytes / 4)));
}

export function createHub(config: Readonly<HubConfig>, deps: HubDeps = {}): Hub {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const clock = deps.clock ?? systemClock;
  const metrics = createMetrics();
  // Every outbox write and delete is counted against the disk budget here (docs/disk-budget.md).
  const callDedup = new CallDedup(config.dedupWindowMs);
  const store = new BudgetStore(
    watchDiskFull(deps.store ?? createLevelStore(join(config.dataDir, 'leveldb'), { writeBufferBytes: writeBufferFor(config.outbox.diskMarginBytes) }), {
      logger,
      metrics,
      onDiskFull: () => void freeSpace.probe(),
      // Reopened without a restart once there is room for a new log again (docs/crash-testing.md#full-disk).
      ...(!deps.store && {
        freeBytes: async () => {
          await freeSpace.probe();
          return freeSpace.space()?.freeBytes ?? 0;
        },
      }),
      reopenFreeBytes: 2 * writeBufferFor(config.outbox.diskMarginBytes),
    }),
    {
      onGrow: () => {
        freeSpace.grew();
        shedder.check();
      },
    },
  );
  const ruleOptions = supervisionWithModelIntervals(config.rules, config.devices, createDeviceDirectory(config));
  // Devices' rooms and residents, room names and rule options as the downlink has them (docs/downlink.md).
  const downlinkBase: DownlinkBase = { hubId: config.hubId, rooms: config.rooms, devices: config.devices, ruleOptions };
  const bindings = createLiveBindings(configView(downlinkBase));
  const devices = bindings.devices;
  let forwarder: Forwarder | null = null;
  const log = new EventLog({
    hubId: config.hubId,
    store,
    clock,
    onForwardable: () => forwarder?.notify(),
    onDurable: (events) => outbox.written(events),
  });
  const outbox = new Outbox(store, () => log.forwardableSeq);
  const budget = { budgetBytes: config.outbox.maxBytes, reserveBytes: config.outbox.criticalReserveBytes };
  // The disk may hold less than the budget (docs/disk-budget.md#free-space): its free space lowers it.
  const freeSpace = new FreeSpaceWatch({
    path: config.dataDir,
    usedBytes: () => store.bytes().total,
    marginBytes: config.outbox.diskMarginBytes,
    logger: logger.child({ module: 'budget' }),
    metrics,
    // Only a budget the disk lowered (or raised back) is news for the shedder.
    onProbe: () => {
      const inForce = freeSpace.limits(budget).budgetBytes;
      if (inForce === budgetInForce) return;
      budgetInForce = inForce;
      shedder.check();
    },
  });
  let budgetInForce = budget.budgetBytes;
  const shedder = new Shedder({
    store,
    bytes: () => store.bytes(),
    log,
    outbox,
    limits: budget,
    limitsNow: () => freeSpace.limits(budget),
    clock,
    logger: logger.child({ module: 'budget' }),
    metrics,
  });
  const alarms = new AlarmService({ store, log, clock, logger: logger.child({ module: 'alarms' }), metrics, escalation: config.alarms });
  const engine = new RuleEngine({ rules: RULES, ruleOptions, alarms, store, clock, logger: logger.child({ module: 'rules' }) });
  const pipeline = new Pipeline({
    log,
    engine,
    dedup: callDedup,
    clock,
    logger: logger.child({ module: 'pipeline' }),
    metrics,
  });
  const zigbee2mqtt = new Zigbee2mqttTransport({ config: config.zigbee2mqtt, hubId: config.hubId, devices, pipeline, clock, logger, metrics });
  const bridge = config.zigbee2mqtt.bridge;
  const broker = new HubBroker({
    ...config.broker,
    devices,
    pipeline,
    clock,
    logger: logger.child({ module: 'broker' }),
    metrics,
    ...(bridge && {
      bridge: { ...bridge, baseTopic: config.zigbee2mqtt.baseTopic, onPublish: (topic, payload) => zigbee2mqtt.handle(topic, payload, false) },
    }),
  });
  const ble = new BleTransport({
    devices,
    pipeline,
    clock,
    logger,
    metrics,
    poweredOnTimeoutMs: config.ble.poweredOnTimeoutMs,
    ...(deps.openBleCentral && { openCentral: deps.openBleCentral }),
  });
  const panel = new PanelServer({
    ...config.panel,
    hubId: config.hubId,
    alarms,
    roomNames: bindings.roomNames,
    metrics,
    logger: logger.child({ module: 'panel' }),
    staff: config.staff, displays: config.displays, store, clock,
    status: readStatus,
    observe: (residentId, observation, by) => pipeline.observe(residentId, observation, by),
    relay: () => forwarder?.linkState() ?? { state: 'off' },
  });
  const serial = new SerialTransport({
    receivers: config.receivers,
    binding: deps.serialBinding ?? createSerialportBinding(),
    devices,
    pipeline,
    clock,
    logger,
    metrics,
  });
  if (config.relay.url && config.relay.token) {
    forwarder = new Forwarder({
      hubId: config.hubId,
      relayUrl: config.relay.url,
      token: config.relay.token,
      outbox,
      batchSize: config.relay.batchSize,
      retryMinMs: config.relay.retryMinMs,
      retryMaxMs: config.relay.retryMaxMs,
      idleMs: config.relay.idleMs,
      clock,
      logger: logger.child({ module: 'forwarder' }),
      metrics,
    });
  }
  const downlink = new DownlinkService({
    base: downlinkBase,
    bindings,
    applyRuleOptions: (options) => engine.replaceOptions(options),
    dataDir: config.dataDir,
    ...(config.relay.url &&
      config.relay.token && {
        relay: { url: config.relay.url, token: config.relay.token, ...config.relay.downlink, retryMinMs: config.relay.retryMinMs, retryMaxMs: config.relay.retryMaxMs },
      }),
    clock,
    logger: logger.child({ module: 'downlink' }),
    metrics,
  });
  // The lanes' depths, not log.seq - ackedSeq: with alarms sent ahead the contiguous mark lags (docs/store-and-forward.md).
  metrics.define('outbox_backlog', 'gauge', 'Events written but not yet acknowledged by the relay', () => {
    const { critical, telemetry } = outbox.stats().lanes;
    return critical.depth + telemetry.depth;
  });

  /** set by the first stop(); later calls wait for the same shutdown */
  let stopping: Promise<void> | null = null;
  return {
    alarms,
    log,
    outbox,
    pipeline,
    metrics,
    downlinkState: () => downlink.downlinkState(),
    async start() {
      if (!deps.store) {
        // Owner only (0700): the event log with residents' events lives under it.
        mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
        chmodSync(config.dataDir, 0o700);
      }
      // The last good downlink before anything else: rules and devices start on the bindings it set.
      await downlink.loadLastGood();
      await store.open();
      // Only a real data folder has a filesystem to watch (an injected store is in memory).
      if (!deps.store) await freeSpace.start();
      await log.start();
      await outbox.start();
      await alarms.start();
      await engine.start();
      // Repeats of calls stored before a crash are still repeats (hub/call-dedup.ts).
      callDedup.restore(await store.entries<StoredCallSeq>(CALL_DEDUP_RANGE));
      await pipeline.replayUnevaluated();
      // The panel comes up before any device can talk, so no alarm is raised unseen.
      const { port: panelPort } = await panel.start();
      const { port: brokerPort } = await broker.start();
      await serial.start();
      await zigbee2mqtt.start();
      await ble.start();
      forwarder?.start();
      shedder.start();
      downlink.start();
      const host = config.panel.host === '0.0.0.0' || config.panel.host === '::' ? 'localhost' : config.panel.host;
      const running = { panelUrl: `http://${host}:${panelPort}/`, panelPort, brokerPort };
      logger.info({ ...running, seq: log.seq, relay: config.relay.url ? urlForLog(config.relay.url) : null }, 'hub started');
      return running;
    },
    async stop() {
      if (stopping) return stopping;
      stopping = stopAll();
      return stopping;
    },
  };

  /** For GET /api/status (`npx hub status`, docs/status.md). */
  function readStatus(): HubStatus {
    return collectStatus({
      hubId: config.hubId,
      now: () => clock.now(),
      lanes: () => outbox.stats().lanes,
      bytes: () => store.bytes(),
      limits: { ...freeSpace.limits(budget), ceiling: budgetThresholds(freeSpace.limits(budget)).ceiling },
      shed: () => shedder.stats(),
      ...(forwarder && { link: () => forwarder!.linkState() }),
      downlink: () => downlink.downlinkState(),
    });
  }

  async function stopAll(): Promise<void> {
    // Inputs first, then what they feed, then storage last.
    await serial.stop();
    await ble.stop();
    await zigbee2mqtt.stop();
    await broker.stop();
    pipeline.stop();
    await engine.stop();
    await forwarder?.stop();
    await downlink.stop();
    await panel.stop();
    await alarms.stop();
    freeSpace.stop();
    await shedder.stop();
    await log.stop();
    await store.close();
    logger.info('hub stopped');
  }
}
