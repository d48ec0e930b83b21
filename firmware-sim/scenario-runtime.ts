/**
 * Builds the sims a scenario file declares (docs/firmware-sim.md#scenario-files) and adapts each to
 * the steps the player asks of it: serial devices on their own PTY pair (unplug kills the pair,
 * replug makes it again at the same path), MQTT call points and one zigbee2mqtt bridge on the hub's
 * broker, BLE devices on a SimulatedCentral. The composition root of a scenario run; the player
 * (./scenario-player.ts) only sees ScenarioSims.
 */
import type { Logger } from 'pino';
import type { Clock } from '../drivers/clock.ts';
import type { SimulatedCentral } from '../drivers/ble/simulated-central.ts';
import type { SerialBinding } from '../drivers/serial/serialport-binding.ts';
import { CMS50_LINES, LD2410_LINE, SEEED_RADAR_LINE } from '../protocols/serial/index.ts';
import { createBleDeviceSim, type BleDeviceSim, type BleSimKind } from './ble-sims.ts';
import { createCallReceiverSim } from './call-receiver-sim.ts';
import { createCms50Sim } from './cms50-sim.ts';
import { createLd2410Sim, type Ld2410Scene } from './ld2410-sim.ts';
import { createMqttCallPointSim } from './mqtt-call-point-sim.ts';
import { createPtyPlug, type PtyPlug } from './pty-plug.ts';
import type { BLE_DEVICE_TYPES, Scenario, ScenarioDevice } from './scenario-file.ts';
import type { ScenarioDeviceSim, ScenarioSims } from './scenario-player.ts';
import { createSeeedRadarSim } from './seeed-radar-sim.ts';
import { createSimSerialPort } from './sim-serial-port.ts';
import { createVitalsState, type VitalsState } from './vitals.ts';
import { createZigbee2mqttSim, type Zigbee2mqttSim } from './zigbee2mqtt-sim.ts';

export interface ScenarioRuntimeOptions {
  binding: SerialBinding;
  clock: Clock;
  /** The hub's broker, for mqtt-call-point and zigbee2mqtt devices. */
  hubBroker?: string;
  /** zigbee2mqtt base topic (default 'zigbee2mqtt') and the bridge's broker login. */
  zigbee2mqtt?: { baseTopic?: string; username?: string; password?: string };
  /** Where passwordEnv is looked up (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Makes a device's cable; default a socat PTY pair (./pty-plug.ts). */
  createPlug?: () => Promise<PtyPlug>;
  /** BLE devices are added to it; without one they are built but reach no central. */
  bleCentral?: SimulatedCentral;
  logger?: Logger;
}

export interface SerialEndpoint {
  deviceId: string;
  type: ScenarioDevice['type'];
  /** The path the hub's config names for this device. */
  hubPath: string;
}

export interface ScenarioRuntime {
  readonly sims: ScenarioSims;
  readonly serial: readonly SerialEndpoint[];
  readonly ble: readonly BleDeviceSim[];
  /** Opens ports, connects to the broker, starts the periodic streams. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export class ScenarioRuntimeError extends Error {
  override readonly name = 'ScenarioRuntimeError';
  constructor(
    readonly code: 'no-broker' | 'no-password',
    message: string,
  ) {
    super(message);
  }
}

/** One built device: its step adapter and its lifecycle. */
interface Built {
  sim: ScenarioDeviceSim;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function createScenarioRuntime(scenario: Scenario, options: ScenarioRuntimeOptions): Promise<ScenarioRuntime> {
  const { clock, binding, logger } = options;
  const env = options.env ?? process.env;
  const makePlug = options.createPlug ?? (() => createPtyPlug());
  /** Keyed by resident id. */
  const residents = new Map<string, VitalsState>(scenario.residents.map((r) => [r.id, createVitalsState(r.vitals ?? {})]));
  /** Keyed by device id. */
  const devices = new Map<string, ScenarioDeviceSim>();
  const built: Built[] = [];
  const serial: SerialEndpoint[] = [];
  const ble: BleDeviceSim[] = [];
  let z2m: Zigbee2mqttSim | null = null;
  const plugs: PtyPlug[] = [];

  const needBroker = (d: ScenarioDevice): string => {
    if (!options.hubBroker) throw new ScenarioRuntimeError('no-broker', `device ${d.id} (${d.type}) needs the hub's broker: pass --hub-broker mqtt://host:port`);
    return options.hubBroker;
  };
  const vitalsOf = (d: ScenarioDevice) => {
    const state = (d.resident !== undefined ? residents.get(d.resident) : undefined) ?? createVitalsState();
    return () => state.at(clock.now());
  };

  try {
    for (const d of scenario.devices) {
      let b: Built;
      if (d.type === 'cms50-v7' || d.type === 'cms50-legacy') {
        const protocol = d.type === 'cms50-v7' ? 'v7' : 'legacy';
        const plug = await makePlug();
        plugs.push(plug);
        const { baudRate, dataBits, parity, stopBits } = CMS50_LINES[protocol];
        const line = { baudRate, dataBits, parity, stopBits };
        const port = createSimSerialPort({ binding, path: plug.devicePath, ...line, ...(logger && { logger }) });
        const sim = createCms50Sim({ protocol, port, clock, vitals: vitalsOf(d) });
        b = serialBuilt(plug, port, () => sim.start(), () => sim.stop(), {});
      } else if (d.type === 'seeed-mr60fda2') {
        const plug = await makePlug();
        plugs.push(plug);
        const port = createSimSerialPort({ binding, path: plug.devicePath, ...SEEED_RADAR_LINE, ...(logger && { logger }) });
        const sim = createSeeedRadarSim({ port, clock, ...(d.aliveEvery !== undefined && { aliveEveryMs: d.aliveEvery }) });
        b = serialBuilt(plug, port, () => sim.start(), () => sim.stop(), {
          fall: (fallen) => sim.fall(fallen),
          presence: (present) => sim.presence(present),
          motion: (motion) => sim.motion(motion),
        });
      } else if (d.type === 'hilink-ld2410') {
        const plug = await makePlug();
        plugs.push(plug);
        const port = createSimSerialPort({ binding, path: plug.devicePath, ...LD2410_LINE, ...(logger && { logger }) });
        const sim = createLd2410Sim({ port, clock });
        let scene: Ld2410Scene = { target: 'none' };
        b = serialBuilt(plug, port, () => sim.start(), () => sim.stop(), {
          presence: async (present) => sim.set((scene = { target: present ? 'stationary' : 'none' })),
          motion: async (motion) => sim.set((scene = { ...scene, target: motion === 'moving' ? 'moving' : motion === 'stationary' ? 'stationary' : 'none' })),
        });
      } else if (d.type === 'call-receiver') {
        const plug = await makePlug();
        plugs.push(plug);
        const sim = createCallReceiverSim({ binding, path: plug.devicePath, receiver: d.address, ...(logger && { logger }) });
        b = {
          start: () => sim.open(),
          close: async () => {
            await sim.close();
            await plug.close();
          },
          sim: {
            press: async (p) => void (await sim.press(p.callPoint ?? 1, p.event ?? 'call')),
            unplug: async () => {
              await sim.close();
              await plug.unplug();
            },
            replug: async () => {
              await plug.replug();
              await sim.open();
            },
          },
        };
      } else if (d.type === 'mqtt-call-point') {
        const password = d.password ?? (d.passwordEnv !== undefined ? env[d.passwordEnv] : undefined);
        if (password === undefined) throw new ScenarioRuntimeError('no-password', `device ${d.id}: environment variable ${d.passwordEnv} is not set`);
        const sim = createMqttCallPointSim({ url: needBroker(d), deviceId: d.id, password, ...(logger && { logger }) });
        b = { start: () => sim.connect(), close: () => sim.close(), sim: { press: async (p) => void (await sim.press(p.event ?? 'call')) } };
      } else if (d.type === 'zigbee2mqtt') {
        const url = needBroker(d);
        const bridge = (z2m ??= createZigbee2mqttSim({ url, ...options.zigbee2mqtt, ...(logger && { logger }) }));
        const name = d.friendlyName;
        b = {
          start: () => bridge.connect(),
          close: () => bridge.close(),
          sim: {
            press: (p) => bridge.action(name, p.action ?? 'single'),
            presence: (present) => bridge.update(name, { occupancy: present }),
            state: (state) => bridge.update(name, state),
            availability: (online) => bridge.availability(name, online),
          },
        };
      } else {
        // The file schema gives every remaining type (ble-*) an address.
        const bleDevice = d as Extract<ScenarioDevice, { type: (typeof BLE_DEVICE_TYPES)[number] }>;
        const kind = bleDevice.type.slice('ble-'.length) as BleSimKind;
        const sim = createBleDeviceSim(kind, { address: bleDevice.address, clock, vitals: vitalsOf(d) });
        options.bleCentral?.add(sim.peripheral);
        ble.push(sim);
        b = {
          start: async () => sim.start(),
          close: async () => sim.stop(),
          sim: {
            measure: async (m) => {
              sim.measure(m);
            },
          },
        };
      }
      if (plugs.length > serial.length) serial.push({ deviceId: d.id, type: d.type, hubPath: plugs[plugs.length - 1]!.hubPath });
      devices.set(d.id, b.sim);
      built.push(b);
    }
  } catch (err) {
    await Promise.allSettled(plugs.map((p) => p.close()));
    throw err;
  }

  return {
    sims: { residents, devices },
    serial,
    ble,
    async start() {
      for (const b of built) await b.start();
    },
    async close() {
      // The shared zigbee2mqtt bridge is closed once per device using it; its close is idempotent.
      await Promise.allSettled(built.map((b) => b.close()));
    },
  };
}

/** A device on a serial port with its own cable: unplug closes the port and pulls the cable. */
function serialBuilt(plug: PtyPlug, port: ReturnType<typeof createSimSerialPort>, start: () => void, stop: () => void, steps: ScenarioDeviceSim): Built {
  return {
    sim: {
      ...steps,
      unplug: async () => {
        await port.close();
        await plug.unplug();
      },
      replug: async () => {
        await plug.replug();
        await port.open();
      },
    },
    async start() {
      await port.open();
      start();
    },
    async close() {
      stop();
      await port.close();
      await plug.close();
    },
  };
}
