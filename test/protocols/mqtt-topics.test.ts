import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import {
  ACCEL_MAX_SAMPLES,
  AccelBatchMessage,
  CallMessage,
  DEVICE_CHANNELS,
  deviceTopic,
  isOwnTopic,
  parseDeviceTopic,
  parseJsonPayload,
  TelemetryMessage,
  TOPIC_ROOT,
} from '../../protocols/mqtt-topics.ts';

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

t.test('fuzz: arbitrary bytes and JSON never throw; an accepted payload is exactly the JSON that was sent', async (t) => {
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.json().map(enc),
    fc.record({ event: fc.string(), seq: fc.oneof(fc.integer(), fc.double(), fc.string()), battery: fc.anything() }).map((o) => enc(JSON.stringify(o))),
    // well-formed call messages, so the accepting branch is exercised too
    fc.record({ event: fc.constantFrom('call', 'cancel', 'heartbeat'), seq: fc.integer({ min: 0, max: 65535 }) }).map((o) => enc(JSON.stringify(o))),
  );
  let accepted = 0;
  fc.assert(
    fc.property(payload, (bytes) => {
      for (const schema of [CallMessage, TelemetryMessage] as const) {
        const r = parseJsonPayload(schema as typeof CallMessage, bytes);
        // The schemas have no defaults or transforms: what is accepted must be the sent JSON, unchanged.
        if (r.ok) {
          accepted++;
          if (!isDeepStrictEqual(r.value, JSON.parse(new TextDecoder().decode(bytes)))) return false;
        }
        if (!r.ok && r.message.length === 0) return false;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.ok(accepted > 0, `${accepted} of the random payloads were accepted`);
});

t.test('call messages: concrete accepted values', async (t) => {
  // Each row: payload text, the value expected back.
  const rows: Array<[string, CallMessage]> = [
    ['{"event":"call","seq":0}', { event: 'call', seq: 0 }], // lowest seq
    ['{"event":"cancel","seq":65535}', { event: 'cancel', seq: 65535 }], // highest seq
    ['{"event":"pull-cord","seq":5,"battery":0}', { event: 'pull-cord', seq: 5, battery: 0 }],
    ['{"event":"heartbeat","seq":5,"battery":100}', { event: 'heartbeat', seq: 5, battery: 100 }],
    ['{"event":"low-battery","seq":9,"battery":7.5,"time":"2026-11-24T21:00:00Z"}', { event: 'low-battery', seq: 9, battery: 7.5, time: '2026-11-24T21:00:00Z' }],
  ];
  for (const [text, value] of rows) t.same(parseJsonPayload(CallMessage, enc(text)), { ok: true, value }, text);
  // Each row: payload text, the whole expected reason.
  const bad: Array<[string, string | RegExp]> = [
    ['{"event":"call","seq":-1}', /^seq: /],
    ['{"event":"call","seq":1.5}', /^seq: /],
    ['{"event":"call","seq":1,"battery":101}', /^battery: /],
    ['{"event":"call","seq":1,"battery":-1}', /^battery: /],
    ['{"event":"call","seq":1,"time":"now"}', /^time: /],
    ['{"event":"ring","seq":1}', /^event: /],
    ['{"seq":1}', /^event: /],
    ['[1]', /^\(root\): /], // an issue without a path is reported against the root
    ['{"event":"ring","seq":-1}', /^event: .*; seq: /], // every issue, joined
  ];
  for (const [text, reason] of bad) {
    const r = parseJsonPayload(CallMessage, enc(text));
    t.equal(r.ok, false, text);
    t.match(r.ok ? '' : r.message, reason, `${text} reason`);
  }
  // Invalid UTF-8 inside a JSON string is refused, not replaced with U+FFFD.
  const badUtf8 = Uint8Array.from([...enc('{"metric":"spo2","value":1,"unit":"'), 0xc3, 0x28, ...enc('"}')]);
  t.match(parseJsonPayload(TelemetryMessage, badUtf8), { ok: false, message: /^not UTF-8 JSON: / }, 'invalid UTF-8 in a string');
  // Nested paths are joined with dots (the device schemas are flat; parseJsonPayload is generic).
  const nested = z.strictObject({ a: z.strictObject({ b: z.number() }) });
  t.match(parseJsonPayload(nested, enc('{"a":{"b":"x"}}')), { ok: false, message: /^a\.b: / }, 'nested path');
  const notJson = parseJsonPayload(CallMessage, enc('{"event":'));
  t.match(notJson, { ok: false, message: /^not UTF-8 JSON: / }, 'truncated JSON');
});

t.test('telemetry messages: concrete accepted values', async (t) => {
  const rows: Array<[string, TelemetryMessage]> = [
    ['{"metric":"spo2","value":97}', { metric: 'spo2', value: 97 }],
    ['{"metric":"heart-rate","value":72,"unit":"/min"}', { metric: 'heart-rate', value: 72, unit: '/min' }],
    ['{"metric":"body-temperature","value":-0.5,"time":"2026-11-24T21:00:00+01:00"}', { metric: 'body-temperature', value: -0.5, time: '2026-11-24T21:00:00+01:00' }],
  ];
  for (const [text, value] of rows) t.same(parseJsonPayload(TelemetryMessage, enc(text)), { ok: true, value }, text);
  t.match(parseJsonPayload(TelemetryMessage, enc('{"metric":"mood","value":1}')), { ok: false, message: /^metric: / });
});

t.test('topic helpers: the root, both channels and the own-subtree check', async (t) => {
  t.equal(TOPIC_ROOT, 'care/v1/devices');
  t.same([...DEVICE_CHANNELS], ['call', 'telemetry', 'status', 'accel']);
  t.same(parseDeviceTopic('care/v1/devices/wear-1/accel'), { deviceId: 'wear-1', channel: 'accel' });
  t.equal(deviceTopic('btn-1', 'telemetry'), 'care/v1/devices/btn-1/telemetry');
  t.same(parseDeviceTopic('care/v1/devices/btn-1/call'), { deviceId: 'btn-1', channel: 'call' });
  t.equal(parseDeviceTopic('xare/v1/devices/btn-1/call'), null, 'first root segment differs');
  t.equal(parseDeviceTopic('care/v1/devicez/btn-1/call'), null, 'third root segment differs');
  // Each row: topic or filter, whether btn-1 may use it.
  const rows: Array<[string, boolean]> = [
    ['care/v1/devices/btn-1', true],
    ['care/v1/devices/btn-1/call', true],
    ['care/v1/devices/btn-1/#', true],
    ['care/v1/devices/btn-10/call', false], // another device whose id starts with ours
    ['care/v1/devices/btn-', false],
    ['care/v1/devices/+/call', false],
    ['care/v1/devices/#', false],
    ['#', false],
    ['x/care/v1/devices/btn-1/call', false],
  ];
  for (const [topic, own] of rows) t.equal(isOwnTopic('btn-1', topic), own, topic);
});

t.test('AccelBatchMessage: whole samples of counts within their bits, a known range, 25–400 Hz, at most 400 samples', async (t) => {
  const ok = { n: 4_000_000_000, hz: 200, range: 16, bits: 13, xyz: [0, -256, 4095, -4096, 0, 1] };
  t.same(parseJsonPayload(AccelBatchMessage, enc(JSON.stringify(ok))), { ok: true, value: ok });
  // Each row: a change to the good batch, and the path the error names.
  const rows: Array<[Record<string, unknown>, RegExp]> = [
    [{ xyz: [0, 1, 2, 3] }, /^xyz: length must be a multiple of 3/], // not whole samples
    [{ xyz: [4096, 0, 0] }, /^xyz\.0: a 13-bit count is within \[-4096, 4095\]/], // past 13 bits
    [{ xyz: [0, 0, 0.5] }, /^xyz\.2: /], // counts are integers
    [{ xyz: [] }, /^xyz: /], // no sample
    [{ xyz: Array(3 * (ACCEL_MAX_SAMPLES + 1)).fill(0) }, /^xyz: /], // more than 2 s at 200 Hz
    [{ range: 3 }, /^range: /], // no such full scale
    [{ hz: 10 }, /^hz: /], // too slow to see an impact
    [{ bits: 20 }, /^bits: /],
    [{ n: -1 }, /^n: /],
    [{ extra: true }, /Unrecognized key|extra/],
  ];
  for (const [change, error] of rows) {
    t.match(parseJsonPayload(AccelBatchMessage, enc(JSON.stringify({ ...ok, ...change }))), { ok: false, message: error }, JSON.stringify(change).slice(0, 60));
  }
});
