/**
 * npm run bench:codecs — decodes per second for each GATT characteristic codec over a 1 MiB stream
 * of frames (docs/gatt.md), printed as a table. A GATT value arrives whole in one notification, so
 * the stream is a list of frames: representative values per characteristic (minimal and with every
 * optional field) encoded once, repeated until they fill 1 MiB, then decoded in order.
 *
 * Env: BENCH_BYTES (1048576), BENCH_ROUNDS (5; the best round is reported, after one warm-up).
 */
import { GATT_CODECS, type GattCodec } from '../protocols/gatt/index.ts';
import { medNumber, type MedFloat } from '../protocols/gatt/ieee11073.ts';
import { encodeRacpRequest } from '../protocols/gatt/record-access-control-point.ts';

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
  const frames: Uint8Array[] = [];
  let bytes = 0;
  for (let i = 0; bytes < STREAM_BYTES; i++) {
    const f = samples[i % samples.length]!;
    frames.push(f);
    bytes += f.length;
  }
  return { frames, bytes };
}

function decodeAll(codec: GattCodec<unknown>, frames: Uint8Array[]): number {
  let readings = 0;
  for (const f of frames) readings += codec.decode(f).readings.length;
  return readings;
}

say(`GATT codecs, ${(STREAM_BYTES / 1048576).toFixed(2)} MiB of frames each, best of ${ROUNDS} rounds (Node ${process.version})`);
say(`${'uuid'.padEnd(7)}${'characteristic'.padEnd(30)}${'frames'.padStart(9)}${'bytes/frame'.padStart(13)}${'decodes/s'.padStart(14)}${'MiB/s'.padStart(9)}`);
for (const codec of GATT_CODECS) {
  const { frames, bytes } = stream(codec);
  decodeAll(codec, frames); // warm-up
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    decodeAll(codec, frames);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  say(
    `0x${codec.uuid.toString(16).toUpperCase().padEnd(5)}${codec.name.padEnd(30)}${String(frames.length).padStart(9)}${(bytes / frames.length).toFixed(1).padStart(13)}` +
      `${Math.round(frames.length / best).toLocaleString('en').padStart(14)}${(bytes / 1048576 / best).toFixed(1).padStart(9)}`,
  );
}
// The request side of the control point, for completeness: encoding is what the hub does there.
const t0 = process.hrtime.bigint();
for (let i = 0; i < 100_000; i++) encodeRacpRequest({ opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'sequence-number', min: i & 0xffff } });
say(`RACP request encodes/s: ${Math.round(100_000 / (Number(process.hrtime.bigint() - t0) / 1e9)).toLocaleString('en')}`);
