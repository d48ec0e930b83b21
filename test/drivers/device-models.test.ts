/**
 * Device models turn their bytes into the uniform inputs (docs/devices.md): the real CMS50E capture
 * through the contec-cms50-v7 model, the radar's states on change, the receiver's routing fields,
 * and the hub's own MQTT model's refusals.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { InputRejected, type DeviceOutput, type SerialDeviceDefinition } from '../../drivers/device-definition.ts';
import { callReceiverV1 } from '../../drivers/devices/call-receiver-v1.ts';
import { carehubMqtt } from '../../drivers/devices/carehub-mqtt.ts';
import { contecCms50V7 } from '../../drivers/devices/contec-cms50-v7.ts';
import { hilinkLd2410 } from '../../drivers/devices/hilink-ld2410.ts';
import { seeedMr60fda2 } from '../../drivers/devices/seeed-mr60fda2.ts';
import { encodeCallFrame } from '../../protocols/call-frame.ts';
import { encodeCms50V7RealTime, encodeLd2410Command, encodeLd2410Report, encodeSeeedRadarReport } from '../../protocols/serial/index.ts';
import { requirement } from '../support/requirements.ts';

const SERIAL_DATA = new URL('../../../shared/data/serial/', import.meta.url);
const capturePath = new URL('contec_cms50e_v7_capture.hex', SERIAL_DATA);
const csvPath = new URL('contec_cms50e_v7_capture_decoded.csv', SERIAL_DATA);
const dataSkip = requirement('../shared/data/serial (CMS50E capture)', existsSync(capturePath) && existsSync(csvPath), 'the shared test data folder next to the repository');

const hex = (text: string) => Uint8Array.from((text.replace(/[^0-9a-f]/gi, '').match(/../g) ?? []).map((b) => Number.parseInt(b, 16)));
const enc = (s: string) => new TextEncoder().encode(s);

/** Every output of a stream fed `bytes` `chunk` bytes at a time, and its rejects by code. */
function run(model: SerialDeviceDefinition, bytes: Uint8Array, chunk = bytes.length, stream = model.createStream()) {
  const outputs: DeviceOutput[] = [];
  const rejects: Record<string, number> = {};
  for (let i = 0; i < bytes.length; i += chunk) {
    for (const result of stream.push(bytes.subarray(i, i + chunk))) {
      if (result.ok) outputs.push(...result.outputs);
      else rejects[result.code] = (rejects[result.code] ?? 0) + 1;
    }
  }
  return { outputs, rejects, stream };
}

t.test('the real CMS50E capture: the sensor state once, each reading on change or once a second', { skip: dataSkip }, async (t) => {
  const capture = hex(readFileSync(capturePath, 'utf8'));
  const rows = readFileSync(csvPath, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  const header = readFileSync(csvPath, 'utf8').split('\n')[0]!.split(',');
  const col = (name: string) => header.indexOf(name);
  // What the model must hand on, from the decode beside the capture: a value when it differs from the
  // last one handed on, or when 60 frames passed since (every frame here is measuring).
  const expected: Array<[string, number]> = [];
  const last = new Map<string, { value: number; frame: number }>();
  rows.forEach((row, frame) => {
    for (const [metric, column] of [['heart-rate', 'pulse_rate_bpm'], ['spo2', 'spo2_pct']] as const) {
      const value = Number(row[col(column)]);
      const before = last.get(metric);
      if (before && before.value === value && frame - before.frame < 60) continue;
      last.set(metric, { value, frame });
      expected.push([metric, value]);
    }
  });
  const { outputs, rejects } = run(contecCms50V7, capture, 7);
  t.same(rejects, {}, 'nothing rejected in a clean capture');
  t.same(outputs.filter((o) => o.input.kind === 'state').map((o) => o.input), [{ kind: 'state', state: { kind: 'sensor', status: 'measuring' } }], 'the state once: it never changes');
  const readings = outputs.flatMap((o) => (o.input.kind === 'reading' ? [[o.input.metric, o.input.value] as [string, number]] : []));
  t.same(readings, expected);
  t.ok(readings.length < rows.length, `${readings.length} readings from ${rows.length} frames`);
});

t.test('a steady oximeter repeats its readings every 60 frames; a finger out is a state, not a value', async (t) => {
  const fields = { signalStrength: 4, searchingTooLong: false, lowSpo2: false, pulseBeep: false, probeError: false, pleth: 20, searching: false, barGraph: 2, piInvalid: true, pulseRate: 72, spo2: 97, piRaw: 0xffff };
  const steady = encodeCms50V7RealTime(fields);
  const frames = (n: number, frame: Uint8Array) => Uint8Array.from(Array.from({ length: n }, () => [...frame]).flat());
  const stream = contecCms50V7.createStream();
  const atFrame: Array<[number, string]> = [];
  for (let i = 0; i < 121; i++) {
    for (const result of stream.push(steady)) if (result.ok) for (const o of result.outputs) if (o.input.kind === 'reading') atFrame.push([i, o.input.metric]);
  }
  t.same(atFrame, [[0, 'heart-rate'], [0, 'spo2'], [60, 'heart-rate'], [60, 'spo2'], [120, 'heart-rate'], [120, 'spo2']]);
  const fingerOut = encodeCms50V7RealTime({ ...fields, probeError: true, pulseRate: 0xff, spo2: 0x7f });
  const { outputs } = run(contecCms50V7, frames(3, fingerOut), fingerOut.length, stream);
  t.same(outputs.map((o) => o.input), [{ kind: 'state', state: { kind: 'sensor', status: 'finger-out' } }], 'no reading, one state');
});

t.test('a radar hands on a state when it changes, and everything again after a reset', async (t) => {
  const fall = encodeSeeedRadarReport({ kind: 'fall', fallen: true });
  const up = encodeSeeedRadarReport({ kind: 'fall', fallen: false });
  const present = encodeSeeedRadarReport({ kind: 'presence', present: true });
  const bytes = Uint8Array.of(...present, ...fall, 0x00, 0x53, ...fall, ...present, ...up);
  const { outputs, rejects, stream } = run(seeedMr60fda2, bytes, 3);
  t.same(
    outputs.map((o) => o.input),
    [
      { kind: 'state', state: { kind: 'presence', present: true } },
      { kind: 'state', state: { kind: 'fall', fallen: true } },
      { kind: 'state', state: { kind: 'fall', fallen: false } },
    ],
  );
  t.ok((rejects.garbage ?? 0) >= 1, 'the noise between frames is counted');
  stream.reset();
  t.same(run(seeedMr60fda2, fall, fall.length, stream).outputs.map((o) => o.input), [{ kind: 'state', state: { kind: 'fall', fallen: true } }], 'after a reopen the first report counts');
});

t.test('an LD2410 report becomes presence and motion; a command ACK becomes nothing', async (t) => {
  const report = encodeLd2410Report({ targetState: 1, movingDistanceCm: 120, movingEnergy: 60, staticDistanceCm: 0, staticEnergy: 0, detectionDistanceCm: 120, engineering: null });
  const ack = encodeLd2410Command(0x01ff, [], { status: 0 });
  const { outputs, rejects } = run(hilinkLd2410, Uint8Array.of(...ack, ...report));
  t.same(rejects, {});
  t.match(outputs.map((o) => o.input), [
    { kind: 'state', state: { kind: 'presence', present: true } },
    { kind: 'state', state: { kind: 'motion', motion: 'moving' } },
  ]);
  t.equal(outputs.length, 2);
});

t.test('a receiver output names the call point and the receiver\'s own address', async (t) => {
  const frame = encodeCallFrame({ receiver: 3, callPoint: 0x21, event: 'call', seq: 9, battery: 70 });
  const bad = Uint8Array.from(frame);
  bad[9]! ^= 0xff;
  const { outputs, rejects } = run(callReceiverV1, Uint8Array.of(...bad, ...frame));
  t.same(outputs, [{ input: { kind: 'call-point', event: 'call', deviceSeq: 9, battery: 70 }, address: 0x21, relayAddress: 3 }]);
  t.equal(rejects['bad-crc'], 1);
});

t.test('the hub\'s MQTT model: calls and readings, and what it refuses by code', async (t) => {
  t.same(carehubMqtt.convert('call', enc('{"event":"call","seq":4}'), false), [{ kind: 'call-point', event: 'call', deviceSeq: 4, battery: null }]);
  t.same(carehubMqtt.convert('telemetry', enc('{"metric":"heart-rate","value":71,"unit":"/min"}'), true), [{ kind: 'reading', metric: 'heart-rate', value: 71 }], 'a retained reading is still a reading');
  const refusal = (channel: string, payload: string, retained = false) => {
    try {
      carehubMqtt.convert(channel, enc(payload), retained);
      return 'accepted';
    } catch (err) {
      return err instanceof InputRejected ? err.code : `threw ${String(err)}`;
    }
  };
  t.equal(refusal('call', '{"event":"call","seq":4}', true), 'retained');
  t.equal(refusal('call', '{"event":"call"}'), 'bad-payload');
  t.equal(refusal('telemetry', '{"metric":"spo2","value":97,"unit":"mmHg"}'), 'bad-unit');
  t.equal(refusal('telemetry', '\xff'), 'bad-payload');
  t.equal(refusal('status', '{}'), 'bad-payload');
  t.equal(refusal('settings', '{}'), 'unknown-channel');
  t.same(carehubMqtt.convert('status', enc('{"status":"offline"}'), false), [{ kind: 'status', status: 'offline' }]);
});

t.test('carehub-wearable: raw counts become g by range and resolution; bad batches are refused', async (t) => {
  const { carehubWearable } = await import('../../drivers/devices/carehub-wearable.ts');
  const enc = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const [input] = carehubWearable.convert('accel', enc({ n: 7, hz: 200, range: 16, bits: 13, xyz: [0, -256, 4095, -4096, 512, 0] }));
  t.match(input, { kind: 'accelerometer', firstSample: 7, rateHz: 200, upright: [0, -1, 0] });
  t.same(Array.from((input as { samples: Float64Array }).samples), [0, -1, 15.99609375, -16, 2, 0], '±16 g over 13 bits: 256 counts per g');
  const [eight] = carehubWearable.convert('accel', enc({ n: 0, hz: 100, range: 8, bits: 14, xyz: [1024, 0, 0] }));
  t.same(Array.from((eight as { samples: Float64Array }).samples), [1, 0, 0], '±8 g over 14 bits: 1024 counts per g');
  t.same(carehubWearable.convert('status', enc({ status: 'online', battery: 80 })), [{ kind: 'status', status: 'online', battery: 80 }]);
  const refusal = (channel: string, value: unknown) => {
    try {
      carehubWearable.convert(channel, enc(value));
      return 'accepted';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  t.equal(refusal('accel', { n: 0, hz: 200, range: 16, bits: 13, xyz: [0, 1] }), 'bad-payload', 'not whole samples');
  t.equal(refusal('accel', { n: 0, hz: 200, range: 16, bits: 13, xyz: [4096, 0, 0] }), 'bad-payload', 'a count past 13 bits');
  t.equal(refusal('accel', { n: 0, hz: 200, range: 3, bits: 13, xyz: [0, 0, 0] }), 'bad-payload', 'no such range');
  t.equal(refusal('accel', { n: 0, hz: 10, range: 16, bits: 13, xyz: [0, 0, 0] }), 'bad-payload', 'too slow to see an impact');
  t.equal(refusal('accel', { n: 0, hz: 200, range: 16, bits: 13, xyz: Array(3 * 401).fill(0) }), 'bad-payload', 'more than 400 samples');
  t.equal(refusal('call', { event: 'call', seq: 1 }), 'unknown-channel');
});
