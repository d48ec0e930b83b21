/**
 * Fuzz for the zigbee2mqtt codec (fast-check): random strings, bytes, JSON values and payloads
 * shaped like zigbee2mqtt's never make a decoder throw anything but a Zigbee2mqttDecodeError, and
 * a retained message never yields a call, whatever it holds and whatever the mapping says
 * (docs/zigbee2mqtt.md#retained-messages).
 */
import t from 'tap';
import fc from 'fast-check';
import {
  decodeZigbee2mqttAvailability,
  decodeZigbee2mqttPayload,
  parseZigbee2mqttTopic,
  zigbee2mqttToInputs,
  Zigbee2mqttDecodeError,
  ZIGBEE2MQTT_ERROR_CODES,
  ZIGBEE2MQTT_ROLES,
  DEFAULT_PRESS_ACTIONS,
  type Zigbee2mqttMapping,
} from '../../protocols/zigbee2mqtt/index.ts';

const RUNS = 2000;

/** Decode with both decoders; anything thrown that is not the codec's own error is returned as a failure. */
function decodeBoth(payload: string | Uint8Array): { payload?: ReturnType<typeof decodeZigbee2mqttPayload>; stray?: unknown } {
  let decoded;
  for (const decode of [decodeZigbee2mqttPayload, decodeZigbee2mqttAvailability] as const) {
    try {
      const value = decode(payload);
      if (decode === decodeZigbee2mqttPayload) decoded = value as ReturnType<typeof decodeZigbee2mqttPayload>;
    } catch (err) {
      if (!(err instanceof Zigbee2mqttDecodeError) || !(err.code in ZIGBEE2MQTT_ERROR_CODES)) return { stray: err };
    }
  }
  return { payload: decoded };
}

const action = fc.oneof(fc.constantFrom(...DEFAULT_PRESS_ACTIONS, '', 'release', 'single_left', 'button_1_single', 'on', 'off'), fc.string());
const mapping: fc.Arbitrary<Zigbee2mqttMapping> = fc.record(
  { role: fc.constantFrom(...ZIGBEE2MQTT_ROLES), actions: fc.dictionary(fc.string({ minLength: 1 }), fc.constantFrom('call' as const, 'cancel' as const)) },
  { requiredKeys: ['role'] },
);
/** Mostly a value zigbee2mqtt would send for the field, sometimes anything (wrong type, out of range, null). */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.integer({ min: -10, max: 300 }), fc.double(), fc.string(), fc.jsonValue({ maxDepth: 2 })) });
const z2mLike = fc
  .record(
    {
      action: field(action),
      battery: field(fc.double({ min: 0, max: 100, noNaN: true })),
      linkquality: field(fc.integer({ min: 0, max: 255 })),
      occupancy: field(fc.boolean()),
      contact: field(fc.boolean()),
      water_leak: field(fc.boolean()),
      voltage: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

t.test('random strings, bytes and JSON values: only Zigbee2mqttDecodeError is ever thrown', async (t) => {
  const input = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 64 }),
    fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
    z2mLike,
    z2mLike.map((s) => new TextEncoder().encode(s)),
  );
  fc.assert(
    fc.property(input, (payload) => {
      const { stray } = decodeBoth(payload);
      return stray === undefined;
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random payloads: every failure was a Zigbee2mqttDecodeError with a known code`);
});

t.test('a retained message never yields a call-point input; a live one at most one', async (t) => {
  let calls = 0;
  fc.assert(
    fc.property(z2mLike, mapping, (json, map) => {
      const { payload, stray } = decodeBoth(json);
      if (stray !== undefined) return false;
      if (!payload) return true;
      if (zigbee2mqttToInputs(payload, map, { retained: true }).some((i) => i.kind === 'call-point')) return false;
      const live = zigbee2mqttToInputs(payload, map, { retained: false }).filter((i) => i.kind === 'call-point');
      calls += live.length;
      return live.length <= 1;
    }),
    { numRuns: RUNS },
  );
  t.ok(calls > 0, `live messages did raise calls (${calls}), so the retained check was not vacuous`);
});

t.test('topic classification never throws and keeps the friendly name inside the topic', async (t) => {
  const level = fc.oneof(fc.constantFrom('zigbee2mqtt', 'bridge', 'set', 'get', 'availability', 'action', ''), fc.string({ maxLength: 6 }));
  fc.assert(
    fc.property(fc.oneof(fc.constant('zigbee2mqtt'), fc.string()), fc.array(level, { maxLength: 5 }), (base, levels) => {
      const topic = [base, ...levels].join('/');
      const r = parseZigbee2mqttTopic(base, topic);
      if (r.kind === 'state') return topic === `${base}/${r.friendlyName}` && r.friendlyName !== '';
      if (r.kind === 'availability') return topic === `${base}/${r.friendlyName}/availability` && r.friendlyName !== '';
      return true;
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} topics classified without a throw, names taken from where they stand`);
});
