import t from 'tap';
import fc from 'fast-check';
import { crc16CcittFalse } from '../../protocols/crc16.ts';
import { CALL_POINT_EVENTS, decodeCallFrame, encodeCallFrame, type CallFrame } from '../../protocols/call-frame.ts';
import { CallFramer } from '../../protocols/call-framer.ts';

const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

t.test('CRC-16/CCITT-FALSE check value', async (t) => {
  t.equal(crc16CcittFalse(new TextEncoder().encode('123456789')), 0x29b1);
  t.equal(crc16CcittFalse(new Uint8Array(0)), 0xffff);
});

// Each row: the whole frame, its decoded value. CRC bytes (last two) were computed with a separate
// CRC-16/CCITT-FALSE implementation (Python, bitwise), not with protocols/crc16.ts.
const vectors: Array<[string, string, CallFrame]> = [
  // receiver 1, call point 0x0011, CALL, seq 1, no battery info (0xFF); the worked example in docs/
  ['call', 'a5 07 01 00 11 01 00 01 ff bb 39', { receiver: 1, callPoint: 0x11, event: 'call', seq: 1, battery: null }],
  // receiver 2, call point 0x1234, CANCEL, seq 0xBEEF, data 0
  ['cancel', 'a5 07 02 12 34 02 be ef 00 8a f3', { receiver: 2, callPoint: 0x1234, event: 'cancel', seq: 0xbeef, battery: 0 }],
  // heartbeat with battery 87 %
  ['heartbeat', 'a5 07 03 00 05 04 00 2a 57 04 3d', { receiver: 3, callPoint: 5, event: 'heartbeat', seq: 42, battery: 87 }],
  // pull-cord, seq at its top 0xFFFF
  ['pull-cord', 'a5 07 01 00 07 03 ff ff ff 60 23', { receiver: 1, callPoint: 7, event: 'pull-cord', seq: 0xffff, battery: null }],
  // low-battery 9 %
  ['low-battery', 'a5 07 01 00 07 05 00 03 09 51 ac', { receiver: 1, callPoint: 7, event: 'low-battery', seq: 3, battery: 9 }],
];

t.test('encode and decode hex vectors', async (t) => {
  for (const [name, frameHex, frame] of vectors) {
    t.equal(toHex(encodeCallFrame(frame)), frameHex, `${name} encodes`);
    t.same(decodeCallFrame(hex(frameHex)), { ok: true, frame }, `${name} decodes`);
  }
});

t.test('decode rejects with a code', async (t) => {
  const good = encodeCallFrame({ receiver: 1, callPoint: 2, event: 'call', seq: 9, battery: null });
  const badCrc = good.slice();
  badCrc[10]! ^= 0x01;
  t.match(decodeCallFrame(badCrc), { ok: false, code: 'bad-crc' });
  t.match(decodeCallFrame(good.subarray(0, 6)), { ok: false, code: 'truncated' });
  const badStart = good.slice();
  badStart[0] = 0x00;
  t.match(decodeCallFrame(badStart), { ok: false, code: 'bad-start' });
  t.match(decodeCallFrame(hex('a5 02 00')), { ok: false, code: 'bad-length' });
  const badEvent = hex('a5 07 01 00 02 09 00 01 00 00 00');
  const crc = crc16CcittFalse(badEvent, 1, 9);
  badEvent[9] = crc >> 8;
  badEvent[10] = crc & 0xff;
  t.match(decodeCallFrame(badEvent), { ok: false, code: 'bad-event' });
  const reserved = encodeCallFrame({ receiver: 0, callPoint: 2, event: 'call', seq: 1, battery: null });
  t.match(decodeCallFrame(reserved), { ok: false, code: 'bad-address' });
});

t.test('framer splits, joins and resynchronises', async (t) => {
  const a = encodeCallFrame({ receiver: 1, callPoint: 10, event: 'call', seq: 1, battery: null });
  const b = encodeCallFrame({ receiver: 1, callPoint: 10, event: 'cancel', seq: 2, battery: null });
  const framer = new CallFramer();
  // One byte at a time.
  const oneByOne = Array.from(a).flatMap((byte) => framer.push(Uint8Array.of(byte)));
  t.same(oneByOne.filter((o) => o.ok).length, 1);
  t.equal(framer.pending, 0);
  // Garbage (including a false START and a corrupted frame) before a good frame.
  const corrupted = a.slice();
  corrupted[6]! ^= 0xff;
  const noisy = Uint8Array.from([0x00, 0xa5, 0xa5, 0x13, ...corrupted, 0x42, ...b]);
  const out = framer.push(noisy);
  const frames = out.filter((o) => o.ok).map((o) => (o.ok ? o.frame.event : ''));
  t.same(frames, ['cancel'], 'only the intact frame survives');
  t.ok(out.some((o) => !o.ok && o.code === 'bad-crc'), 'the corrupted frame is reported');
  t.ok(out.some((o) => !o.ok && o.code === 'garbage'));
});

const frameArb = fc.record({
  receiver: fc.integer({ min: 1, max: 254 }),
  callPoint: fc.integer({ min: 1, max: 65534 }),
  event: fc.constantFrom(...CALL_POINT_EVENTS),
  seq: fc.integer({ min: 0, max: 65535 }),
  battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
});

t.test('fuzz: every good frame survives surrounding noise and any chunking', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), frameArb), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
      (items, chunkSizes) => {
        // Noise must not itself contain a START byte, or it could legitimately eat the next frame's head.
        const parts = items.flatMap(([noise, frame]) => [noise.map((x) => (x === 0xa5 ? 0x5a : x)), encodeCallFrame(frame)]);
        const stream = Uint8Array.from(parts.flatMap((p) => Array.from(p)));
        const framer = new CallFramer();
        const found: CallFrame[] = [];
        for (let pos = 0, i = 0; pos < stream.length; i++) {
          const size = chunkSizes[i % chunkSizes.length]!;
          for (const o of framer.push(stream.subarray(pos, pos + size))) if (o.ok) found.push(o.frame);
          pos += size;
        }
        return JSON.stringify(found) === JSON.stringify(items.map(([, f]) => f));
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random streams framed exactly');
});

t.test('fuzz: arbitrary bytes never throw and never grow the buffer without bound', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 50 }), (chunks) => {
      const framer = new CallFramer();
      for (const c of chunks) framer.push(c);
      return framer.pending <= 36;
    }),
    { numRuns: 500 },
  );
  t.pass('500 random byte streams');
});
