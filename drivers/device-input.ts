/**
 * The few inputs every device is reduced to (docs/devices.md#inputs). A device definition's converter
 * turns its decoded frames into these; the hub's transports hand them to the one pipeline entry,
 * `Pipeline.ingest`, whatever the device, so the hub never branches on a model.
 */
import type { CallPointEvent } from '../protocols/call-frame.ts';
import type { DeviceState } from '../protocols/device-state.ts';
import type { Measure } from '../protocols/vitals.ts';

/** How the input reached the hub; counted per value in the hub's metrics. */
export type Via = 'serial' | 'mqtt' | 'zigbee2mqtt' | 'ble';

export type DeviceInput =
  /** A press, cancel, pull-cord, heartbeat or low-battery report of a call point. Critical: stored before it is acknowledged. */
  | { kind: 'call-point'; event: CallPointEvent; deviceSeq: number; battery: number | null; deviceTime?: string }
  /** A measurement in the metric's UCUM unit (protocols/vitals.ts). */
  | { kind: 'reading'; metric: Measure; value: number; deviceTime?: string }
  /** What the device says about the room or its sensor (protocols/device-state.ts). */
  | { kind: 'state'; state: DeviceState; deviceTime?: string }
  /** The device itself: reachable or not, its battery. */
  | { kind: 'status'; status: 'online' | 'offline' | 'low-battery' | 'fault'; battery?: number | null; detail?: string; deviceTime?: string }
  /**
   * A wearable's raw accelerometer samples in g, interleaved x, y, z, at `rateHz`; `firstSample` numbers
   * the first one in the device's stream. Never stored: the hub's fall detector reads it and stores only
   * its decision, a `fall` state (docs/fall-detection.md#wearables-at-the-edge). `upright` is the reading
   * at rest when the wearer stands, in the sensor's axes (the model's mounting).
   */
  | { kind: 'accelerometer'; firstSample: number; rateHz: number; samples: Float64Array; upright: readonly [number, number, number] };

export type DeviceInputKind = DeviceInput['kind'];
