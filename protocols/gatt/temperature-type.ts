/**
 * Temperature Type 0x2A1D (Health Thermometer Service, "HTS"): where on the body the thermometer
 * measures. Also the optional last field of Temperature Measurement. docs/gatt.md.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { GattReading } from './readings.ts';

export const TEMPERATURE_TYPE_UUID = 0x2a1d;

/** [GSS Temperature Type] 1..9; 0 and 10..255 are reserved for future use. Keyed by the code. */
export const TEMPERATURE_TYPES: Readonly<Record<number, string>> = {
  1: 'armpit',
  2: 'body',
  3: 'ear',
  4: 'finger',
  5: 'gastro-intestinal-tract',
  6: 'mouth',
  7: 'rectum',
  8: 'toe',
  9: 'tympanum',
};

/** The site name for a code; a reserved code is kept as 'reserved' (the raw code travels beside it). */
export function temperatureTypeName(code: number): string {
  return TEMPERATURE_TYPES[code] ?? 'reserved';
}

export interface TemperatureType {
  temperatureType: number;
}

export interface TemperatureTypeDecoded extends TemperatureType {
  temperatureTypeName: string;
  readings: GattReading[];
}

export function decodeTemperatureType(bytes: Uint8Array): TemperatureTypeDecoded {
  const r = new ByteReader(bytes, TEMPERATURE_TYPE_UUID);
  const temperatureType = r.u8('temperatureType');
  r.end();
  return { temperatureType, temperatureTypeName: temperatureTypeName(temperatureType), readings: [] };
}

export function encodeTemperatureType(v: TemperatureType): Uint8Array {
  return new ByteWriter().u8('temperatureType', v.temperatureType).bytes();
}

export const temperatureType: GattCodec<TemperatureType, TemperatureTypeDecoded> = {
  uuid: TEMPERATURE_TYPE_UUID,
  id: 'temperature-type',
  name: 'Temperature Type',
  decode: decodeTemperatureType,
  encode: encodeTemperatureType,
};
