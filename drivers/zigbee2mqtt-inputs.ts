/**
 * zigbee2mqtt payloads to device inputs, shared by the zigbee2mqtt models (docs/zigbee2mqtt.md).
 * The protocol decoding and the role mapping are protocols/zigbee2mqtt; this adds what the hub needs:
 * a sequence number per press, the battery as device status, and a press that survives a bad field.
 */
import { decodeZigbee2mqttPayload, Zigbee2mqttDecodeError, zigbee2mqttToInputs, type Zigbee2mqttPayload } from '../protocols/zigbee2mqtt/index.ts';
import { InputRejected, type Zigbee2mqttContext } from './device-definition.ts';
import type { DeviceInput } from './device-input.ts';

/** A model's own action table: action value → what it does (replaces the default table). */
export type ActionTable = Readonly<Record<string, 'call' | 'cancel'>>;

export function zigbee2mqttInputs(payload: Uint8Array, context: Zigbee2mqttContext, actions?: ActionTable): DeviceInput[] {
  const decoded = decodeSalvaging(payload);
  const mapping = { role: context.role, ...(actions && { actions: { ...actions } }) };
  return zigbee2mqttToInputs(decoded, mapping, { retained: context.retained }).map((input): DeviceInput => {
    if (input.kind === 'call-point') return { kind: 'call-point', event: input.event, deviceSeq: context.nextSeq(), battery: decoded.battery ?? null };
    if (input.state.kind === 'battery') return { kind: 'status', status: 'online', battery: input.state.percent };
    return { kind: 'state', state: input.state };
  });
}

/**
 * Decodes the payload; when a field other than `action` is bad (a battery of 120 %, a contact of
 * "yes"), decodes it again without that field, so an SOS press next to a faulty battery report
 * still calls. A bad action, or a payload that is no JSON object, is rejected whole.
 */
function decodeSalvaging(payload: Uint8Array): Zigbee2mqttPayload {
  let first: Zigbee2mqttDecodeError | undefined;
  let value: Record<string, unknown> | undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      return decodeZigbee2mqttPayload(value ? JSON.stringify(value) : payload);
    } catch (err) {
      if (!(err instanceof Zigbee2mqttDecodeError)) throw err;
      first ??= err;
      if (err.field === undefined || err.field === 'action') break;
      value ??= JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      delete value[err.field];
    }
  }
  throw new InputRejected(first!.code, first!.message);
}
