/**
 * `hub decode` (docs/decode.md): every codec through the command with real vectors where they exist
 * (../shared/data/gatt/vectors.json, the CMS50E capture and the frames quoted in the serial protocol
 * notes of ../shared/data/serial, ../shared/data/zigbee2mqtt/payloads.json, all read in place),
 * the stdin mode with bad lines in the middle, the exit codes and --help. Through the real bin
 * (bin/hub.js, as `npx hub` runs it) once per mode, in-process through `main` for the rest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { main } from '../../../hub/cli.ts';
import { DECODE_CODECS, decodeCommand, parseHex } from '../../../hub/tools/decode-command.ts';
import { encodeCallFrame } from '../../../protocols/call-frame.ts';
import { decodeGatt } from '../../../protocols/gatt/index.ts';
import { requirement } from '../../support/requirements.ts';
import { runBin } from '../../support/run-hub-bin.ts';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const GATT_VECTORS = `${DATA}gatt/vectors.json`;
const SERIAL_PROTOCOLS = `${DATA}serial/PROTOCOLS.md`;
const CMS50_CSV = `${DATA}serial/contec_cms50e_v7_capture_decoded.csv`;
const Z2M_PAYLOADS = `${DATA}zigbee2mqtt/payloads.json`;
const dataSkip = (path: string) => requirement(`../shared/data (${path.slice(DATA.length)})`, existsSync(path), 'the shared test data folder next to the repository');


/** Run `hub decode ...args` in-process; `stdin` feeds the - mode. */
async function decode(args: string[], stdin = ''): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env: {} };
  const code = args[0] === '-' ? await decodeCommand(args, io, Readable.from([stdin])) : await main(['decode', ...args], io);
  return { code, out, err };
}

/** One request, expected to succeed: its JSON. */
async function ok(t: Test, args: string[]): Promise<any> {
  const r = await decode(args);
  t.equal(r.code, 0, `exit 0: ${r.err.join(' ')}`);
  t.equal(r.out.length, 1, 'exactly one JSON object');
  return JSON.parse(r.out[0] ?? 'null');
}

const READING_KEYS = ['metric', 'value', 'unit', 'loinc'];

// The real bin, once for one request and once for - (each start costs about a second of tsx).
const runs = {
  oneShot: runBin(['decode', 'radar', '53 59 85 02 00 01 48 7c 54 43']),
  lines: runBin(['decode', '-'], ['cms50 01 e0 84 93 92 bc e3 ff ff', 'radar 53 59 83 01 00 01 01 33 54 43', 'z2m {"action": "emergency", "battery": null}'].join('\n') + '\n'),
};

t.test('bin: one request prints one JSON line and exits 0', async (t) => {
  const run = await runs.oneShot;
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '');
  const lines = run.stdout.split('\n');
  t.same(lines.slice(1), [''], 'one line, newline-terminated');
  const out = JSON.parse(lines[0]!);
  t.same(Object.keys(out).slice(0, 2), ['codec', 'readings'], 'codec and readings lead');
  t.same(out.readings, [{ metric: 'heart-rate', value: 72, unit: '/min', loinc: '8867-4' }]);
});

t.test('bin: - answers each line in order, an error object for the bad one, exit 1', async (t) => {
  const run = await runs.lines;
  t.equal(run.code, 1);
  const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 3, 'one output line per input line');
  t.match(lines[0], { codec: 'cms50', protocol: 'v7', spo2: 99, pulseRate: 60 });
  t.same(lines[1], { error: { codec: 'radar', code: 'checksum', message: 'the checksum does not match: sum 0x32, frame says 0x33' }, line: 2 });
  t.same(lines[2], { codec: 'z2m', readings: [], payload: { action: 'emergency' } }, 'the line after a bad one is still decoded; JSON keeps its spaces');
  t.match(run.stderr, /1 of 3 lines could not be decoded/);
});

t.test('--help lists every codec of the registry, exit 0; hub --help names the command', async (t) => {
  for (const flag of ['--help', '-h']) {
    const r = await decode([flag]);
    t.equal(r.code, 0);
    for (const codec of DECODE_CODECS) t.match(r.out.join('\n'), new RegExp(`^  ${codec.name} `, 'm'), `${flag} lists ${codec.name}`);
    t.match(r.out.join('\n'), /Exit status: one request 0 ok, 2 bad usage or bad input; with - 0 when every line decoded,\s+1 when any line failed/);
  }
  const out: string[] = [];
  await main(['--help'], { out: (l) => void out.push(l), err: () => {}, env: {} });
  t.match(out.join('\n'), /^  decode <codec> \[<characteristic>\] <hex>\|-/m);
  t.equal(new Set(DECODE_CODECS.map((c) => c.name)).size, DECODE_CODECS.length, 'codec names are unique');
});

t.test('bad usage and bad input exit 2 and say what is wrong', async (t) => {
  const rows: Array<[string[], RegExp]> = [
    [[], /missing the codec and the bytes/],
    [['nonesuch', '00'], /unknown codec "nonesuch" \(known: gatt, cms50, /],
    [['gatt'], /gatt needs <characteristic> <hex>/],
    [['gatt', '2a37'], /gatt needs <characteristic> <hex>: the payload is missing/],
    [['cms50', '01 e0 8'], /5 hex digits: a byte takes two/],
    [['cms50', '01 g0'], /"g" is not a hex digit/],
    [['gatt', '2a99', '00'], /gatt: unknown-characteristic: no GATT codec for 2a99/],
    [['gatt', '2a37', '17 01 01'], /gatt: truncated: .*\(at byte 3, field rrIntervals\[0\]\)/], // Nordic's "flag bit 4 without RR bytes"
    [['radar', '53 59 83 01 00 01 01 32 54 44'], /radar: the frame header or tail is wrong: a frame ends with 54 43/],
    [['ld2410', 'F4 F3 F2 F1 0D 00 02 AA 00 00 00 00 00 00 37 00 00 55 00 F8 F7 F6'], /ld2410: the frame has the wrong length/],
    [['call-frame', 'a5 07 01 00 11 01 00 01 ff bb 38'], /call-frame: CRC 0xbb38 expected 0xbb39/],
    [['z2m', '{"battery":120}'], /z2m: out-of-range: battery: 120/],
    [['z2m', 'single'], /z2m: bad-json/],
    [['z2m-availability', 'maybe'], /z2m-availability: bad-availability/],
    [['-', 'extra'], /- reads the requests from standard input and takes no other argument/],
  ];
  for (const [args, message] of rows) {
    const r = args[0] === '-' ? await (async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['decode', ...args], { out: (l) => void out.push(l), err: (l) => void err.push(l), env: {} });
      return { code, out, err };
    })() : await decode(args);
    t.equal(r.code, 2, `exit 2: ${args.join(' ')}`);
    t.same(r.out, [], 'nothing on stdout');
    t.match(r.err[0], message, args.join(' '));
  }
});

t.test('hex: spaces, colons, 0x, and separate arguments all give the same bytes', async (t) => {
  const want = [0x1e, 0x55, 0x32, 0x00];
  for (const text of ['1E 55 32 00', '1e:55:32:00', '1e553200', '0x1e553200', ' 1E  55\t32 00 ']) t.same(Array.from(parseHex(text)), want, JSON.stringify(text));
  const quoted = await ok(t, ['gatt', '2a37', '00 55']);
  const spread = await ok(t, ['gatt', '2a37', '00', '55']);
  t.same(spread, quoted, 'bytes as separate arguments');
  t.same(quoted.readings, [{ metric: 'heart-rate', value: 85, unit: '/min', loinc: '8867-4' }]);
  t.equal(quoted.characteristic, '0x2A37');
  const byId = await ok(t, ['gatt', 'heart-rate-measurement', '00 55']);
  t.same(byId, quoted, 'the codec id names the characteristic too');
  const by128 = await ok(t, ['gatt', '00002a37-0000-1000-8000-00805f9b34fb', '00:55']);
  t.same(by128, quoted, 'and the 128-bit UUID');
});

t.test('gatt: every shared vector with a characteristic, through - in one run', { skip: dataSkip(GATT_VECTORS) }, async (t) => {
  const vectors = (JSON.parse(readFileSync(GATT_VECTORS, 'utf8')) as any[]).filter((v) => v.uuid);
  t.equal(vectors.length, 37, 'vectors that name a characteristic');
  const r = await decode(['-'], vectors.map((v) => `gatt ${v.uuid} ${v.hex}`).join('\n') + '\n');
  t.equal(r.out.length, vectors.length, 'one line per vector');
  const failed = vectors.filter((v) => v.valid !== true).length;
  t.equal(r.code, failed > 0 ? 1 : 0, 'exit 1 because some vectors must fail');
  vectors.forEach((v, i) => {
    const line = JSON.parse(r.out[i]!);
    if (v.valid === true) {
      t.equal(line.codec, 'gatt', v.id);
      t.equal(line.characteristic, v.uuid.replace(/^0x/i, '0x').toUpperCase().replace('0X', '0x'), `${v.id}: characteristic`);
      t.same(line.readings, JSON.parse(JSON.stringify(decodeGatt(v.uuid, parseHex(v.hex)).readings)), `${v.id}: the codec's readings, unchanged`);
      for (const reading of line.readings) t.same(Object.keys(reading).slice(0, 4), READING_KEYS, `${v.id}: ${reading.metric} has metric, value, unit, loinc`);
    } else if (v.valid === false) {
      t.same({ line: line.line, codec: line.error?.codec }, { line: i + 1, codec: 'gatt' }, `${v.id}: rejected with its line number`);
      t.match(line.error.code, /^(truncated|out-of-range|trailing-bytes)$/, `${v.id}: ${line.error.message}`);
    } else {
      // A library's claim with a biased exponent (valid: null): whatever we decode, it is not the claim.
      const systolic = line.readings?.find((x: any) => x.metric === 'systolic-bp');
      if (systolic) t.not(systolic.value, 120, `${v.id}: not the biased 120 mmHg`);
      const temp = line.readings?.find((x: any) => x.metric === 'body-temperature');
      if (temp) t.not(temp.value, 37, `${v.id}: not the biased 37 °C`);
    }
  });
  const bpm = JSON.parse(r.out[vectors.findIndex((v) => v.id === 'bpm-nordic-full')]!);
  t.same(Object.fromEntries(bpm.readings.map((x: any) => [x.metric, x.value])), { 'systolic-bp': 138, 'diastolic-bp': 88, 'mean-bp': 120, 'heart-rate': 60 }, 'Nordic BPM vector: 138/88 mmHg, MAP 120, pulse 60');
  t.match(bpm, { unit: 'mmHg', userId: 1, status: { bodyMovement: true, irregularPulse: true } }, 'flags and status fields beside the readings');
});

t.test('gatt: a special value is value null with a reason, never a number', { skip: dataSkip(GATT_VECTORS) }, async (t) => {
  const vectors = JSON.parse(readFileSync(GATT_VECTORS, 'utf8')) as any[];
  for (const [id, reason] of [['sfloat-nan', 'nan'], ['sfloat-nres', 'nres'], ['sfloat-pinf', '+inf'], ['sfloat-ninf', '-inf'], ['sfloat-reserved', 'reserved']]) {
    const sfloat = vectors.find((v) => v.id === id).hex;
    // PLX Continuous, flags 0: SpO2 is the shared SFLOAT vector, pulse rate 90.
    const out = await ok(t, ['gatt', '2a5f', `00 ${sfloat} 5A 00`]);
    t.same(out.readings[0], { metric: 'spo2', value: null, unit: '%', loinc: '59408-5', reason }, `${id} → value null, reason ${reason}`);
    t.same(out.readings[1], { metric: 'heart-rate', value: 90, unit: '/min', loinc: '8867-4' });
  }
});

t.test('cms50: the real CMS50E capture, one packet per line, decodes to the values beside it', { skip: dataSkip(CMS50_CSV) }, async (t) => {
  const [header, ...rows] = readFileSync(CMS50_CSV, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const col = (row: string, name: string) => row.split(',')[cols.indexOf(name)]!;
  t.equal(rows.length, 102, 'packets in the capture');
  const r = await decode(['-'], rows.map((row) => `cms50 ${col(row, 'hex')}`).join('\n'));
  t.equal(r.code, 0, r.err.join(' '));
  rows.forEach((row, i) => {
    const out = JSON.parse(r.out[i]!);
    const values = Object.fromEntries(out.readings.map((x: any) => [x.metric, x.value]));
    t.same(
      { protocol: out.protocol, spo2: values.spo2, hr: values['heart-rate'], pulseBeep: out.pulseBeep, pleth: out.pleth, barGraph: out.barGraph, piInvalid: out.piInvalid },
      {
        protocol: 'v7',
        spo2: Number(col(row, 'spo2_pct')),
        hr: Number(col(row, 'pulse_rate_bpm')),
        pulseBeep: col(row, 'pulse_beep') === '1',
        pleth: Number(col(row, 'pleth')),
        barGraph: Number(col(row, 'bargraph')),
        piInvalid: col(row, 'pi_invalid') === '1',
      },
      `frame ${col(row, 'frame')}`,
    );
  });
  const first = await ok(t, ['cms50-v7', col(rows[0]!, 'hex')]);
  t.equal(first.protocol, 'v7', 'cms50-v7 forces the V7.0 reading');
  const forced = await decode(['cms50-legacy', col(rows[0]!, 'hex')]);
  t.equal(forced.code, 2, 'a V7.0 packet read as legacy is refused');
  t.match(forced.err[0], /cms50-legacy: the frame has the wrong length: 9 bytes, a legacy frame has 5/);
});

t.test('cms50 legacy: the atbrask vectors in the shared serial protocol notes', { skip: dataSkip(SERIAL_PROTOCOLS) }, async (t) => {
  const text = readFileSync(SERIAL_PROTOCOLS, 'utf8');
  const pr = /`([0-9A-F ]{14})` → pulse rate (\d+)/.exec(text)!;
  const out = await ok(t, ['cms50', pr[1]!]);
  t.match(out, { protocol: 'legacy', pulseRate: Number(pr[2]) }, `${pr[1]} → pulse rate ${pr[2]} (detected as legacy)`);
  const probe = /`([0-9A-F ]{14})` → probe\s+error/.exec(text)!;
  t.match(await ok(t, ['cms50', probe[1]!]), { protocol: 'legacy', probeError: true, status: 'finger-out', readings: [] }, 'probe error: a technical state, no reading');
  const searching = /`([0-9A-F ]{14})` → searching/.exec(text)!;
  t.match(await ok(t, ['cms50', searching[1]!]), { searching: true, status: 'searching', readings: [] });
  const rejected = /(`[0-9A-F ]{14}`(?:, (?:…, )?`[0-9A-F ]{14}`)+) must be \*\*rejected\*\*/.exec(text)!;
  const frames = [...rejected[1]!.matchAll(/`([0-9A-F ]{14})`/g)].map((m) => m[1]!);
  t.equal(frames.length, 3);
  for (const frame of frames) {
    const r = await decode(['cms50-legacy', frame]);
    t.equal(r.code, 2, `${frame} rejected`);
    t.match(r.err[0], /cms50-legacy: a sync bit is wrong/);
    t.equal((await decode(['cms50', frame])).code, 2, `${frame} rejected when the bytes choose the protocol too`);
  }
});

t.test('radar: every Seeed frame in the shared serial protocol notes decodes; the fall report says fall', { skip: dataSkip(SERIAL_PROTOCOLS) }, async (t) => {
  const text = readFileSync(SERIAL_PROTOCOLS, 'utf8');
  const frames = [...text.matchAll(/`(53 59 [0-9A-F ]+ 54 43)`/g)].map((m) => m[1]!);
  t.equal(frames.length, 5);
  for (const frame of frames) t.equal((await ok(t, ['radar', frame])).codec, 'radar', frame);
  const fall = /fall report `([^`]+)` \(fall = 1\)/.exec(text)![1]!;
  t.match(await ok(t, ['radar', fall]), { readings: [], control: 0x83, command: 0x01, data: '01', report: { kind: 'fall', fallen: true }, states: [{ kind: 'fall', fallen: true }] });
  const someone = /presence = someone `([^`]+)`/.exec(text)![1]!;
  t.match(await ok(t, ['radar', someone]), { states: [{ kind: 'presence', present: true }] });
});

t.test('ld2410: the captured Tasmota frames decode to the fields in their table', { skip: dataSkip(SERIAL_PROTOCOLS) }, async (t) => {
  const text = readFileSync(SERIAL_PROTOCOLS, 'utf8');
  const rows = [...text.matchAll(/\| `(F4 F3 F2 F1 [0-9A-F ]+)` \| (\d) [^|]*\| (\d+)\/(\d+) \| (\d+)\/(\d+) \| (\d+) \|/g)];
  t.equal(rows.length, 6, 'captured basic frames');
  for (const [, frame, state, md, me, sd, se, dd] of rows) {
    const out = await ok(t, ['ld2410', frame!]);
    t.match(
      out,
      { codec: 'ld2410', readings: [], kind: 'report', targetState: Number(state), movingDistanceCm: Number(md), movingEnergy: Number(me), staticDistanceCm: Number(sd), staticEnergy: Number(se), detectionDistanceCm: Number(dd) },
      frame!,
    );
    t.same(out.states[0], { kind: 'presence', present: state !== '0' });
  }
  const ack = /enable config `(FD FC [0-9A-F ]+)`/.exec(text)![1]!;
  t.match(await ok(t, ['ld2410', ack]), { kind: 'ack', command: 0xff, status: 0, value: '01 00 40 00' }, 'a config ACK, value bytes printed as hex');
});

t.test('call-frame: a frame from the encoder, and trailing bytes refused', async (t) => {
  const frame = encodeCallFrame({ receiver: 1, callPoint: 0x0011, event: 'call', seq: 1, battery: null });
  const hex = Array.from(frame, (b) => b.toString(16).padStart(2, '0')).join(' ');
  t.same(await ok(t, ['call-frame', hex]), { codec: 'call-frame', readings: [], receiver: 1, callPoint: 17, event: 'call', seq: 1, battery: null });
  const r = await decode(['call-frame', `${hex} 00`]);
  t.equal(r.code, 2);
  t.match(r.err[0], /call-frame: 1 bytes after the frame's CRC/);
});

t.test('z2m: the shared payloads, and availability', { skip: dataSkip(Z2M_PAYLOADS) }, async (t) => {
  const data = JSON.parse(readFileSync(Z2M_PAYLOADS, 'utf8'));
  const sos = data.devices.find((d: any) => d.model === 'TS0215A_sos').messages[0].publishes[0].payload;
  t.same(await ok(t, ['z2m', sos]), { codec: 'z2m', readings: [], payload: { action: 'emergency', linkquality: 90 } }, 'battery null is left out');
  const heiman = data.devices.find((d: any) => d.model === 'HS1EB/HS1EB-E').messages[0].state;
  t.same((await ok(t, ['z2m', heiman])).payload, { battery: 51.5, linkquality: 192, action: 'single' });
  for (const entry of data.availability.filter((a: any) => a.topic.startsWith('zigbee2mqtt/') && a.payload)) {
    const want = entry.payload.includes('offline') ? 'offline' : 'online';
    t.same(await ok(t, ['z2m-availability', entry.payload]), { codec: 'z2m-availability', readings: [], availability: want }, entry.payload);
  }
  const r = await decode(['-'], `z2m ${sos}\nz2m {"action":"single","contact":"open"}\nz2m-availability {"state": "online"}\n`);
  t.equal(r.code, 1);
  t.same(JSON.parse(r.out[1]!), { error: { codec: 'z2m', code: 'bad-type', message: 'bad-type: contact: "open" (Invalid input: expected boolean, received string)', field: 'contact' }, line: 2 });
  t.same(JSON.parse(r.out[2]!).availability, 'online', 'the payload is the rest of the line, spaces and all');
});

t.test('- with blank and CRLF lines keeps output line n for input line n', async (t) => {
  const r = await decode(['-'], 'radar 53 59 80 01 00 01 01 2f 54 43\r\n\r\ngatt 2a19 64\r\n   \ngatt 2a19\n');
  t.equal(r.out.length, 5);
  t.match(JSON.parse(r.out[0]!), { codec: 'radar', states: [{ kind: 'presence', present: true }] });
  t.same(JSON.parse(r.out[1]!), { error: { code: 'empty-line', message: 'empty line: expected "<codec> [<characteristic>] <payload>"' }, line: 2 });
  t.same(JSON.parse(r.out[2]!), { codec: 'gatt', characteristic: '0x2A19', name: 'Battery Level', readings: [], level: 100 });
  t.same(JSON.parse(r.out[3]!).line, 4);
  t.same(JSON.parse(r.out[4]!), { error: { codec: 'gatt', code: 'usage', message: 'gatt needs <characteristic> <hex>: the payload is missing' }, line: 5 });
  t.equal(r.code, 1);
  t.same(r.err, ['hub decode: 3 of 5 lines could not be decoded']);
  const clean = await decode(['-'], 'gatt 2a19 64\n');
  t.equal(clean.code, 0, 'every line decoded: exit 0');
  t.same(clean.err, []);
  const none = await decode(['-'], '');
  t.same({ code: none.code, out: none.out }, { code: 0, out: [] }, 'no input, no output');
});
