/**
 * States a device reports besides readings and calls (docs/devices.md#inputs): what a radar, a bed or
 * door sensor, a leak sensor or a measuring device says about the room or about itself. Each is a
 * typed object, never a magic number: a finger out of the oximeter is `sensor: finger-out`, not SpO2 0.
 */
import { z } from 'zod';

/**
 * Why a measuring device is or is not measuring: 'measuring' means its values are usable; the others
 * are technical states (the sensor, not the resident). 'alive' is a radar's periodic heartbeat.
 */
export const SENSOR_STATUSES = ['measuring', 'finger-out', 'searching', 'searching-too-long', 'no-value', 'alive'] as const;
export type SensorStatus = (typeof SENSOR_STATUSES)[number];

export const MOTION_STATES = ['none', 'stationary', 'moving'] as const;

export const DeviceState = z.discriminatedUnion('kind', [
  /** `impactG`: present when the hub decided the fall from a worn accelerometer, the landing's peak (docs/fall-detection.md). */
  z.strictObject({ kind: z.literal('fall'), fallen: z.boolean(), impactG: z.number().positive().finite().optional() }),
  z.strictObject({ kind: z.literal('presence'), present: z.boolean() }),
  z.strictObject({ kind: z.literal('motion'), motion: z.enum(MOTION_STATES) }),
  /** Seeed radars' body-movement parameter, 0 (still) to 100. */
  z.strictObject({ kind: z.literal('body-movement'), level: z.number().int().min(0).max(100) }),
  /** Someone has stayed still in one place longer than the radar's residence time. */
  z.strictObject({ kind: z.literal('stationary-residence'), residing: z.boolean() }),
  /** A bed sensor: `out` is true when the resident has left the bed. */
  z.strictObject({ kind: z.literal('bed-exit'), out: z.boolean() }),
  z.strictObject({ kind: z.literal('door'), open: z.boolean() }),
  z.strictObject({ kind: z.literal('water-leak'), leak: z.boolean() }),
  z.strictObject({ kind: z.literal('sensor'), status: z.enum(SENSOR_STATUSES) }),
]);
export type DeviceState = z.infer<typeof DeviceState>;
export type DeviceStateKind = DeviceState['kind'];
