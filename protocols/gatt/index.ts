/**
 * Registry of GATT characteristic codecs, keyed by the 16-bit UUID (docs/gatt.md). Adding a
 * characteristic is one file in this folder and one line in GATT_CODECS; a test fails when a
 * codec file is missing here or two entries share a UUID or id.
 */
import { batteryLevel } from './battery-level.ts';
import { bloodPressureMeasurement } from './blood-pressure-measurement.ts';
import type { GattCodec } from './codec.ts';
import { currentTime } from './current-time.ts';
import { dateTime } from './date-time.ts';
import { GattDecodeError } from './errors.ts';
import { glucoseMeasurement } from './glucose-measurement.ts';
import { heartRateMeasurement } from './heart-rate-measurement.ts';
import { intermediateCuffPressure } from './intermediate-cuff-pressure.ts';
import { plxContinuous } from './plx-continuous.ts';
import { plxFeatures } from './plx-features.ts';
import { plxSpotCheck } from './plx-spot-check.ts';
import type { GattReading } from './readings.ts';
import { recordAccessControlPoint } from './record-access-control-point.ts';
import { temperatureMeasurement } from './temperature-measurement.ts';
import { temperatureType } from './temperature-type.ts';
import { weightMeasurement } from './weight-measurement.ts';

// Each codec has its own value type; the registry only needs the common face.
export type AnyGattCodec = GattCodec<any, any>;

export const GATT_CODECS: readonly AnyGattCodec[] = [
  heartRateMeasurement,
  bloodPressureMeasurement,
  intermediateCuffPressure,
  temperatureMeasurement,
  temperatureType,
  plxSpotCheck,
  plxContinuous,
  plxFeatures,
  weightMeasurement,
  glucoseMeasurement,
  recordAccessControlPoint,
  batteryLevel,
  currentTime,
  dateTime,
];

/** Codecs keyed by 16-bit UUID. */
const BY_UUID = new Map<number, AnyGattCodec>(GATT_CODECS.map((c) => [c.uuid, c]));

/** 0x2A37, '2a37', '0x2A37' and the 128-bit base form '00002a37-0000-1000-8000-00805f9b34fb' all name the same characteristic. */
export function parseGattUuid(uuid: number | string): number | undefined {
  if (typeof uuid === 'number') return Number.isInteger(uuid) && uuid >= 0 && uuid <= 0xffff ? uuid : undefined;
  const m = /^(?:0x)?([0-9a-f]{4})$/i.exec(uuid) ?? /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/i.exec(uuid);
  return m ? Number.parseInt(m[1]!, 16) : undefined;
}

export function getGattCodec(uuid: number | string): AnyGattCodec | undefined {
  const n = parseGattUuid(uuid);
  return n === undefined ? undefined : BY_UUID.get(n);
}

/** Decode a characteristic value by UUID. Throws only GattDecodeError. */
export function decodeGatt(uuid: number | string, bytes: Uint8Array): { readings: GattReading[] } & Record<string, unknown> {
  const codec = getGattCodec(uuid);
  if (!codec) throw new GattDecodeError('unknown-characteristic', `no GATT codec for ${String(uuid)}`);
  return codec.decode(bytes);
}

export { GattDecodeError, GattEncodeError, GATT_ERROR_CODES, type GattErrorCode } from './errors.ts';
export type { GattCodec } from './codec.ts';
export type { GattReading } from './readings.ts';
