/**
 * zigbee2mqtt device payloads (docs/zigbee2mqtt.md#payloads): the JSON on `<base>/<friendly_name>`
 * and the availability payload, as stock zigbee2mqtt 1.x and 2.x publish them. Pure: text or bytes
 * in, checked values out. The decoders throw only Zigbee2mqttDecodeError.
 */
import { z } from 'zod';
import { Zigbee2mqttDecodeError } from './errors.ts';

/**
 * The fields the hub reads, checked; every other key (voltage, last_seen, power_outage_count,
 * device-specific ones) passes through untouched, because each converter adds its own.
 */
const Zigbee2mqttPayloadSchema = z.looseObject({
  /** What the button did: single, double, hold, emergency, button_1_single … ('' = nothing). */
  action: z.string().optional(),
  /** % of full charge. zigbee2mqtt publishes fractions too (51.5 seen from a Heiman HS1EB). */
  battery: z.number().min(0).max(100).optional(),
  /** Zigbee LQI of the last frame, 0–255. */
  linkquality: z.number().int().min(0).max(255).optional(),
  /** Motion / presence sensors: true = someone there. */
  occupancy: z.boolean().optional(),
  /** Door and window contacts: true = closed (magnet near the reed), false = open. */
  contact: z.boolean().optional(),
  /** Leak sensors: true = water detected. */
  water_leak: z.boolean().optional(),
});

export type Zigbee2mqttPayload = z.infer<typeof Zigbee2mqttPayloadSchema>;

/** The keys the schema checks; a null in one of them is "not reported yet" and is dropped. */
const CHECKED_KEYS = Object.keys(Zigbee2mqttPayloadSchema.shape);
const NUMERIC_KEYS = new Set(['battery', 'linkquality']);

export type Zigbee2mqttAvailability = 'online' | 'offline';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toText(payload: Uint8Array | string): string {
  if (typeof payload === 'string') return payload;
  try {
    return utf8.decode(payload);
  } catch (err) {
    throw new Zigbee2mqttDecodeError('encoding', `${payload.length} bytes are not valid UTF-8`, { cause: err });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Any error of JSON.parse (a syntax error, or a RangeError on absurd nesting) is bad JSON.
    throw new Zigbee2mqttDecodeError('bad-json', `${text.length > 60 ? `${text.slice(0, 60)}…` : text}: ${(err as Error).message}`, { cause: err });
  }
}

/** A value for an error message: numbers as written (JSON would print Infinity as null), the rest as JSON. */
const show = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Decode a device-state payload. zigbee2mqtt sends `null` for a value the device has not reported
 * yet (`"battery":null` before the first report, `"action":null` on a device announce): such a key
 * is left out of the result, as if absent. Wrong types and out-of-range values are errors.
 */
export function decodeZigbee2mqttPayload(payload: Uint8Array | string): Zigbee2mqttPayload {
  const text = toText(payload);
  if (text.trim() === '') throw new Zigbee2mqttDecodeError('empty', 'no payload');
  const value = parseJson(text);
  if (!isObject(value)) throw new Zigbee2mqttDecodeError('not-object', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  const cleaned: Record<string, unknown> = { ...value };
  for (const key of CHECKED_KEYS) if (cleaned[key] === null) delete cleaned[key];
  const parsed = Zigbee2mqttPayloadSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0]!;
  const field = String(first.path[0]);
  // A number the schema refuses in a numeric field (too big, too small, not an integer, infinite
  // from `1e999`) is out of range; anything else (a string where a boolean belongs …) has the wrong type.
  const code = NUMERIC_KEYS.has(field) && typeof cleaned[field] === 'number' ? 'out-of-range' : 'bad-type';
  const message = issues.map((i) => `${i.path.join('.')}: ${show(cleaned[String(i.path[0])])} (${i.message})`).join('; ');
  throw new Zigbee2mqttDecodeError(code, message, { field, cause: parsed.error });
}

/**
 * Decode `<base>/<friendly_name>/availability`: the plain string `online` / `offline` of 1.x (its
 * legacy default) or the JSON `{"state":"online"}` of 2.x (opt-in since 1.24).
 */
export function decodeZigbee2mqttAvailability(payload: Uint8Array | string): Zigbee2mqttAvailability {
  const text = toText(payload).trim();
  if (text === '') throw new Zigbee2mqttDecodeError('empty', 'no payload');
  if (text === 'online' || text === 'offline') return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (isObject(value) && (value.state === 'online' || value.state === 'offline')) return value.state;
  throw new Zigbee2mqttDecodeError('bad-availability', `${text.length > 60 ? `${text.slice(0, 60)}…` : text} is neither online/offline nor {"state":"online"|"offline"}`);
}
