/**
 * Contec CMS50 codecs, both protocols (docs/serial-devices.md): hex vector tables (one comment per
 * row naming the bits), the real CMS50E V7.0 capture against the decode beside it, technical states,
 * the protocol detector and the framers' resync and reject counts.
 */
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import {
  createCms50LegacyFramer,
  createCms50V7Framer,
  decodeCms50Legacy,
  decodeCms50V7,
  detectCms50Protocol,
  encodeCms50Legacy,
  encodeCms50V7Command,
  CMS50_V7_COMMANDS,
  CMS50_V7_START,
  SerialDecodeError,
  type DeviceStatus,
} from '../../../protocols/serial/index.ts';
import { requirement } from '../../support/requirements.ts';
import { concatAll, hex, SERIAL_DATA } from './support.ts';

type Want = { status: DeviceStatus; pulseRate?: number; spo2?: number; readings: Record<string, number> };

// Legacy 5-byte frames. [test] = atbrask/CMS50Dplus unittests.py; [derived] = built by us from the bit table.
const LEGACY: Array<[string, Want & Record<string, unknown>]> = [
  ['80 00 00 00 00', { status: 'no-value', pulseRate: 0, spo2: 0, readings: {} }], // [test] sync only, all fields 0: SpO2 0 is no reading
  ['80 00 40 7F 00', { status: 'no-value', pulseRate: 255, readings: {} }], // [test] b3 bit6 = PR bit 7, b4 = 0x7F → PR 255 (out of range: no reading)
  ['80 00 10 00 00', { status: 'finger-out', probeError: true, readings: {} }], // [test] b3 bit4 probe error
  ['80 00 20 00 00', { status: 'searching', searching: true, readings: {} }], // [test] b3 bit5 searching
  ['90 00 00 00 00', { status: 'searching-too-long', searchingTooLong: true, readings: {} }], // [test] b1 bit4 ("finger out" / searching too long)
  ['84 13 02 3c 61', { status: 'measuring', signalStrength: 4, pleth: 19, barGraph: 2, readings: { 'heart-rate': 60, spo2: 97 } }], // [derived] signal 4, PR 60, SpO2 97
  ['c4 13 42 0a 60', { status: 'measuring', pulseBeep: true, readings: { 'heart-rate': 138, spo2: 96 } }], // [derived] b1 bit6 beep, b3 bit6 → PR 128+10
  ['a4 13 02 3c 55', { status: 'measuring', lowSpo2: true, readings: { 'heart-rate': 60, spo2: 85 } }], // [derived] b1 bit5 low SpO2 flag, SpO2 85
  ['84 13 02 3c 7f', { status: 'measuring', readings: { 'heart-rate': 60 } }], // [derived] SpO2 127 = invalid: heart rate only
  ['84 13 32 3c 61', { status: 'finger-out', readings: {} }], // [derived] probe error + searching with values present: the state wins, no readings
];

// Bit-7 patterns the legacy decoder must refuse ([test] atbrask: only 1,0,0,0,0 is a frame).
const LEGACY_BAD = ['00 00 00 00 00', '00 80 00 00 00', '00 00 80 00 00', '00 00 00 80 00', '00 00 00 00 80', '80 80 00 00 00'];

// V7.0 packets. [captured] = titinho11/CMS50E-raw-ppg-data; [vendor] = Contec V7.0 document; [derived] = ours.
const V7: Array<[string, Want & Record<string, unknown>]> = [
  ['01 e0 84 93 92 bc e3 ff ff', { status: 'measuring', signalStrength: 4, pleth: 19, barGraph: 2, piInvalid: true, piRaw: 0xffff, readings: { 'heart-rate': 60, spo2: 99 } }], // [captured] hi 0xE0 restores PI bytes to FF FF
  ['01 e0 c4 c4 98 bc e3 ff ff', { status: 'measuring', pulseBeep: true, pleth: 68, barGraph: 8, readings: { 'heart-rate': 60, spo2: 99 } }], // [captured] frame 34, p1 bit6 pulse beep
  ['01 e9 80 c0 90 ff ff ff ff', { status: 'finger-out', probeError: true, pleth: 64, pulseRate: 255, spo2: 127, readings: {} }], // [derived] p1 bit7 probe error (pleth 0x40), PR 0xFF, SpO2 0x7F
  ['01 ea 84 a0 80 ff ff ff ff', { status: 'searching', searching: true, readings: {} }], // [derived] p2 bit7 searching pulse, values invalid
  ['01 e0 94 93 92 bc e3 ff ff', { status: 'searching-too-long', searchingTooLong: true, readings: {} }], // [derived] p1 bit4 searching too long: values present but not emitted
  ['01 80 84 93 82 bc e2 fd 80', { status: 'measuring', piInvalid: false, piRaw: 125, readings: { 'heart-rate': 60, spo2: 98, 'pulse-amplitude-index': 1.25 } }], // [derived] p3 bit4 clear: PI 1.25 %
  ['01 e8 84 93 82 c8 e2 ff ff', { status: 'measuring', pulseRate: 200, readings: { 'heart-rate': 200, spo2: 98 } }], // [derived] hi bit3 → PR 0xC8 = 200 (adding 127 would give 199)
  ['01 e0 a4 93 92 bc d5 ff ff', { status: 'measuring', lowSpo2: true, readings: { 'heart-rate': 60, spo2: 85 } }], // [derived] p1 bit5 low SpO2, SpO2 85
  ['01 e0 84 93 92 bc 80 ff ff', { status: 'measuring', spo2: 0, readings: { 'heart-rate': 60 } }], // [derived] SpO2 0: heart rate only
];

function check(t: Test, got: Record<string, unknown> & { status: string; readings: Array<{ metric: string; value: number }> }, want: Want & Record<string, unknown>): void {
  const { readings, ...fields } = want;
  for (const [k, v] of Object.entries(fields)) t.equal(got[k], v, k);
  t.same(Object.fromEntries(got.readings.map((r) => [r.metric, r.value])), readings, 'readings');
  t.same(got.states, [{ kind: 'device-status', status: want.status }], 'state');
}

t.test('legacy frames decode per the bit table', async (t) => {
  for (const [h, want] of LEGACY) {
    t.test(h, async (t) => {
      const frames = createCms50LegacyFramer().push(hex(h));
      t.equal(frames.length, 1, 'the framer accepts it');
      check(t, decodeCms50Legacy(hex(h)) as never, want);
    });
  }
});

t.test('legacy frames with a wrong sync pattern are refused by decoder and framer', async (t) => {
  for (const h of LEGACY_BAD) {
    t.throws(() => decodeCms50Legacy(hex(h)), { name: 'SerialDecodeError', code: 'sync' }, h);
    const framer = createCms50LegacyFramer();
    t.same(framer.push(hex(h)), [], `${h}: no frame`);
  }
  t.throws(() => decodeCms50Legacy(hex('80 00 00 00')), { code: 'length' });
});

t.test('V7.0 packets decode per the V7.0 table', async (t) => {
  for (const [h, want] of V7) {
    t.test(h, async (t) => {
      t.equal(createCms50V7Framer().push(hex(h)).length, 1, 'the framer accepts it');
      check(t, decodeCms50V7(hex(h)) as never, want);
    });
  }
});

t.test('V7.0 decoder refusals', async (t) => {
  t.throws(() => decodeCms50V7(hex('01 e0 84 13 92 bc e3 ff ff')), { code: 'sync' }, 'payload byte with bit 7 clear');
  t.throws(() => decodeCms50V7(hex('81 e0 84 93 92 bc e3 ff ff')), { code: 'sync' }, 'type byte with bit 7 set');
  t.throws(() => decodeCms50V7(hex('02 80 80')), { code: 'unknown-type' });
  t.throws(() => decodeCms50V7(hex('01 e0 84 93 92 bc e3 ff')), { code: 'length' });
  t.ok(new SerialDecodeError('sync', 'x') instanceof Error);
});

t.test('V7.0 control commands are framed like uplink packets', async (t) => {
  t.same([...CMS50_V7_START], [...hex('7d 81 a1 80 80 80 80 80 80')], '[vendor] start real-time');
  t.same([...encodeCms50V7Command(CMS50_V7_COMMANDS.keepAlive)], [...hex('7d 81 af 80 80 80 80 80 80')], '[vendor] 0xAF keep-alive');
  // [derived] sync time 13:45:07: payload A1.. = B1 0D 2D 07, bit 7 only on the command byte.
  t.same([...encodeCms50V7Command(CMS50_V7_COMMANDS.syncTime, [13, 45, 7])], [...hex('7d 81 b1 8d ad 87 80 80 80')]);
  const downlink = createCms50V7Framer({ direction: 'downlink' });
  t.same(downlink.push(CMS50_V7_START).map((f) => [...f]), [[...CMS50_V7_START]], 'firmware-sim side frames host commands');
});

const capturePath = `${SERIAL_DATA}contec_cms50e_v7_capture.hex`;
const csvPath = `${SERIAL_DATA}contec_cms50e_v7_capture_decoded.csv`;
const dataSkip = requirement('../shared/data/serial (CMS50E capture)', existsSync(capturePath) && existsSync(csvPath), 'the shared test data folder next to the repository');

t.test('the real CMS50E capture decodes to the values beside it', { skip: dataSkip }, async (t) => {
  const capture = hex(readFileSync(capturePath, 'utf8'));
  const [header, ...rows] = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
  const cols = header!.split(',');
  const framer = createCms50V7Framer();
  // Byte by byte, as a slow port would deliver it.
  const frames = capture.reduce<Uint8Array[]>((acc, _b, i) => acc.concat(framer.push(capture.subarray(i, i + 1))), []);
  t.equal(frames.length, 102, '102 complete packets');
  t.equal(rows.length, 102);
  t.equal(framer.pending, 4, 'the truncated tail waits for its rest');
  t.same(framer.rejects, { garbage: 0, sync: 0, 'unknown-type': 0 }, 'nothing rejected');
  const names: Record<string, string> = {
    signal_strength: 'signalStrength', searching_too_long: 'searchingTooLong', low_spo2: 'lowSpo2', pulse_beep: 'pulseBeep',
    probe_error: 'probeError', pleth: 'pleth', searching_pulse: 'searching', bargraph: 'barGraph', pi_invalid: 'piInvalid',
    pulse_rate_bpm: 'pulseRate', spo2_pct: 'spo2', pi_raw_x100: 'piRaw',
  };
  let mismatches = 0;
  const beeps: number[] = [];
  frames.forEach((frame, i) => {
    const row = rows[i]!.split(',');
    const decoded = decodeCms50V7(frame) as unknown as Record<string, unknown>;
    if (row[1] !== Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join(' ')) mismatches++;
    cols.slice(2).forEach((col, k) => {
      const got = decoded[names[col]!];
      const want = Number(row[k + 2]);
      if ((typeof got === 'boolean' ? Number(got) : got) !== want) {
        mismatches++;
        t.fail(`frame ${i} ${col}: got ${String(got)}, CSV says ${want}`);
      }
    });
    if (decoded.pulseBeep) beeps.push(i);
  });
  t.equal(mismatches, 0, 'every field of every frame matches the CSV');
  t.same(beeps.slice(0, 2), [34, 35], 'the first beep is at frame 34');
  t.ok(beeps.includes(94), 'and again 60 frames later');
  const last = decodeCms50V7(frames[101]!);
  t.same(last.readings.map((r) => [r.metric, r.value, r.unit, r.loinc]), [['heart-rate', 60, '/min', '8867-4'], ['spo2', 99, '%', '59408-5']]);
  t.equal(detectCms50Protocol(capture).protocol, 'v7', 'the detector says V7.0');
});

t.test('the detector tells the protocols apart and refuses noise', async (t) => {
  const legacyStream = concatAll(Array.from({ length: 20 }, (_, i) => encodeCms50Legacy({
    signalStrength: 5, pulseBeep: i === 7, lowSpo2: false, searchingTooLong: false, pleth: (i * 9) % 128, searching: false,
    probeError: false, barGraph: 3, pulseRate: 72, spo2: 97,
  })));
  t.equal(detectCms50Protocol(legacyStream).protocol, 'legacy');
  t.equal(detectCms50Protocol(legacyStream.subarray(2)).protocol, 'legacy', 'starting mid-frame');
  const v7Stream = concatAll(Array.from({ length: 10 }, () => hex('01 e0 84 93 92 bc e3 ff ff')));
  t.equal(detectCms50Protocol(v7Stream.subarray(3)).protocol, 'v7', 'starting mid-packet');
  t.equal(detectCms50Protocol(hex('01 e0 84 93 92 bc e3 ff ff')).protocol, null, 'one packet is not enough');
  // A deterministic pseudo-random sample (wrong baud rate looks like this).
  let x = 12345;
  const noise = Uint8Array.from({ length: 600 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
  const d = detectCms50Protocol(noise);
  t.equal(d.protocol, null, `noise decides nothing (coverage ${d.legacyCoverage.toFixed(2)} / ${d.v7Coverage.toFixed(2)})`);
  t.equal(detectCms50Protocol(new Uint8Array(0)).protocol, null, 'empty sample');
  // Three real packets in 300 bytes of line noise cover 8 % of the sample: not enough to decide.
  const drowned = concatAll([new Uint8Array(150).fill(0xff), ...Array.from({ length: 3 }, () => hex('01 e0 84 93 92 bc e3 ff ff')), new Uint8Array(150).fill(0xff)]);
  const dd = detectCms50Protocol(drowned);
  t.same([dd.protocol, dd.v7Packets], [null, 3], 'a few packets in much noise decide nothing');
});

t.test('framers resync after garbage and count each reject by code', async (t) => {
  const legacy = createCms50LegacyFramer();
  const good = hex('84 13 02 3c 61');
  // 00 7f: bytes before any sync bit (garbage); 80 00: a frame cut short by the next sync byte.
  t.same(legacy.push(concatAll([hex('00 7f 80 00'), good])).map((f) => [...f]), [[...good]]);
  t.same(legacy.rejects, { garbage: 1, sync: 1 });
  t.equal(legacy.frames, 1);

  const seen: string[] = [];
  const v7 = createCms50V7Framer({
    onReject: (code) => {
      seen.push(code);
      throw new Error('a listener bug');
    },
  });
  const packet = hex('01 e0 84 93 92 bc e3 ff ff');
  // ff: garbage; 02: unknown type; 01 e0 84: a packet cut short by the next type byte.
  const out = v7.push(concatAll([hex('ff 02 01 e0 84'), packet, packet.subarray(0, 4)]));
  t.same(out.map((f) => [...f]), [[...packet]], 'the packet after the garbage is found');
  t.same(seen, ['garbage', 'unknown-type', 'sync'], 'onReject hears each code, and its throw is contained');
  t.same(v7.rejects, { garbage: 1, sync: 1, 'unknown-type': 1 });
  t.equal(v7.pending, 4);
  t.same(v7.push(packet.subarray(4)).map((f) => [...f]), [[...packet]], 'a packet split across pushes is whole');
  v7.reset();
  t.equal(v7.pending, 0);
});
