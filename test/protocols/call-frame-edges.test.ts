/**
 * Boundary values of the call-point frame codec and framer: the exact error
 * messages and raw slices a receiver log shows, clamping on encode, reserved
 * addresses, LEN limits, the v1 tail, and the framer's buffer cap.
 */
import t from 'tap';
import {
  BODY_LENGTH_V1,
  CALL_EVENT_CODES,
  CALL_POINT_EVENTS,
  decodeCallFrame,
  encodeCallFrame,
  FRAME_OVERHEAD,
  FRAME_START,
  frameLengthFor,
  MAX_BODY_LENGTH,
  type CallFrame,
} from '../../protocols/call-frame.ts';
import { CallFramer } from '../../protocols/call-framer.ts';
import { crc16CcittFalse } from '../../protocols/crc16.ts';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
/** A frame from LEN..body bytes (hex) with START and a correct CRC added. */
function framed(bodyWithLen: string): Uint8Array {
  const inner = hex(bodyWithLen);
  const crc = crc16CcittFalse(inner);
  return Uint8Array.from([FRAME_START, ...inner, crc >> 8, crc & 0xff]);
}
const frame = (over: Partial<CallFrame> = {}): CallFrame => ({ receiver: 1, callPoint: 0x11, event: 'call', seq: 1, battery: null, ...over });

t.test('constants of the v1 format', async (t) => {
  t.equal(FRAME_START, 0xa5);
  t.equal(BODY_LENGTH_V1, 7);
  t.equal(MAX_BODY_LENGTH, 32);
  t.equal(FRAME_OVERHEAD, 4);
  t.same(CALL_EVENT_CODES, { call: 1, cancel: 2, 'pull-cord': 3, heartbeat: 4, 'low-battery': 5 });
  t.same([...CALL_POINT_EVENTS], ['call', 'cancel', 'pull-cord', 'heartbeat', 'low-battery']);
});

t.test('CRC-16/CCITT-FALSE: more catalogue vectors and sub-ranges', async (t) => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  // Each row: input, CRC (the reveng check value; the others computed with a separate bitwise implementation in Python).
  const rows: Array<[string, Uint8Array, number]> = [
    ['"123456789"', ascii('123456789'), 0x29b1],
    ['"A"', ascii('A'), 0xb915],
    ['one 0x00', Uint8Array.of(0x00), 0xe1f0],
    ['one 0xFF', Uint8Array.of(0xff), 0xff00],
    ['0x80 (top bit: the polynomial is applied)', Uint8Array.of(0x80), 0x7078],
  ];
  for (const [name, bytes, crc] of rows) t.equal(crc16CcittFalse(bytes), crc, name);
  const padded = Uint8Array.from([0xee, ...ascii('123456789'), 0xee]);
  t.equal(crc16CcittFalse(padded, 1, 10), 0x29b1, 'start and end select the range');
  t.equal(crc16CcittFalse(padded, 1), crc16CcittFalse(Uint8Array.from([...ascii('123456789'), 0xee])), 'end defaults to the length');
  t.equal(crc16CcittFalse(padded, 5, 5), 0xffff, 'an empty range is the initial value');
});

t.test('encode: battery is rounded and clamped, null is 0xFF, fields are masked', async (t) => {
  // Each row: battery given, DATA byte expected.
  const rows: Array<[number | null, number]> = [
    [null, 0xff],
    [0, 0],
    [100, 100],
    [49.5, 50], // rounds half up
    [49.4, 49],
    [150, 100], // clamped high
    [-3, 0], // clamped low
  ];
  for (const [battery, data] of rows) t.equal(encodeCallFrame(frame({ battery }))[8], data, `battery ${battery}`);
  // receiver 0x1FE is masked to 0xFE; call point and seq split big-endian.
  t.equal(toHex(encodeCallFrame({ receiver: 0x1fe, callPoint: 0xabcd, event: 'cancel', seq: 0x0102, battery: 5 }).subarray(0, 9)), 'a5 07 fe ab cd 02 01 02 05');
});

t.test('decode: every refusal names its cause', async (t) => {
  const good = encodeCallFrame(frame());
  // Each row: name, bytes, expected result.
  const rows: Array<[string, Uint8Array, { code: string; message: string }]> = [
    ['empty', new Uint8Array(0), { code: 'truncated', message: 'frame has 0 bytes' }],
    ['START only', Uint8Array.of(0xa5), { code: 'truncated', message: 'frame has 1 bytes' }],
    ['wrong START', Uint8Array.of(0x5a, 0x07), { code: 'bad-start', message: 'start byte 0x5a' }],
    ['START 0x0f prints two digits', Uint8Array.of(0x0f, 0x07), { code: 'bad-start', message: 'start byte 0x0f' }],
    ['LEN 6', Uint8Array.of(0xa5, 6), { code: 'bad-length', message: 'LEN 6 outside 7..32' }],
    ['LEN 33', Uint8Array.of(0xa5, 33), { code: 'bad-length', message: 'LEN 33 outside 7..32' }],
    ['one byte short', good.subarray(0, 10), { code: 'truncated', message: 'frame has 10 of 11 bytes' }],
    ['two bytes', good.subarray(0, 2), { code: 'truncated', message: 'frame has 2 of 11 bytes' }],
    ['bad CRC', Uint8Array.from([...good.subarray(0, 9), 0x00, 0x01]), { code: 'bad-crc', message: 'CRC 0x0001 expected 0xbb39' }],
    ['event 0', framed('07 01 00 11 00 00 01 ff'), { code: 'bad-event', message: 'event code 0x00' }],
    ['event 6', framed('07 01 00 11 06 00 01 ff'), { code: 'bad-event', message: 'event code 0x06' }],
    ['receiver 0', framed('07 00 00 11 01 00 01 ff'), { code: 'bad-address', message: 'address 0/17 is reserved' }],
    ['receiver 255', framed('07 ff 00 11 01 00 01 ff'), { code: 'bad-address', message: 'address 255/17 is reserved' }],
    ['call point 0', framed('07 01 00 00 01 00 01 ff'), { code: 'bad-address', message: 'address 1/0 is reserved' }],
    ['call point 65535', framed('07 01 ff ff 01 00 01 ff'), { code: 'bad-address', message: 'address 1/65535 is reserved' }],
  ];
  for (const [name, bytes, expected] of rows) t.same(decodeCallFrame(bytes), { ok: false, ...expected }, name);
});

t.test('decode: the edges that are accepted', async (t) => {
  // Each row: name, LEN..body hex, frame expected.
  const rows: Array<[string, string, CallFrame]> = [
    ['receiver 254, call point 65534', '07 fe ff fe 01 00 00 00', { receiver: 254, callPoint: 65534, event: 'call', seq: 0, battery: 0 }],
    ['receiver 1, call point 1', '07 01 00 01 05 12 34 64', { receiver: 1, callPoint: 1, event: 'low-battery', seq: 0x1234, battery: 100 }],
    ['DATA 101 is unknown battery', '07 01 00 01 04 00 01 65', { receiver: 1, callPoint: 1, event: 'heartbeat', seq: 1, battery: null }],
    ['call point high byte only', '07 01 01 00 02 80 00 ff', { receiver: 1, callPoint: 256, event: 'cancel', seq: 0x8000, battery: null }],
    // LEN 9: a later version's two extra body bytes are ignored (but covered by the CRC)
    ['LEN 9 with a tail', '09 01 00 11 01 00 01 ff 77 88', { receiver: 1, callPoint: 0x11, event: 'call', seq: 1, battery: null }],
    // LEN 32: the longest body
    ['LEN 32', `20 01 00 11 03 00 02 ff ${'00 '.repeat(25)}`, { receiver: 1, callPoint: 0x11, event: 'pull-cord', seq: 2, battery: null }],
  ];
  for (const [name, body, expected] of rows) t.same(decodeCallFrame(framed(body)), { ok: true, frame: expected }, name);
  const withTrailer = Uint8Array.from([...encodeCallFrame(frame()), 0x99]);
  t.same(decodeCallFrame(withTrailer), { ok: true, frame: frame() }, 'bytes after the frame are not read');
});

t.test('frameLengthFor: LEN 7..32 only', async (t) => {
  const rows: Array<[number, number | null]> = [[0, null], [6, null], [7, 11], [20, 24], [32, 36], [33, null], [255, null]];
  for (const [len, total] of rows) t.equal(frameLengthFor(len), total, `LEN ${len}`);
});

t.test('framer: outputs carry the right code, message and raw bytes', async (t) => {
  const a = encodeCallFrame(frame());
  const f = new CallFramer();
  t.same(f.push(Uint8Array.of(0x01, 0x02)), [{ ok: false, code: 'garbage', message: '2 bytes outside any frame', raw: Uint8Array.of(0x01, 0x02) }], 'noise without START');
  t.equal(f.pending, 0, 'noise is not kept');
  t.same(f.push(Uint8Array.of(0xa5)), [], 'a lone START waits for LEN');
  t.equal(f.pending, 1);
  t.same(f.push(Uint8Array.of(0x03)), [{ ok: false, code: 'bad-length', message: 'LEN 3', raw: Uint8Array.of(0xa5, 0x03) }, { ok: false, code: 'garbage', message: '1 bytes outside any frame', raw: Uint8Array.of(0x03) }], 'bad LEN drops only the START');
  t.same(f.push(a.subarray(0, 5)), [], 'a partial frame waits');
  t.equal(f.pending, 5);
  t.same(f.push(a.subarray(5)), [{ ok: true, frame: frame(), raw: a }], 'the rest completes it');
  t.equal(f.pending, 0);

  // A frame with a good CRC but a reserved address is reported, and the next frame is still found.
  const reserved = encodeCallFrame(frame({ receiver: 0 }));
  const out = new CallFramer().push(Uint8Array.from([...reserved, ...a]));
  t.same(out[0], { ok: false, code: 'bad-address', message: 'address 0/17 is reserved', raw: reserved });
  t.same(out.filter((o) => o.ok), [{ ok: true, frame: frame(), raw: a }], 'the next frame is found');
  // Noise ending in START, LEN whose CRC passes by chance over a real frame's first bytes (the fuzz
  // found these bytes): its event code is invalid, and the real frame under it is still found.
  const real = Uint8Array.of(0xa5, 0x07, 75, 37, 71, 4, 67, 216, 13, 163, 127);
  const chance = new CallFramer().push(Uint8Array.from([0xa5, 0x07, ...real]));
  t.match(chance[0], { ok: false, code: 'bad-event', raw: Uint8Array.from([0xa5, 0x07, ...real.subarray(0, 9)]) });
  t.same(chance.filter((o) => o.ok).map((o) => o.raw), [real], 'the real frame under a chance CRC match is kept');
  // A bad CRC drops only its START: a frame starting inside it is still found.
  const inner = encodeCallFrame(frame({ seq: 2 }));
  const head = Uint8Array.from([0xa5, 0x07, 0x01]); // a START and LEN, then the real frame begins
  const out2 = new CallFramer().push(Uint8Array.from([...head, ...inner]));
  t.same(out2.filter((o) => o.ok), [{ ok: true, frame: frame({ seq: 2 }), raw: inner }], 'the frame inside a bad one is found');
  t.match(out2[0], { ok: false, code: 'bad-crc', raw: Uint8Array.from([...head, ...inner.subarray(0, 8)]) });

  const g = new CallFramer();
  g.push(a.subarray(0, 4));
  g.reset();
  t.equal(g.pending, 0, 'reset drops a partial frame');
  t.same(g.push(a.subarray(4)).filter((o) => o.ok), [], 'and its tail is not joined to anything');
});

t.test('framer: the buffer cap keeps the last byte and reports the rest as garbage', async (t) => {
  const f = new CallFramer({ maxBuffer: 8 });
  // START with LEN 32: waits for 36 bytes; 9 bytes buffered exceeds the cap of 8.
  const chunk = Uint8Array.from([0xa5, 0x20, 1, 2, 3, 4, 5, 6, 7]);
  t.same(f.push(chunk), [{ ok: false, code: 'garbage', message: '8 bytes outside any frame', raw: chunk.subarray(0, 8) }]);
  t.equal(f.pending, 1, 'only the last byte is kept');
  const atCap = new CallFramer({ maxBuffer: 8 });
  t.same(atCap.push(chunk.subarray(0, 8)), [], 'exactly the cap is kept');
  t.equal(atCap.pending, 8);
  const dflt = new CallFramer();
  const big = new Uint8Array(4097).fill(0x00);
  big[0] = 0xa5;
  big[1] = 0x20;
  // With LEN 32 the frame is complete after 36 bytes, so this is one bad frame and noise; the default cap is 4096.
  dflt.push(big);
  t.ok(dflt.pending <= 36, `default framer holds ${dflt.pending} bytes`);
});

t.test('framer: raw bytes are the frame\'s own copy, not a view of the caller\'s chunk', async (t) => {
  const f = new CallFramer();
  const chunk = Uint8Array.of(0xa5, 0x03, 0x01, 0x02);
  const out = f.push(chunk);
  t.same(out, [
    { ok: false, code: 'bad-length', message: 'LEN 3', raw: Uint8Array.of(0xa5, 0x03) }, // only START and LEN, not what follows
    { ok: false, code: 'garbage', message: '3 bytes outside any frame', raw: Uint8Array.of(0x03, 0x01, 0x02) },
  ]);
  chunk.fill(0xee); // the caller reuses its read buffer
  t.same(out[1]!.raw, Uint8Array.of(0x03, 0x01, 0x02), 'garbage raw is unaffected');
  t.same(out[0]!.raw, Uint8Array.of(0xa5, 0x03), 'bad-length raw is unaffected');
});
