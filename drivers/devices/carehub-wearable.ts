/**
 * A waist-worn wearable (belt clip) that streams its raw 3-axis accelerometer to the hub over MQTT, so
 * the hub decides falls at the edge (docs/fall-detection.md#wearables-at-the-edge). Why MQTT and not
 * BLE: a resident walks the whole building, out of range of one BLE adapter, while Wi-Fi reaches every
 * corridor; a sensor node (ESP32 class with an ADXL345 or MMA8451Q) publishes batches of raw counts
 * every half second at QoS 0, as telemetry streams do: the decision, not the stream, is what the hub
 * keeps durable. Battery and online state come on the status channel every few minutes, which is what
 * supervision sees (the samples are never events).
 */
import { AccelBatchMessage, parseJsonPayload, StatusMessage } from '../../protocols/mqtt-topics.ts';
import { InputRejected, type MqttDeviceDefinition } from '../device-definition.ts';
import type { DeviceInput } from '../device-input.ts';

/**
 * The reading at rest when the wearer stands, in the clip's axes: +y along the spine pointing down, as
 * SisFall's waist unit is mounted (the recordings the detector is tuned on), so at rest y reads −1 g.
 */
const UPRIGHT = [0, -1, 0] as const;

export const carehubWearable = {
  id: 'carehub-wearable',
  description: 'Waist-worn wearable streaming raw accelerometer batches (care/v1/devices/<id>/accel); the hub decides falls',
  transport: 'mqtt',
  // Status every 5 min (battery) while worn and connected: silent for three of them is missing.
  reportIntervalMs: 300_000,
  convert(channel: string, payload: Uint8Array): DeviceInput[] {
    if (channel === 'accel') {
      const parsed = parseJsonPayload(AccelBatchMessage, payload);
      if (!parsed.ok) throw new InputRejected('bad-payload', parsed.message);
      const { n, hz, range, bits, xyz } = parsed.value;
      // g = count × 2·range / 2^bits [SisFall Readme; ADXL345 and MMA845x datasheets]; UCUM's [g] is standard gravity
      const gPerCount = (2 * range) / 2 ** bits;
      const samples = new Float64Array(xyz.length);
      for (let i = 0; i < xyz.length; i++) samples[i] = xyz[i]! * gPerCount;
      return [{ kind: 'accelerometer', firstSample: n, rateHz: hz, samples, upright: UPRIGHT }];
    }
    if (channel === 'status') {
      const parsed = parseJsonPayload(StatusMessage, payload);
      if (!parsed.ok) throw new InputRejected('bad-payload', parsed.message);
      const { status, battery } = parsed.value;
      return [{ kind: 'status', status, ...(battery !== undefined && { battery }) }];
    }
    throw new InputRejected('unknown-channel', `no channel "${channel}" on this model`);
  },
  exposes: [
    { name: 'accel', type: 'numeric', unit: '[g]', description: 'Raw acceleration, x, y, z at 25–400 Hz (accel channel); never stored, read by the hub\'s fall detector' },
    { name: 'fall', type: 'binary', description: 'A fall decided at the hub from the stream (stored as a fall state)' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level (status channel)' },
    { name: 'status', type: 'enum', values: ['online', 'offline'], description: 'Reachable or not (status channel; set it as the last will)' },
  ],
} as const satisfies MqttDeviceDefinition;
