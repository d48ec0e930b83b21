/**
 * Every fuzz target of `npm run fuzz` (bench/fuzz.ts): one per serial codec of protocols/codecs.ts,
 * one per GATT codec of protocols/gatt/index.ts, and the zigbee2mqtt decoders. Built from the
 * registries, so a codec added there is fuzzed (and stops the run until it has a sample).
 */
import type { FuzzTarget } from './fuzz-phase.ts';
import { GATT_TARGETS } from './fuzz-gatt.ts';
import { SERIAL_TARGETS } from './fuzz-serial.ts';
import { Z2M_TARGET } from './fuzz-z2m.ts';

export const FUZZ_TARGETS: readonly FuzzTarget[] = [...SERIAL_TARGETS, ...GATT_TARGETS, Z2M_TARGET];

/** Each target's own seed from the run's seed and its name, so `--only x` replays x exactly as the full run did. */
export function targetSeed(seed: number, name: string): number {
  let h = 2166136261; // FNV-1a
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (seed ^ h) >>> 0;
}
