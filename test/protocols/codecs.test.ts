/**
 * The serial codec registry (protocols/codecs.ts, docs/adding-a-device.md): every framer in
 * protocols/ is registered once, and each codec finds its own frame inside noise, decodes it, and
 * refuses a broken one with a code.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { encodeCallFrame } from '../../protocols/call-frame.ts';
import { getSerialCodec, SERIAL_CODECS } from '../../protocols/codecs.ts';
import { encodeCms50Legacy, encodeCms50V7RealTime, encodeLd2410Command, encodeLd2410Report, encodeSeeedRadarReport } from '../../protocols/serial/index.ts';

/** One valid frame per codec, from the project's encoders, and a field its decode must show. */
const SAMPLES: Record<string, { frame: Uint8Array; expect: Record<string, unknown> }> = {
  'call-frame-v1': { frame: encodeCallFrame({ receiver: 3, callPoint: 300, event: 'pull-cord', seq: 77, battery: 50 }), expect: { callPoint: 300, event: 'pull-cord', seq: 77 } },
  'cms50-legacy': {
    frame: encodeCms50Legacy({ signalStrength: 4, pulseBeep: false, lowSpo2: false, searchingTooLong: false, pleth: 20, searching: false, probeError: false, barGraph: 2, pulseRate: 71, spo2: 96 }),
    expect: { pulseRate: 71, spo2: 96 },
  },
  'cms50-v7': {
    frame: encodeCms50V7RealTime({ signalStrength: 4, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: false, pleth: 20, searching: false, barGraph: 2, piInvalid: true, pulseRate: 72, spo2: 97, piRaw: 0xffff }),
    expect: { pulseRate: 72, spo2: 97 },
  },
  'seeed-radar': { frame: encodeSeeedRadarReport({ kind: 'fall', fallen: true }), expect: { report: { kind: 'fall', fallen: true } } },
  ld2410: {
    frame: encodeLd2410Report({ targetState: 2, movingDistanceCm: 0, movingEnergy: 0, staticDistanceCm: 90, staticEnergy: 40, detectionDistanceCm: 90, engineering: null }),
    expect: { kind: 'report', target: 'stationary' },
  },
};

t.test('ids are unique, each looks up, and every codec has a sample here', async (t) => {
  const ids = SERIAL_CODECS.map((c) => c.id);
  t.equal(new Set(ids).size, ids.length, 'unique ids');
  for (const codec of SERIAL_CODECS) t.equal(getSerialCodec(codec.id), codec);
  t.equal(getSerialCodec('call-frame-v2'), undefined);
  t.same(ids.slice().sort(), Object.keys(SAMPLES).sort());
});

t.test('every framer in protocols/ belongs to a registered codec', async (t) => {
  const dir = new URL('../../protocols/serial/', import.meta.url);
  const framerFactories = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(new URL(f, dir), 'utf8').matchAll(/export function (create\w+Framer)\(/g)].map((m) => m[1]!));
  t.ok(framerFactories.length >= 4, `${framerFactories.length} framers`);
  const registered = new Set(SERIAL_CODECS.map((c) => c.createFramer.name));
  for (const name of framerFactories) t.ok(registered.has(name), `${name} is in SERIAL_CODECS`);
});

for (const codec of SERIAL_CODECS) {
  t.test(`${codec.id}: finds its frame inside noise, decodes it, refuses a broken one by code`, async (t) => {
    const { frame, expect } = SAMPLES[codec.id]!;
    const rejects: string[] = [];
    const framer = codec.createFramer({ onReject: (code) => rejects.push(code) });
    const frames = framer.push(Uint8Array.of(0x00, 0x13, ...frame, 0x37));
    t.same(frames.map((f) => [...f]), [[...frame]], 'exactly the frame');
    t.ok(rejects.length > 0, `the noise is counted (${rejects.join(', ')})`);
    t.match(codec.decode(frames[0]!), expect);
    t.ok(codec.line.baudRate > 0 && [7, 8].includes(codec.line.dataBits), 'a line setting');
    const a = codec.createFramer();
    t.not(a, codec.createFramer(), 'each stream gets its own framer');
    const truncated = frame.subarray(0, Math.max(1, frame.length - 2));
    let refusal: unknown;
    try {
      codec.decode(truncated);
    } catch (err) {
      refusal = err;
    }
    t.type((refusal as { code?: unknown } | undefined)?.code, 'string', 'a broken frame is refused with a code');
  });
}

t.test('the call frame\'s framer counts its rejects and frames, and reset() drops half a frame', async (t) => {
  const codec = getSerialCodec('call-frame-v1')!;
  const framer = codec.createFramer();
  const good = SAMPLES['call-frame-v1']!.frame;
  const bad = Uint8Array.from(good);
  bad[good.length - 1]! ^= 0xff; // CRC low byte
  framer.push(Uint8Array.of(...bad, ...good, ...bad));
  t.equal(framer.frames, 1);
  t.ok(framer.rejects['bad-crc']! >= 2, `two bad CRCs counted (${JSON.stringify(framer.rejects)})`);
  framer.push(good.subarray(0, 4));
  t.equal(framer.pending, 4, 'half a frame waits');
  framer.reset();
  t.equal(framer.pending, 0);
  t.same(framer.push(good.subarray(4)).length, 0, 'its rest alone is no frame after a reset');
});

t.test('an LD2410 command ACK decodes with no states; a report with its states', async (t) => {
  const codec = getSerialCodec('ld2410')!;
  t.match(codec.decode(encodeLd2410Command(0x01ff, [], { status: 0 })), { kind: 'ack', states: [] });
  t.ok((codec.decode(SAMPLES.ld2410!.frame).states ?? []).length > 0, 'a report has states');
});
