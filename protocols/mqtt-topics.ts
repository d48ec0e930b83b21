/**
 * The hub's MQTT API (docs/mqtt-topics.md). Topic scheme and payload schemas live
 * here once; hub, firmware-sim and tests import them.
 *
 *   care/v1/devices/<deviceId>/call       CallMessage   (QoS 1, never retained)
 *   care/v1/devices/<deviceId>/telemetry  TelemetryMessage
 *   care/v1/devices/<deviceId>/status     StatusMessage (a device's will: {"status":"offline"})
 *   care/v1/devices/<deviceId>/accel      AccelBatchMessage (a wearable's raw accelerometer stream, QoS 0)
 */
import { z } from 'zod';
import { CALL_POINT_EVENTS } from './call-frame.ts';
import { Id, IsoTime } from './event.ts';
import { VITAL_METRIC_IDS } from './vitals.ts';

export const TOPIC_ROOT = 'care/v1/devices';
export const DEVICE_CHANNELS = ['call', 'telemetry', 'status', 'accel'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${deviceId}/${channel}`;
}

/** Whether a topic or filter lies in the device's own subtree, the only place it may publish or subscribe. */
export function isOwnTopic(deviceId: string, topic: string): boolean {
  const own = `${TOPIC_ROOT}/${deviceId}`;
  return topic === own || topic.startsWith(`${own}/`);
}

export type ParsedTopic = { deviceId: string; channel: DeviceChannel };

export function parseDeviceTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/${parts[2]}` !== TOPIC_ROOT) return null;
  const deviceId = parts[3]!;
  const channel = parts[4] as DeviceChannel;
  if (!Id.safeParse(deviceId).success || !DEVICE_CHANNELS.includes(channel)) return null;
  return { deviceId, channel };
}

export const CallMessage = z.strictObject({
  event: z.enum(CALL_POINT_EVENTS),
  seq: z.number().int().min(0).max(65535),
  battery: z.number().min(0).max(100).optional(),
  time: IsoTime.optional(),
});
export type CallMessage = z.infer<typeof CallMessage>;

export const TelemetryMessage = z.strictObject({
  metric: z.enum(VITAL_METRIC_IDS),
  value: z.number().finite(),
  /** Optional; when given it must match the metric's UCUM unit. */
  unit: z.string().optional(),
  time: IsoTime.optional(),
});
export type TelemetryMessage = z.infer<typeof TelemetryMessage>;

/** Whether the device is reachable: what it says on connecting, and its last will says for it when it drops off. */
export const StatusMessage = z.strictObject({
  status: z.enum(['online', 'offline']),
  battery: z.number().min(0).max(100).optional(),
});
export type StatusMessage = z.infer<typeof StatusMessage>;

/** Most samples one accel batch may carry: 2 s at 200 Hz, about 10 KB of JSON, well under the broker's packet limit. */
export const ACCEL_MAX_SAMPLES = 400;

/**
 * A batch of raw accelerometer samples from a wearable (docs/mqtt-topics.md#accelbatchmessage): counts as
 * the chip gives them, with the range and resolution that scale them, so g = count × 2·range / 2^bits
 * (the ADXL345/MMA845x convention). `n` numbers the batch's first sample in the device's stream since it
 * started: time without a clock (n / hz), lost batches show as a gap, a restarted device as a step back.
 */
export const AccelBatchMessage = z
  .strictObject({
    n: z.number().int().min(0).max(2 ** 32 - 1),
    hz: z.number().int().min(25).max(400),
    range: z.union([z.literal(2), z.literal(4), z.literal(8), z.literal(16)]),
    bits: z.number().int().min(8).max(16),
    /** Interleaved x, y, z counts: sample i is at 3i, 3i+1, 3i+2. */
    xyz: z.array(z.number().int()).min(3).max(3 * ACCEL_MAX_SAMPLES),
  })
  .superRefine((batch, ctx) => {
    if (batch.xyz.length % 3 !== 0) ctx.addIssue({ code: 'custom', path: ['xyz'], message: 'length must be a multiple of 3 (x, y, z per sample)' });
    const limit = 2 ** (batch.bits - 1);
    const bad = batch.xyz.findIndex((count) => count < -limit || count >= limit);
    if (bad >= 0) ctx.addIssue({ code: 'custom', path: ['xyz', bad], message: `a ${batch.bits}-bit count is within [${-limit}, ${limit - 1}]` });
  });
export type AccelBatchMessage = z.infer<typeof AccelBatchMessage>;

/** Parses an MQTT payload as JSON then against a schema; never throws. */
export function parseJsonPayload<T>(
  schema: z.ZodType<T>,
  payload: Uint8Array,
): { ok: true; value: T } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    return { ok: false, message: `not UTF-8 JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}
