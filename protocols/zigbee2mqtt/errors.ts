/**
 * Errors of the zigbee2mqtt codec (docs/zigbee2mqtt.md). Every way a payload can be wrong has a
 * stable code, so the transport can count rejects by code; the decoders throw nothing else.
 */

/** Code → what it means; the message of each error starts with its code. */
export const ZIGBEE2MQTT_ERROR_CODES = {
  empty: 'the payload is empty (zigbee2mqtt clears a retained topic this way when a device is removed or renamed)',
  encoding: 'the payload bytes are not UTF-8 text',
  'bad-json': 'the payload is not JSON',
  'not-object': 'the payload is JSON but not an object',
  'bad-type': 'a field has the wrong type',
  'out-of-range': 'a field holds a value outside its range',
  'bad-availability': 'an availability payload is neither online nor offline',
} as const;

export type Zigbee2mqttErrorCode = keyof typeof ZIGBEE2MQTT_ERROR_CODES;

/** A payload that does not decode. `code` is one of ZIGBEE2MQTT_ERROR_CODES. */
export class Zigbee2mqttDecodeError extends Error {
  override name = 'Zigbee2mqttDecodeError';
  readonly code: Zigbee2mqttErrorCode;
  /** The field at fault, when one is (`battery`, `contact` …). */
  readonly field: string | undefined;

  constructor(code: Zigbee2mqttErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(`${code}: ${message}`, { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }
}
