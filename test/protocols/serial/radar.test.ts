/**
 * mmWave radar codecs (docs/serial-devices.md): the Seeed 60 GHz 53 59 … 54 43 family and the
 * Hi-Link LD2410, as hex vector tables with one comment per row, plus framer resync and rejects.
 */
import t from 'tap';
import {
  createLd2410Framer,
  createSeeedRadarFramer,
  decodeLd2410,
  decodeSeeedRadar,
  encodeLd2410Command,
  type Ld2410Report,
} from '../../../protocols/serial/index.ts';
import { concatAll, hex } from './support.ts';

// Seeed frames: [library] = limengdu/Seeed-Studio-MR60FDA1-Sersor example frames; [derived] = PROTOCOLS
// examples built from the format, or ours (checksums verified by the decoder itself).
const SEEED: Array<[string, { words: [number, number]; report: unknown; states: unknown[]; readings: Record<string, number> }]> = [
  ['53 59 02 a1 00 01 0f 5f 54 43', { words: [0x02, 0xa1], report: null, states: [], readings: {} }], // [library] device-id query: valid frame, not a report
  ['53 59 01 02 00 01 0f bf 54 43', { words: [0x01, 0x02], report: null, states: [], readings: {} }], // [library] reset command
  ['53 59 83 01 00 01 01 32 54 43', { words: [0x83, 0x01], report: { kind: 'fall', fallen: true }, states: [{ kind: 'fall', fallen: true }], readings: {} }], // [derived] 0x83/0x01 fall = 1
  ['53 59 83 01 00 01 00 31 54 43', { words: [0x83, 0x01], report: { kind: 'fall', fallen: false }, states: [{ kind: 'fall', fallen: false }], readings: {} }], // [derived] fall = 0
  ['53 59 80 01 00 01 01 2f 54 43', { words: [0x80, 0x01], report: { kind: 'presence', present: true }, states: [{ kind: 'presence', present: true }], readings: {} }], // [derived] 0x80/0x01 someone
  ['53 59 80 02 00 01 02 31 54 43', { words: [0x80, 0x02], report: { kind: 'motion', motion: 'moving' }, states: [{ kind: 'motion', motion: 'moving' }], readings: {} }], // [derived] 0x80/0x02 motion 2 = moving
  ['53 59 80 03 00 01 43 73 54 43', { words: [0x80, 0x03], report: { kind: 'body-movement', level: 67 }, states: [{ kind: 'body-movement', level: 67 }], readings: {} }], // [derived] body movement 0x43: a data byte equal to the tail's last byte
  ['53 59 83 05 00 01 01 36 54 43', { words: [0x83, 0x05], report: { kind: 'stationary-residence', residing: true }, states: [{ kind: 'stationary-residence', residing: true }], readings: {} }], // [derived] 0x83/0x05 stationary residence
  ['53 59 85 02 00 01 48 7c 54 43', { words: [0x85, 0x02], report: { kind: 'heart-rate', bpm: 72 }, states: [], readings: { 'heart-rate': 72 } }], // [derived] 0x85/0x02 heart rate 72
  ['53 59 81 02 00 01 13 43 54 43', { words: [0x81, 0x02], report: { kind: 'breathing-rate', perMinute: 19 }, states: [], readings: { 'respiratory-rate': 19 } }], // [derived] 0x81/0x02 breathing 19: checksum byte is 0x43
  ['53 59 85 02 00 01 00 34 54 43', { words: [0x85, 0x02], report: { kind: 'heart-rate', bpm: 0 }, states: [], readings: {} }], // [derived] heart rate 0 = nothing measured: no reading
  ['53 59 01 01 00 01 0f be 54 43', { words: [0x01, 0x01], report: { kind: 'alive' }, states: [{ kind: 'device-status', status: 'alive' }], readings: {} }], // [derived] 0x01/0x01 heartbeat
  ['53 59 80 01 00 01 02 30 54 43', { words: [0x80, 0x01], report: null, states: [], readings: {} }], // [derived] presence 2 is outside 0/1: no state
];

t.test('Seeed radar frames decode per the word table', async (t) => {
  for (const [h, want] of SEEED) {
    t.test(h, async (t) => {
      t.equal(createSeeedRadarFramer().push(hex(h)).length, 1, 'the framer accepts it');
      const d = decodeSeeedRadar(hex(h));
      t.same([d.control, d.command], want.words);
      t.same(d.report, want.report);
      t.same(d.states, want.states);
      t.same(Object.fromEntries(d.readings.map((r) => [r.metric, r.value])), want.readings);
    });
  }
  const hr = decodeSeeedRadar(hex('53 59 85 02 00 01 48 7c 54 43')).readings[0];
  t.same(hr, { metric: 'heart-rate', value: 72, unit: '/min', loinc: '8867-4' }, 'a reading carries unit and LOINC');
  const br = decodeSeeedRadar(hex('53 59 81 02 00 01 13 43 54 43')).readings[0];
  t.same(br, { metric: 'respiratory-rate', value: 19, unit: '/min', loinc: '9279-1' });
});

t.test('Seeed radar decoder refusals', async (t) => {
  t.throws(() => decodeSeeedRadar(hex('53 59 83 01 00 01 01 33 54 43')), { code: 'checksum' }, 'checksum off by one');
  t.throws(() => decodeSeeedRadar(hex('53 59 83 01 00 01 01 32 54 44')), { code: 'header' }, 'bad tail');
  t.throws(() => decodeSeeedRadar(hex('53 58 83 01 00 01 01 31 54 43')), { code: 'header' }, 'bad header');
  t.throws(() => decodeSeeedRadar(hex('53 59 83 01 00 02 01 32 54 43')), { code: 'length' }, 'length field disagrees');
  t.throws(() => decodeSeeedRadar(hex('53 59 83')), { code: 'length' });
});

t.test('Seeed framer: length-driven, resyncs after garbage, counts rejects', async (t) => {
  const fall = hex('53 59 83 01 00 01 01 32 54 43');
  const breath = hex('53 59 81 02 00 01 13 43 54 43');
  const move = hex('53 59 80 03 00 01 43 73 54 43');
  const framer = createSeeedRadarFramer();
  const stream = concatAll([
    hex('00 43 54 43 53'), // garbage, ending in a lone 0x53
    hex('53 59 83 01 00 01 01 33 54 43'), // bad checksum
    hex('53 59 80 01 ff ff'), // length 65535: bad length
    breath, // checksum byte 0x43: a readBytesUntil(0x43) reader would cut here
    hex('53 59 83 01 00 01 01 32 55 43'), // bad tail
    move,
    fall,
  ]);
  // Delivered in uneven chunks.
  const frames: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += 7) frames.push(...framer.push(stream.subarray(i, i + 7)));
  t.same(frames.map((f) => [...f]), [[...breath], [...move], [...fall]]);
  t.equal(framer.rejects['bad-checksum'], 1);
  t.equal(framer.rejects['bad-length'], 1);
  t.equal(framer.rejects['bad-tail'], 1);
  t.ok(framer.rejects.garbage >= 3, `garbage counted (${framer.rejects.garbage})`);
  t.equal(framer.pending, 0);
});

// LD2410 reports: [captured] = Tasmota xsns_102_ld2410.ino comments; [vendor] Hi-Link manual example; [tool] shabaz LD2410 tool.
type Fields = [state: number, movingCm: number, movingE: number, staticCm: number, staticE: number, detectCm: number, target: string];
const LD2410: Array<[string, Fields]> = [
  ['f4 f3 f2 f1 0d 00 02 aa 00 00 00 00 00 00 37 00 00 55 00 f8 f7 f6 f5', [0, 0, 0, 0, 0x37, 0, 'none']], // [captured] state 0, static energy 55
  ['f4 f3 f2 f1 0d 00 02 aa 00 45 00 3e 00 00 3a 00 00 55 00 f8 f7 f6 f5', [0, 69, 62, 0, 58, 0, 'none']], // [captured] state 0 with non-zero fields, kept as sent
  ['f4 f3 f2 f1 0d 00 02 aa 03 46 00 34 00 00 3c 00 00 55 00 f8 f7 f6 f5', [3, 70, 52, 0, 60, 0, 'both']], // [captured] state 3 moving + stationary
  ['f4 f3 f2 f1 0d 00 02 aa 02 54 00 00 00 00 64 00 00 55 00 f8 f7 f6 f5', [2, 84, 0, 0, 100, 0, 'stationary']], // [captured] state 2, distance in the moving field
  ['f4 f3 f2 f1 0d 00 02 aa 02 96 00 00 00 00 36 00 00 55 00 f8 f7 f6 f5', [2, 150, 0, 0, 54, 0, 'stationary']], // [captured] state 2, 150 cm
  ['f4 f3 f2 f1 0d 00 02 aa 03 2a 00 64 00 00 64 00 00 55 00 f8 f7 f6 f5', [3, 42, 100, 0, 100, 0, 'both']], // [captured] state 3, energies 100
  ['f4 f3 f2 f1 0d 00 02 aa 02 51 00 00 00 00 3b 00 00 55 00 f8 f7 f6 f5', [2, 81, 0, 0, 59, 0, 'stationary']], // [vendor] manual example
  ['f4 f3 f2 f1 0d 00 02 aa 03 4f 00 64 4c 00 64 32 00 55 00 f8 f7 f6 f5', [3, 79, 100, 76, 100, 50, 'both']], // [tool] all distance fields set
  ['f4 f3 f2 f1 0d 00 02 aa 01 2c 01 50 00 00 00 2c 01 55 00 f8 f7 f6 f5', [1, 300, 80, 0, 0, 300, 'moving']], // [derived] state 1 moving, 16-bit LE 300 cm
];

const MOTION: Record<string, string> = { none: 'none', moving: 'moving', stationary: 'stationary', both: 'moving' };

t.test('LD2410 report frames decode field by field', async (t) => {
  for (const [h, [state, movingCm, movingE, staticCm, staticE, detectCm, target]] of LD2410) {
    t.test(h, async (t) => {
      t.equal(createLd2410Framer().push(hex(h)).length, 1, 'the framer accepts it');
      const d = decodeLd2410(hex(h)) as Ld2410Report;
      t.equal(d.kind, 'report');
      t.same(
        [d.targetState, d.movingDistanceCm, d.movingEnergy, d.staticDistanceCm, d.staticEnergy, d.detectionDistanceCm, d.target],
        [state, movingCm, movingE, staticCm, staticE, detectCm, target],
      );
      t.equal(d.engineering, null);
      t.same(d.states, [{ kind: 'presence', present: target !== 'none' }, { kind: 'motion', motion: MOTION[target] }]);
    });
  }
});

t.test('LD2410 engineering frame [captured, fork]: gate counts, 9 + 9 gate energies, light, OUT pin', async (t) => {
  const h = 'f4 f3 f2 f1 23 00 01 aa 00 1e 00 00 1e 00 0d 00 00 08 08 13 0e 07 02 05 07 03 04 05 00 00 0d 06 05 05 05 05 05 62 00 55 00 f8 f7 f6 f5';
  const d = decodeLd2410(hex(h)) as Ld2410Report;
  t.same([d.targetState, d.movingDistanceCm, d.staticDistanceCm, d.staticEnergy], [0, 30, 30, 13]);
  t.same(d.engineering, {
    maxMovingGate: 8, maxStaticGate: 8,
    movingGateEnergy: [0x13, 0x0e, 0x07, 0x02, 0x05, 0x07, 0x03, 0x04, 0x05],
    staticGateEnergy: [0x00, 0x00, 0x0d, 0x06, 0x05, 0x05, 0x05, 0x05, 0x05],
    light: 0x62, outPin: 0,
  });
});

t.test('LD2410 command frames and ACKs', async (t) => {
  // [captured] enable-config ACK: FF 01, status 0, protocol version 1, buffer 64.
  t.same(decodeLd2410(hex('fd fc fb fa 08 00 ff 01 00 00 01 00 40 00 04 03 02 01')), { kind: 'ack', command: 0xff, status: 0, value: hex('01 00 40 00') });
  // [captured] firmware ACK: A0 01, status 0, V1.07.22091516.
  t.same(decodeLd2410(hex('fd fc fb fa 0c 00 a0 01 00 00 00 01 07 01 16 15 09 22 04 03 02 01')), { kind: 'ack', command: 0xa0, status: 0, value: hex('00 01 07 01 16 15 09 22') });
  // [captured] read-parameters ACK (factory default), 0x1C body.
  const params = decodeLd2410(hex('fd fc fb fa 1c 00 61 01 00 00 aa 08 08 08 32 32 28 1e 14 0f 0f 0f 0f 00 00 28 28 1e 1e 14 14 14 05 00 04 03 02 01'));
  t.equal(params.kind, 'ack');
  t.equal((params as { value: Uint8Array }).value.length, 24);
  // [derived] host enable-config command: word 00FF, value 0001.
  const enable = encodeLd2410Command(0xff, [0x01, 0x00]);
  t.same([...enable], [...hex('fd fc fb fa 04 00 ff 00 01 00 04 03 02 01')]);
  t.same(decodeLd2410(enable), { kind: 'command', command: 0xff, status: null, value: hex('01 00') });
});

t.test('LD2410 refusals and framer rejects', async (t) => {
  const good = hex('f4 f3 f2 f1 0d 00 02 aa 02 51 00 00 00 00 3b 00 00 55 00 f8 f7 f6 f5');
  const badMarker = hex('f4 f3 f2 f1 0d 00 02 ab 02 51 00 00 00 00 3b 00 00 55 00 f8 f7 f6 f5'); // AB instead of AA
  const badCheck = hex('f4 f3 f2 f1 0d 00 02 aa 02 51 00 00 00 00 3b 00 00 55 01 f8 f7 f6 f5'); // 55 01 instead of 55 00
  const badTail = hex('f4 f3 f2 f1 0d 00 02 aa 02 51 00 00 00 00 3b 00 00 55 00 f8 f7 f6 f4');
  t.throws(() => decodeLd2410(badMarker), { code: 'marker' });
  t.throws(() => decodeLd2410(badCheck), { code: 'marker' });
  t.throws(() => decodeLd2410(badTail), { code: 'header' });
  t.throws(() => decodeLd2410(good.subarray(0, 20)), { code: 'length' });
  const framer = createLd2410Framer();
  const out = framer.push(concatAll([hex('aa f4 f3'), badMarker, badCheck, badTail, hex('f4 f3 f2 f1 ff 00'), good]));
  t.same(out.map((f) => [...f]), [[...good]], 'only the good frame comes out');
  t.equal(framer.rejects['bad-marker'], 2);
  t.equal(framer.rejects['bad-tail'], 1);
  t.equal(framer.rejects['bad-length'], 1);
  t.ok(framer.rejects.garbage >= 1);
});
