import t from 'tap';
import fc from 'fast-check';
import { CallMessage, deviceTopic, parseDeviceTopic, parseJsonPayload, TelemetryMessage } from '../../protocols/mqtt-topics.ts';

const enc = (s: string) => new TextEncoder().encode(s);

t.test('topics: build and parse', async (t) => {
  t.equal(deviceTopic('btn-1', 'call'), 'care/v1/devices/btn-1/call');
  t.same(parseDeviceTopic('care/v1/devices/btn-1/telemetry'), { deviceId: 'btn-1', channel: 'telemetry' });
  for (const bad of ['care/v1/devices/btn-1', 'care/v1/devices/btn-1/call/extra', 'care/v2/devices/b/call', 'care/v1/devices/b/reboot', 'care/v1/devices/bad id/call', 'care/v1/devices//call']) {
    t.equal(parseDeviceTopic(bad), null, bad);
  }
});

t.test('payloads: valid, invalid, with the reason', async (t) => {
  t.same(parseJsonPayload(CallMessage, enc('{"event":"call","seq":3}')), { ok: true, value: { event: 'call', seq: 3 } });
  t.match(parseJsonPayload(CallMessage, enc('{"event":"call","seq":70000}')), { ok: false, message: /seq/ });
  t.match(parseJsonPayload(CallMessage, enc('{"event":"call","seq":1,"extra":1}')), { ok: false, message: /extra|Unrecognized/ });
  t.match(parseJsonPayload(CallMessage, Uint8Array.of(0xff, 0xfe)), { ok: false, message: /not UTF-8 JSON/ });
  t.match(parseJsonPayload(TelemetryMessage, enc('{"metric":"spo2","value":"97"}')), { ok: false, message: /value/ });
  t.match(parseJsonPayload(TelemetryMessage, enc('{"metric":"spo2","value":1e999}')), { ok: false });
});

t.test('fuzz: arbitrary bytes and JSON never throw; accepted values satisfy the schema', async (t) => {
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.json().map(enc),
    fc.record({ event: fc.string(), seq: fc.oneof(fc.integer(), fc.double(), fc.string()), battery: fc.anything() }).map((o) => enc(JSON.stringify(o))),
  );
  fc.assert(
    fc.property(payload, (bytes) => {
      for (const schema of [CallMessage, TelemetryMessage] as const) {
        const r = parseJsonPayload(schema as typeof CallMessage, bytes);
        if (r.ok && !schema.safeParse(r.value).success) return false;
        if (!r.ok && r.message.length === 0) return false;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random payloads');
});
