/**
 * Battery Level 0x2A19 (Battery Service; GATT Specification Supplement, "GSS"). docs/gatt.md.
 *
 * Battery is device status, not a vital sign: it yields no readings; the transport reports
 * `level` as the device's battery state.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import type { GattCodec } from './codec.ts';
import type { GattReading } from './readings.ts';

export const BATTERY_LEVEL_UUID = 0x2a19;

export interface BatteryLevel {
  /** % of full charge */
  level: number;
}

export function decodeBatteryLevel(bytes: Uint8Array): BatteryLevel & { readings: GattReading[] } {
  const r = new ByteReader(bytes, BATTERY_LEVEL_UUID);
  const level = r.u8('level');
  if (level > 100) throw r.outOfRange('level', `${level} % (0..100; 101..255 are reserved)`); // [GSS Battery Level] uint8 0..100 %
  r.end();
  return { level, readings: [] };
}

export function encodeBatteryLevel(v: BatteryLevel): Uint8Array {
  return new ByteWriter().u8('level', v.level).bytes(); // 101..255 encode, so a simulator can send what a faulty device sends
}

export const batteryLevel: GattCodec<BatteryLevel> = {
  uuid: BATTERY_LEVEL_UUID,
  id: 'battery-level',
  name: 'Battery Level',
  decode: decodeBatteryLevel,
  encode: encodeBatteryLevel,
};
