/**
 * The crash loop's steady load (docs/crash-testing.md#the-load): MQTT call buttons, MQTT telemetry
 * devices and call points behind a serial receiver on a socat PTY (firmware-sim's receiver), with a
 * ledger of every message sent and whether the device got its acknowledgement. The ledger outlives
 * the hub: attach() after each start, detach() after each kill.
 *
 * Identities (docs/crash-testing.md#what-is-compared): a button's press carries its own seq, a serial
 * frame its SEQ, a telemetry message a device time unique to it (one millisecond per message).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { createSerialportBinding } from '../../drivers/serial/serialport-binding.ts';
import { createCallReceiverSim, type CallReceiverSim } from '../../firmware-sim/call-receiver-sim.ts';
import { createPtyPair, type PtyPair } from '../../firmware-sim/pty.ts';
import { defaultTelemetryMessage } from '../../firmware-sim/telemetry-sim.ts';
import { deviceTopic, type CallMessage, type TelemetryMessage } from '../../protocols/mqtt-topics.ts';
import { sha256Hex } from '../../hub/secrets.ts';
import type { SentMessage } from './crashloop-compare.ts';

export interface DeviceFleetOptions {
  buttons: number;
  telemetryDevices: number;
  /** Call points behind the one serial receiver. */
  callPoints: number;
  /** Folder for the PTY links (the hub config names its end). */
  ptyDir: string;
  /** Pause between one button's acknowledged press and its next, ms. */
  pressGapMs?: number;
  /** Pause between two telemetry messages of one device, ms. */
  telemetryEveryMs?: number;
  /** Pause between two serial frames (round robin over the call points), ms. */
  serialEveryMs?: number;
}

export const FLEET_PASSWORD = 'crashloop-device-password';
export const RECEIVER_ID = 'rx1';
const RECEIVER_ADDRESS = 1;
/** A call point's seq is 16-bit and wraps; the ledger keys on it, so a device stops short of the wrap. */
const MAX_DEVICE_SEQ = 65_535;

export interface DeviceFleet {
  /** Rooms, devices and the receiver, for the hub config. */
  hubConfig(): { rooms: object[]; devices: object[]; receivers: object[] };
  /** A fresh PTY pair on the same link paths, before each hub start (the last kill may have ended socat). */
  preparePty(): Promise<void>;
  /** Connects every device to the hub just started and starts sending; never throws (a kill may land meanwhile). */
  attach(brokerPort: number): Promise<void>;
  /** Stops sending; `graceful` waits for in-flight acknowledgements (the hub is alive), else drops the sockets. */
  detach(graceful: boolean): Promise<void>;
  /** Every message sent so far. */
  ledger(): readonly SentMessage[];
  close(): Promise<void>;
}

const buttonId = (i: number) => `cl-btn-${i}`;
const telemetryId = (i: number) => `cl-tel-${i}`;
const callPointId = (i: number) => `cl-cp-${i}`;

export function createDeviceFleet(options: DeviceFleetOptions): DeviceFleet {
  const pressGapMs = options.pressGapMs ?? 20;
  const telemetryEveryMs = options.telemetryEveryMs ?? 10;
  const serialEveryMs = options.serialEveryMs ?? 25;
  const sent: SentMessage[] = [];
  /** Next seq per button index (1-based, never reused for a new press). */
  const buttonSeq = new Array<number>(options.buttons).fill(0);
  /** A press sent but not acknowledged when its hub died, per button index: sent again first, as a call point repeats it. */
  const unacknowledged = new Array<SentMessage | null>(options.buttons).fill(null);
  /** Telemetry messages sent per device index; the device time is base + this count, in ms. */
  const telemetryCount = new Array<number>(options.telemetryDevices).fill(0);
  /** Frames sent per call point index. */
  const frameSeq = new Array<number>(options.callPoints).fill(0);
  // Device times lie in the past, one millisecond apart per message, so each is unique and increasing.
  const timeBase = Date.now() - 24 * 3600_000;

  let session: { clients: MqttClient[]; running: boolean; loops: Promise<void>[] } | null = null;
  let pty: PtyPair | null = null;
  let receiverSim: CallReceiverSim | null = null;

  /** Publishes at QoS 1; resolves true on PUBACK, false when the connection went first. */
  function publish(client: MqttClient, topic: string, payload: string): Promise<boolean> {
    return new Promise((resolve) => {
      if (!client.connected) return resolve(false);
      const onClose = () => resolve(false);
      client.once('close', onClose);
      client.publish(topic, payload, { qos: 1, retain: false }, (err) => {
        client.removeListener('close', onClose);
        resolve(!err);
      });
    });
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function buttonLoop(client: MqttClient, i: number, live: () => boolean): Promise<void> {
    while (live() && client.connected) {
      let message = unacknowledged[i];
      if (!message) {
        if (buttonSeq[i]! >= MAX_DEVICE_SEQ) return;
        message = { deviceId: buttonId(i), order: ++buttonSeq[i]!, acknowledged: false };
      }
      const call: CallMessage = { event: message.order % 2 === 1 ? 'call' : 'cancel', seq: message.order };
      const record = { ...message };
      sent.push(record);
      unacknowledged[i] = record;
      if (!(await publish(client, deviceTopic(record.deviceId, 'call'), JSON.stringify(call)))) return;
      record.acknowledged = true;
      unacknowledged[i] = null;
      await pause(pressGapMs);
    }
  }

  async function telemetryLoop(client: MqttClient, i: number, live: () => boolean): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    while (live() && client.connected) {
      const n = telemetryCount[i]!++;
      const record: SentMessage = { deviceId: telemetryId(i), order: timeBase + n, acknowledged: false };
      sent.push(record);
      const message: TelemetryMessage = { ...defaultTelemetryMessage(n), time: new Date(record.order).toISOString() };
      const done = publish(client, deviceTopic(record.deviceId, 'telemetry'), JSON.stringify(message)).then((ok) => {
        record.acknowledged = ok;
        inFlight.delete(done);
      });
      inFlight.add(done);
      // A device keeps a few messages in flight, like mqtt.js's default in-flight window, not an unbounded queue.
      if (inFlight.size >= 10) await Promise.race(inFlight);
      await pause(telemetryEveryMs);
    }
    await Promise.all(inFlight);
  }

  async function serialLoop(live: () => boolean): Promise<void> {
    let next = 0;
    while (live() && receiverSim) {
      const i = next++ % options.callPoints;
      if (frameSeq[i]! >= MAX_DEVICE_SEQ) return;
      const seq = ++frameSeq[i]!;
      sent.push({ deviceId: callPointId(i), order: seq, acknowledged: false }); // v1 frames have no ACK
      try {
        await receiverSim.press(i + 1, seq % 2 === 1 ? 'call' : 'cancel', { seq });
      } catch {
        return;
      }
      await pause(serialEveryMs);
    }
  }

  async function openSerial(): Promise<void> {
    if (options.callPoints === 0) return;
    await receiverSim?.close().catch(() => undefined);
    receiverSim = null;
    await pty?.close().catch(() => undefined);
    pty = await createPtyPair({ dir: options.ptyDir });
    receiverSim = createCallReceiverSim({ binding: createSerialportBinding(), path: pty.devicePath, receiver: RECEIVER_ADDRESS });
    await receiverSim.open();
  }

  /**
   * Resolves with the connected client, or null when the hub went away first. Not connectAsync: with
   * reconnects off it never settles when the socket closes between CONNECT and CONNACK (a kill then).
   */
  function connect(brokerPort: number, deviceId: string): Promise<MqttClient | null> {
    return new Promise((resolve) => {
      const client = mqtt.connect(`mqtt://127.0.0.1:${brokerPort}`, {
        protocolVersion: 4, // aedes speaks MQTT 3.1.1 only (docs/architecture.md#toolchain-notes)
        clientId: deviceId,
        username: deviceId,
        password: FLEET_PASSWORD,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      client.setMaxListeners(50); // one 'close' listener per message in flight (publish())
      client.on('error', () => undefined); // a kill resets the connection; the ledger already says what was acknowledged
      const settle = (connected: boolean) => {
        client.off('connect', onConnect);
        client.off('close', onClose);
        if (!connected) client.end(true);
        resolve(connected ? client : null);
      };
      const onConnect = () => settle(true);
      const onClose = () => settle(false);
      client.once('connect', onConnect);
      client.once('close', onClose);
    });
  }

  return {
    hubConfig() {
      const rooms: object[] = [];
      const devices: object[] = [];
      const passwordSha256 = sha256Hex(FLEET_PASSWORD);
      for (let i = 0; i < options.buttons; i++) {
        rooms.push({ id: `room-btn-${i}`, name: `Button room ${i}` });
        devices.push({ id: buttonId(i), roomId: `room-btn-${i}`, mqtt: { passwordSha256 } });
      }
      for (let i = 0; i < options.telemetryDevices; i++) {
        rooms.push({ id: `room-tel-${i}`, name: `Telemetry room ${i}` });
        devices.push({ id: telemetryId(i), roomId: `room-tel-${i}`, mqtt: { passwordSha256 } });
      }
      for (let i = 0; i < options.callPoints; i++) {
        rooms.push({ id: `room-cp-${i}`, name: `Call point room ${i}` });
        devices.push({ id: callPointId(i), roomId: `room-cp-${i}`, callPoint: { receiver: RECEIVER_ID, address: i + 1 } });
      }
      const receivers = options.callPoints > 0 ? [{ id: RECEIVER_ID, path: `${options.ptyDir}/ttyHUB`, address: RECEIVER_ADDRESS }] : [];
      return { rooms, devices, receivers };
    },

    async attach(brokerPort) {
      const current = { clients: [] as MqttClient[], running: true, loops: [] as Promise<void>[] };
      session = current;
      const live = () => current.running;
      if (receiverSim) current.loops.push(serialLoop(live));
      // One at a time: the broker caps connections that have not logged in yet per address.
      const ids = [...Array.from({ length: options.buttons }, (_, i) => buttonId(i)), ...Array.from({ length: options.telemetryDevices }, (_, i) => telemetryId(i))];
      for (const [k, id] of ids.entries()) {
        if (!current.running) return;
        const client = await connect(brokerPort, id);
        if (!client) return;
        current.clients.push(client);
        current.loops.push(k < options.buttons ? buttonLoop(client, k, live) : telemetryLoop(client, k - options.buttons, live));
      }
    },

    async detach(graceful) {
      const current = session;
      session = null;
      if (!current) return;
      current.running = false;
      if (graceful) await Promise.all(current.loops);
      await Promise.all(current.clients.map((c) => c.endAsync(!graceful).catch(() => undefined)));
    },

    preparePty: openSerial,

    ledger: () => sent,

    async close() {
      await this.detach(false);
      await receiverSim?.close().catch(() => undefined);
      receiverSim = null;
      await pty?.close().catch(() => undefined);
      pty = null;
    },
  };
}
