/**
 * BLE health devices on drivers/ble/simulated-peripheral.ts (docs/firmware-sim.md#ble): each builds
 * a peripheral with its profile's service (the UUIDs of drivers/ble/profiles.ts) and a battery,
 * and notifies or indicates bytes made by the protocols/gatt encoders. A SimulatedCentral plays the
 * radio, so these run in-process with the BLE driver (tests, or a hub composed with the simulated
 * central); there is no BLE link from the CLI to a separate hub process.
 */
import type { Clock } from '../drivers/clock.ts';
import { getBleProfile } from '../drivers/ble/profiles.ts';
import { SimulatedPeripheral } from '../drivers/ble/simulated-peripheral.ts';
import type { CharacteristicProperty } from '../drivers/ble/ble-central.ts';
import { encodeBatteryLevel } from '../protocols/gatt/battery-level.ts';
import { bloodPressureMeasurement } from '../protocols/gatt/blood-pressure-measurement.ts';
import { glucoseMeasurement, type GlucoseMeasurement } from '../protocols/gatt/glucose-measurement.ts';
import { heartRateMeasurement } from '../protocols/gatt/heart-rate-measurement.ts';
import { toMedNumber } from '../protocols/gatt/ieee11073.ts';
import { plxContinuous } from '../protocols/gatt/plx-continuous.ts';
import { plxSpotCheck } from '../protocols/gatt/plx-spot-check.ts';
import { decodeRacpRequest, encodeRacpResponse, RACP_OP_CODES } from '../protocols/gatt/record-access-control-point.ts';
import { temperatureMeasurement } from '../protocols/gatt/temperature-measurement.ts';
import { weightMeasurement } from '../protocols/gatt/weight-measurement.ts';
import type { DateTime } from '../protocols/gatt/bytes.ts';
import { every } from './ticker.ts';
import type { Vitals } from './vitals.ts';

export const BLE_SIM_KINDS = ['heart-rate', 'blood-pressure', 'health-thermometer', 'pulse-oximeter', 'weight-scale', 'glucose'] as const;
export type BleSimKind = (typeof BLE_SIM_KINDS)[number];

export interface BleSimOptions {
  address: string;
  clock: Clock;
  /** The resident's vitals now (the streaming profiles read them every `everyMs`). */
  vitals?: () => Vitals;
  /** Streaming period of heart rate and PLX continuous, ms (default 1000: [HRS 3.1] about once a second). */
  everyMs?: number;
  batteryLevel?: number;
}

/** A measurement an episodic device takes when told (a cuff reading, a weighing, a glucose strip). */
export type BleMeasurement =
  | { kind: 'blood-pressure'; systolic: number; diastolic: number; pulse?: number }
  | { kind: 'temperature'; celsius: number }
  | { kind: 'spot-check'; spo2: number; pulse: number }
  | { kind: 'weight'; kg: number }
  | { kind: 'glucose'; mmolPerL: number; at?: DateTime };

export interface BleDeviceSim {
  readonly kind: BleSimKind;
  readonly peripheral: SimulatedPeripheral;
  /** Starts advertising now and the periodic values of a streaming profile. */
  start(): void;
  stop(): void;
  /** Takes a measurement: true when a subscriber on a live link received it (glucose: always true, stored for the next RACP fetch). */
  measure(m: BleMeasurement): boolean;
  /** Characteristic values sent, in order (uuid as 4 hex digits, bytes). */
  readonly sent: ReadonlyArray<{ uuid: string; bytes: Uint8Array }>;
}

export class BleSimError extends Error {
  override readonly name = 'BleSimError';
  constructor(
    readonly code: 'wrong-measurement',
    message: string,
  ) {
    super(message);
  }
}

const sf = (v: number, decimals = 0) => toMedNumber(v, decimals);

/** The Glucose Measurement a strip reading becomes: mol/L with four decimals (5.6 mmol/L = 0.0056 mol/L). */
export function glucoseRecord(sequenceNumber: number, mmolPerL: number, at: DateTime): GlucoseMeasurement {
  // type 1 capillary whole blood, location 1 finger [GLS Type and Sample Location].
  return { sequenceNumber, baseTime: at, concentration: { unit: 'mol/L', value: toMedNumber(mmolPerL / 1000, 4), type: 1, sampleLocation: 1 }, contextInformationFollows: false };
}

export function createBleDeviceSim(kind: BleSimKind, options: BleSimOptions): BleDeviceSim {
  const profile = getBleProfile(kind);
  if (!profile) throw new Error(`no BLE profile ${kind}`);
  const properties = (c: (typeof profile.characteristics)[number]): CharacteristicProperty[] =>
    // The RACP is written by the collector and indicates its answer [GLS 3.4].
    profile.recordAccess && c.delivery === 'indicate' ? ['write', 'indicate'] : [c.delivery];
  const peripheral = new SimulatedPeripheral({
    address: options.address,
    name: `sim-${kind}`,
    services: [
      { uuid: profile.serviceUuid, characteristics: profile.characteristics.map((c) => ({ uuid: c.uuid, properties: properties(c) })) },
      { uuid: 0x180f, characteristics: [{ uuid: 0x2a19, properties: ['read', 'notify'], value: encodeBatteryLevel({ level: options.batteryLevel ?? 90 }) }] },
    ],
    advertisedServices: [profile.serviceUuid],
  });
  const sent: Array<{ uuid: string; bytes: Uint8Array }> = [];
  /** Stored glucose records, oldest first. */
  const records: GlucoseMeasurement[] = [];
  let stopTicker: (() => void) | null = null;
  let stopAdvertising: (() => void) | null = null;

  function send(uuid: string, bytes: Uint8Array): boolean {
    sent.push({ uuid, bytes });
    return peripheral.notify(uuid, bytes);
  }

  function stream(): void {
    const v = options.vitals?.();
    if (!v || !peripheral.connected) return;
    if (kind === 'heart-rate') send('2a37', heartRateMeasurement.encode({ heartRate: Math.round(v.pulse), sensorContact: 'detected' }));
    // A PLX without a finger sends nothing rather than a fake value (docs/devices.md#inputs).
    if (kind === 'pulse-oximeter' && v.fingerIn) send('2a5f', plxContinuous.encode({ spo2: sf(Math.round(v.spo2)), pulseRate: sf(Math.round(v.pulse)) }));
  }

  if (profile.recordAccess) {
    peripheral.onWrite('2a52', (bytes) => {
      let opCode: number;
      try {
        const req = decodeRacpRequest(bytes);
        opCode = RACP_OP_CODES[req.opCode];
      } catch {
        // [GLS RACP] op code not supported (response code 2).
        send('2a52', encodeRacpResponse({ opCode: 'response-code', requestOpCode: bytes[0] ?? 0, responseCode: 2 }));
        return;
      }
      if (opCode === RACP_OP_CODES['report-stored-records']) {
        for (const r of records) send('2a18', glucoseMeasurement.encode(r));
        // [GLS RACP] success (1), or no records found (6).
        send('2a52', encodeRacpResponse({ opCode: 'response-code', requestOpCode: opCode, responseCode: records.length > 0 ? 1 : 6 }));
      } else {
        send('2a52', encodeRacpResponse({ opCode: 'response-code', requestOpCode: opCode, responseCode: 1 }));
      }
    });
  }

  const wrong = (m: BleMeasurement): never => {
    throw new BleSimError('wrong-measurement', `a ${kind} device cannot take a ${m.kind} measurement`);
  };

  return {
    kind,
    peripheral,
    sent,
    start() {
      if (stopAdvertising) return;
      // Advertise about once a second until stopped, as a device waiting for its collector does.
      peripheral.advertise();
      stopAdvertising = every(options.clock, 1000, () => {
        if (!peripheral.connected) peripheral.advertise();
      });
      if (kind === 'heart-rate' || kind === 'pulse-oximeter') stopTicker = every(options.clock, options.everyMs ?? 1000, stream);
    },
    stop() {
      stopTicker?.();
      stopAdvertising?.();
      stopTicker = stopAdvertising = null;
      peripheral.disconnect();
    },
    measure(m) {
      switch (m.kind) {
        case 'blood-pressure': {
          if (kind !== 'blood-pressure') return wrong(m);
          // Mean arterial pressure ≈ diastolic + a third of the pulse pressure.
          const mean = Math.round(m.diastolic + (m.systolic - m.diastolic) / 3);
          return send(
            '2a35',
            bloodPressureMeasurement.encode({ unit: 'mmHg', systolic: sf(m.systolic), diastolic: sf(m.diastolic), meanArterialPressure: sf(mean), ...(m.pulse !== undefined && { pulseRate: sf(m.pulse) }) }),
          );
        }
        case 'temperature':
          if (kind !== 'health-thermometer') return wrong(m);
          return send('2a1c', temperatureMeasurement.encode({ unit: 'Cel', temperature: toMedNumber(m.celsius, 1, 'float') }));
        case 'spot-check':
          if (kind !== 'pulse-oximeter') return wrong(m);
          return send('2a5e', plxSpotCheck.encode({ spo2: sf(m.spo2), pulseRate: sf(m.pulse), deviceClockNotSet: false }));
        case 'weight':
          if (kind !== 'weight-scale') return wrong(m);
          return send('2a9d', weightMeasurement.encode({ units: 'SI', weight: m.kg }));
        case 'glucose': {
          if (kind !== 'glucose') return wrong(m);
          const at = m.at ?? dateTimeOf(options.clock.now());
          records.push(glucoseRecord(records.length + 1, m.mmolPerL, at));
          return true;
        }
      }
    },
  };
}

function dateTimeOf(ms: number): DateTime {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds() };
}
