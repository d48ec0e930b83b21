/**
 * The hub's MQTT API (docs/mqtt-topics.md). Topic scheme and payload schemas live
 * here once; hub, firmware-sim and tests import them.
 *
 *   care/v1/devices/<deviceId>/call       CallMessage   (QoS 1, never retained)
 *   care/v1/devices/<deviceId>/telemetry  TelemetryMessage
 *   care/v1/devices/<deviceId>/status     StatusMessage (a device's will: {"status":"offline"})
 */
import { z } from 'zod';
import { CALL_POINT_EVENTS } from './call-frame.ts';
import { Id, IsoTime } from './event.ts';
import { VITAL_METRIC_IDS } from './vitals.ts';

export const TOPIC_ROOT = 'care/v1/devices';
export const DEVICE_CHANNELS = ['call', 'telemetry', 'status'] as const;
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
