/**
 * npm run bench:codecs — frames/s decoded for each codec the hub has, over a 1 MiB stream each,
 * printed as one table (docs/gatt.md#tests-and-benchmark, docs/serial-devices.md#tests-and-fuzz):
 * - serial (protocols/codecs.ts, every registered codec): valid frames from bench/serial-samples.ts
 *   with some noise between them (1–8 random bytes before one frame in 20), pushed through a fresh
 *   framer in 1–256-byte chunks as a UART driver hands them over; each frame the framer emits is
 *   decoded. Frames/s counts frames out of the framer, MiB/s the bytes pushed.
 * - GATT (protocols/gatt/index.ts): a GATT value arrives whole in one notification, so the stream is
 *   a list of frames: representative values per characteristic (minimal and with every optional
 *   field) encoded once, repeated until they fill 1 MiB, then decoded in order.
 * - zigbee2mqtt: the stock device-state payloads of ../shared/data/zigbee2mqtt/payloads.json that
 *   decode, as the bytes MQTT delivers, repeated until they fill 1 MiB.
 *
 * Env: BENCH_BYTES (1048576), BENCH_ROUNDS (5; the best round is reported, after one warm-up).
 */
import { SERIAL_CODECS, type SerialCodec } from '../protocols/codecs.ts';
import { GATT_CODECS, type GattCodec } from '../protocols/gatt/index.ts';
import { medNumber, type MedFloat } from '../protocols/gatt/ieee11073.ts';
import { encodeRacpRequest } from '../protocols/gatt/record-access-control-point.ts';
import { decodeZigbee2mqttPayload } from '../protocols/zigbee2mqtt/index.ts';
import { Rng } from './fuzz-rng.ts';
import { serialSample } from './serial-samples.ts';
import { isDeviceState, loadZ2mSamples } from './z2m-samples.ts';

const STREAM_BYTES = Number(process.env.BENCH_BYTES ?? 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const say = (line: string) => process.stdout.write(line + '\n');

const T = { year: 2026, month: 11, day: 24, hours: 21, minutes: 30, seconds: 5 };
const sf = (m: number, e = 0): MedFloat => medNumber(m, e);

/** Sample values per UUID: the minimal frame and the fullest one. Keyed by 16-bit UUID. */
const SAMPLES = new Map<number, unknown[]>([
  [0x2a37, [{ heartRate: 72, sensorContact: 'detected' }, { heartRate: 300, format: 'uint16', sensorContact: 'detected', energyExpended: 1200, rrIntervals: [800, 810, 790, 805] }]],
  [0x2a35, [{ unit: 'mmHg', systolic: sf(120), diastolic: sf(80), meanArterialPressure: sf(93) }, { unit: 'kPa', systolic: sf(160, -1), diastolic: sf(107, -1), meanArterialPressure: sf(124, -1), timestamp: T, pulseRate: sf(72), userId: 1, measurementStatus: 0x04 }]],
  [0x2a36, [{ unit: 'mmHg', cuffPressure: sf(140) }, { unit: 'mmHg', cuffPressure: sf(140), timestamp: T, pulseRate: sf(70), userId: 1, measurementStatus: 0 }]],
  [0x2a1c, [{ unit: 'Cel', temperature: sf(3720, -2) }, { unit: '[degF]', temperature: sf(986, -1), timestamp: T, temperatureType: 6 }]],
  [0x2a1d, [{ temperatureType: 2 }]],
  [0x2a5e, [{ spo2: sf(97), pulseRate: sf(72), deviceClockNotSet: false }, { spo2: sf(970, -1), pulseRate: sf(720, -1), timestamp: T, measurementStatus: 0x0100, deviceAndSensorStatus: 0x20, pulseAmplitudeIndex: sf(52, -1), deviceClockNotSet: false }]],
  [0x2a5f, [{ spo2: sf(97), pulseRate: sf(72) }, { spo2: sf(97), pulseRate: sf(72), fast: { spo2: sf(96), pulseRate: sf(74) }, slow: { spo2: sf(97), pulseRate: sf(71) }, measurementStatus: 0x0120, deviceAndSensorStatus: 0, pulseAmplitudeIndex: sf(87, -1) }]],
  [0x2a60, [{ supportedFeatures: 0x00a0 }, { supportedFeatures: 0x00a3, measurementStatusSupport: 0x1040, deviceAndSensorStatusSupport: 0x180 }]],
  [0x2a9d, [{ units: 'SI', weight: 70 }, { units: 'imperial', weight: 157, timestamp: T, userId: 3, bmi: 24.5, height: 68 }]],
  [0x2a18, [{ sequenceNumber: 1, baseTime: T, contextInformationFollows: false }, { sequenceNumber: 2, baseTime: T, timeOffset: -5, concentration: { unit: 'kg/L', value: sf(92, -5), type: 1, sampleLocation: 1 }, sensorStatus: 0x0001, contextInformationFollows: true }]],
  [0x2a52, [{ opCode: 'number-of-stored-records-response', count: 12 }, { opCode: 'response-code', requestOpCode: 1, responseCode: 1 }]],
  [0x2a19, [{ level: 87 }]],
  [0x2a2b, [{ dateTime: T, dayOfWeek: 2, fractions256: 0, adjustReason: 1 }]],
  [0x2a08, [T]],
]);

function stream(codec: GattCodec<unknown>): { frames: Uint8Array[]; bytes: number } {
  const samples = (SAMPLES.get(codec.uuid) ?? []).map((v) => codec.encode(v));
  if (samples.length === 0) throw new Error(`bench:codecs has no sample for ${codec.id}: add one to SAMPLES`);
  return repeatToFill(samples);
}

/** The samples in turn until they fill STREAM_BYTES. */
function repeatToFill(samples: readonly Uint8Array[]): { frames: Uint8Array[]; bytes: number } {
  const frames: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0; bytes < STREAM_BYTES; i++) {
    const f = samples[i % samples.length]!;
    frames.push(f);
    bytes += f.length;
  }
  return { frames, bytes };
}

/** Best time of ROUNDS runs of `work` after one warm-up, in seconds. */
function best(work: () => void): number {
  work();
  let fastest = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return fastest;
}

/** What the decoders returned, summed and printed, so that the JIT cannot drop a decode whose result is unused. */
let sink = 0;

interface Row {
  kind: string;
  codec: string;
  frames: number;
  bytes: number;
  seconds: number;
}
const rows: Row[] = [];

/** A serial stream: valid frames with noise, and the chunk boundaries a UART would deliver. */
function serialStream(codec: SerialCodec): { stream: Uint8Array; cuts: number[] } {
  const rng = new Rng(1);
  const sample = serialSample(codec);
  const parts: number[] = [];
  while (parts.length < STREAM_BYTES) {
    if (rng.int(20) === 0) parts.push(...rng.bytes(1 + rng.int(8)));
    parts.push(...sample(rng));
  }
  const stream = Uint8Array.from(parts);
  const cuts: number[] = [];
  for (let at = 0; at < stream.length; at += 1 + rng.int(256)) cuts.push(at);
  return { stream, cuts };
}

for (const codec of SERIAL_CODECS) {
  const { stream, cuts } = serialStream(codec);
  let frames = 0;
  const seconds = best(() => {
    const framer = codec.createFramer();
    frames = 0;
    for (let i = 0; i < cuts.length; i++) {
      for (const frame of framer.push(stream.subarray(cuts[i], cuts[i + 1] ?? stream.length))) {
        try {
          sink += codec.decode(frame).states?.length ?? 0;
        } catch {
          // LD2410 engineering data with a gate count above 8 is refused (docs/serial-devices.md): still a frame handled.
        }
        frames++;
      }
    }
  });
  rows.push({ kind: 'serial', codec: codec.id, frames, bytes: stream.length, seconds });
}

for (const codec of GATT_CODECS) {
  const { frames, bytes } = stream(codec);
  const seconds = best(() => {
    for (const f of frames) sink += codec.decode(f).readings.length;
  });
  rows.push({ kind: 'gatt', codec: `0x${codec.uuid.toString(16).toUpperCase()} ${codec.id}`, frames: frames.length, bytes, seconds });
}

{
  const encoder = new TextEncoder();
  const decodes = (p: Uint8Array): boolean => {
    try {
      decodeZigbee2mqttPayload(p);
      return true;
    } catch {
      return false;
    }
  };
  const samples = loadZ2mSamples().filter(isDeviceState).map((s) => encoder.encode(s.payload)).filter(decodes);
  if (samples.length === 0) throw new Error('bench:codecs found no zigbee2mqtt device payload that decodes in ../shared/data/zigbee2mqtt/payloads.json');
  const { frames, bytes } = repeatToFill(samples);
  const seconds = best(() => {
    for (const f of frames) sink += Object.keys(decodeZigbee2mqttPayload(f)).length;
  });
  rows.push({ kind: 'z2m', codec: `zigbee2mqtt (${samples.length} stock payloads)`, frames: frames.length, bytes, seconds });
}

const header = ['kind', 'codec', 'frames', 'bytes/frame', 'frames/s', 'MiB/s'];
const cells = rows.map((r) => [
  r.kind,
  r.codec,
  r.frames.toLocaleString('en'),
  (r.bytes / r.frames).toFixed(1),
  Math.round(r.frames / r.seconds).toLocaleString('en'),
  (r.bytes / 1048576 / r.seconds).toFixed(1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => c.map((x, i) => (i >= 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ');
say(`bench:codecs: ${(STREAM_BYTES / 1048576).toFixed(2)} MiB per codec, best of ${ROUNDS} rounds after a warm-up (node ${process.version})`);
say(line(header));
for (const c of cells) say(line(c));
// The request side of the control point, for completeness: encoding is what the hub does there.
const t0 = process.hrtime.bigint();
for (let i = 0; i < 100_000; i++) encodeRacpRequest({ opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'sequence-number', min: i & 0xffff } });
say(`RACP request encodes/s: ${Math.round(100_000 / (Number(process.hrtime.bigint() - t0) / 1e9)).toLocaleString('en')} (checksum of the decodes: ${sink})`);
