/**
 * A device that speaks the hub's own MQTT topics (docs/mqtt-topics.md): call buttons and vitals
 * monitors whose firmware we or an integrator wrote. The default model of an MQTT device.
 */
import { CALL_POINT_EVENTS } from '../../protocols/call-frame.ts';
import { CallMessage, parseJsonPayload, StatusMessage, TelemetryMessage } from '../../protocols/mqtt-topics.ts';
import { VITAL_METRICS } from '../../protocols/vitals.ts';
import { InputRejected, type MqttDeviceDefinition } from '../device-definition.ts';
import type { DeviceInput } from '../device-input.ts';

export const carehubMqtt = {
  id: 'carehub-mqtt',
  description: 'Call point or vitals monitor publishing the hub\'s own topics (care/v1/devices/<id>/call and /telemetry)',
  transport: 'mqtt',
  convert(channel: string, payload: Uint8Array, retained: boolean): DeviceInput[] {
    if (channel === 'call') {
      // A retained call is old news the broker would replay, never a live press.
      if (retained) throw new InputRejected('retained', 'a retained call is not a live press');
      const parsed = parseJsonPayload(CallMessage, payload);
      if (!parsed.ok) throw new InputRejected('bad-payload', parsed.message);
      const { event, seq, battery, time } = parsed.value;
      return [{ kind: 'call-point', event, deviceSeq: seq, battery: battery ?? null, ...(time && { deviceTime: time }) }];
    }
    if (channel === 'telemetry') {
      const parsed = parseJsonPayload(TelemetryMessage, payload);
      if (!parsed.ok) throw new InputRejected('bad-payload', parsed.message);
      const { metric, value, unit, time } = parsed.value;
      const expected = VITAL_METRICS[metric].unit;
      if (unit !== undefined && unit !== expected) throw new InputRejected('bad-unit', `${metric} is in ${expected}, not ${unit}`);
      return [{ kind: 'reading', metric, value, ...(time && { deviceTime: time }) }];
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
    { name: 'event', type: 'enum', values: CALL_POINT_EVENTS, description: 'What the call point reported (call channel)' },
    { name: 'battery', type: 'numeric', unit: '%', min: 0, max: 100, description: 'Battery level, with a call' },
    { name: 'reading', type: 'numeric', description: 'A vital sign in its metric\'s UCUM unit (telemetry channel)' },
    { name: 'status', type: 'enum', values: ['online', 'offline'], description: 'Reachable or not (status channel; set it as the last will)' },
  ],
} as const satisfies MqttDeviceDefinition;
