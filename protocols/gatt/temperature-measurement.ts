/**
 * Temperature Measurement 0x2A1C (Health Thermometer Service, "HTS"; field layout in the GATT
 * Specification Supplement, "GSS"). docs/gatt.md.
 */
import { bit, ByteReader, ByteWriter, isoDateTime, type DateTime } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { MedFloat } from './ieee11073.ts';
import { fahrenheitToCelsius, medReading, type GattReading } from './readings.ts';
import { temperatureTypeName } from './temperature-type.ts';

export const TEMPERATURE_MEASUREMENT_UUID = 0x2a1c;

export interface TemperatureMeasurement {
  unit: 'Cel' | '[degF]';
  /** 32-bit FLOAT in `unit` */
  temperature: MedFloat;
  timestamp?: DateTime;
  /** Temperature Type code (temperature-type.ts) */
  temperatureType?: number;
}

export interface TemperatureMeasurementDecoded extends TemperatureMeasurement {
  flags: number;
  timestampIso?: string | null;
  temperatureTypeName?: string;
  readings: GattReading[];
}

export function decodeTemperatureMeasurement(bytes: Uint8Array): TemperatureMeasurementDecoded {
  const r = new ByteReader(bytes, TEMPERATURE_MEASUREMENT_UUID);
  const flags = r.u8('flags');
  const unit = bit(flags, 0) ? '[degF]' : 'Cel'; // [GSS Temperature Measurement flags b0] 0 Celsius, 1 Fahrenheit
  const temperature = r.float('temperature'); // [GSS Temperature Measurement] FLOAT, not SFLOAT
  const out: TemperatureMeasurementDecoded = { flags, unit, temperature, readings: [] };
  if (bit(flags, 1)) {
    out.timestamp = r.dateTime('timestamp'); // [GSS Temperature Measurement flags b1] Time Stamp present
    out.timestampIso = isoDateTime(out.timestamp);
  }
  if (bit(flags, 2)) {
    out.temperatureType = r.u8('temperatureType'); // [GSS Temperature Measurement flags b2] Temperature Type present
    out.temperatureTypeName = temperatureTypeName(out.temperatureType);
  }
  r.end(); // b3-b7 RFU
  out.readings.push(medReading('body-temperature', temperature, unit === '[degF]' ? (n) => fahrenheitToCelsius(n.value) : undefined));
  return out;
}

export function encodeTemperatureMeasurement(v: TemperatureMeasurement): Uint8Array {
  const flags = (v.unit === '[degF]' ? 1 : 0) | (v.timestamp !== undefined ? 1 << 1 : 0) | (v.temperatureType !== undefined ? 1 << 2 : 0);
  const w = new ByteWriter().u8('flags', flags).float('temperature', v.temperature);
  if (v.timestamp !== undefined) w.dateTime('timestamp', v.timestamp);
  if (v.temperatureType !== undefined) w.u8('temperatureType', v.temperatureType);
  return w.bytes();
}

export const temperatureMeasurement: GattCodec<TemperatureMeasurement, TemperatureMeasurementDecoded> = {
  uuid: TEMPERATURE_MEASUREMENT_UUID,
  id: 'temperature-measurement',
  name: 'Temperature Measurement',
  decode: decodeTemperatureMeasurement,
  encode: encodeTemperatureMeasurement,
};
