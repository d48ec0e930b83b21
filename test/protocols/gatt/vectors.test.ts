/**
 * The 52 shared real-world GATT vectors (../shared/data/gatt/vectors.json, read in place): each
 * valid vector decodes to the values beside it, each `valid: false` vector is rejected with a
 * GattDecodeError, and each non-conformant claim (a library's biased SFLOAT/FLOAT exponent) is
 * NOT what a conformant decoder yields.
 */
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeGatt, GattDecodeError } from '../../../protocols/gatt/index.ts';
import { decodeFloat, decodeSfloat, type MedFloat } from '../../../protocols/gatt/ieee11073.ts';
import { requireForFile } from '../../support/requirements.ts';
import { hex } from './hex.ts';

const VECTORS = fileURLToPath(new URL('../../../../shared/data/gatt/vectors.json', import.meta.url));

interface Vector {
  id: string;
  uuid: string | null;
  kind: 'characteristic' | 'sfloat' | 'float' | 'nonconformant-example';
  hex: string;
  valid: boolean | null;
  expected: Record<string, any>;
}

const kebab = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-');
const hexNum = (s: string) => Number.parseInt(s, 16);
const num = (m: MedFloat | undefined) => (m && m.kind === 'number' ? m.value : m?.kind);
const le = (b: Uint8Array) => b.reduce((acc, x, i) => acc + x * 2 ** (8 * i), 0);

/** "2012-12-05T11:50:27" or Nordic's object with "0 = unknown" → our DateTime. */
function expectedTime(e: unknown) {
  if (e === null || e === undefined) return undefined;
  if (typeof e === 'string') {
    const [y, mo, d, h, mi, s] = e.split(/[-T:]/).map(Number);
    return { year: y, month: mo, day: d, hours: h, minutes: mi, seconds: s };
  }
  const o = e as Record<string, number | string>;
  const known = (v: number | string) => (typeof v === 'number' ? v : null);
  return { year: known(o.year!), month: known(o.month!), day: known(o.day!), hours: o.hour, minutes: o.minute, seconds: o.second };
}

function sensorContact(text: string): string {
  if (text.startsWith('not supported')) return 'not-supported';
  if (text.startsWith('supported, not detected')) return 'not-detected';
  if (text === 'detected') return 'detected';
  throw new Error(`unmapped sensor contact ${text}`);
}

function pulseRange(text: string): string {
  const m = /bits3-4 = (\d\d)/.exec(text);
  if (!m) throw new Error(`unmapped pulse range ${text}`);
  return ['within', 'above-upper', 'below-lower', 'reserved'][Number.parseInt(m[1]!, 2)]!;
}

function specialFromMeaning(meaning: string, decoded: string): MedFloat['kind'] | number {
  if (/^NaN/.test(meaning)) return 'nan';
  if (/^NRes/.test(meaning)) return 'nres';
  if (/^\+INF/.test(meaning)) return '+inf';
  if (/^-INF/.test(meaning)) return '-inf';
  if (/^Reserved/.test(meaning)) return 'reserved';
  return Number(decoded);
}

/** Compare what each source asserted with our decoding, field by field (only the fields the source states). */
function checkCharacteristic(t: Test, v: Vector, out: any): void {
  const e = v.expected;
  switch (v.uuid) {
    case '0x2A37':
      t.equal(out.heartRate, e.heart_rate_bpm, 'heart rate');
      t.equal(out.sensorContact, sensorContact(e.sensor_contact), 'sensor contact');
      if ('energy_expended_kJ' in e) t.equal(out.energyExpended, e.energy_expended_kJ ?? undefined, 'energy expended');
      if ('rr_intervals_raw_1_1024s' in e) t.same(out.rrIntervals ?? [], e.rr_intervals_raw_1_1024s, 'raw RR');
      if ('rr_intervals_s' in e) t.same(out.rrIntervalsSeconds ?? [], e.rr_intervals_s, 'RR in seconds');
      t.equal(out.readings[0].value, e.heart_rate_bpm, 'heart-rate reading');
      return;
    case '0x2A35':
      t.equal(out.unit, e.unit, 'unit');
      t.equal(num(out.systolic), e.systolic, 'systolic');
      t.equal(num(out.diastolic), e.diastolic, 'diastolic');
      t.equal(num(out.meanArterialPressure), e.mean_arterial_pressure, 'MAP');
      t.same(out.timestamp, expectedTime(e.timestamp), 'timestamp');
      t.equal(num(out.pulseRate), e.pulse_rate_bpm ?? undefined, 'pulse rate');
      t.equal(out.userId, e.user_id ?? undefined, 'user id');
      if (e.measurement_status) {
        t.equal(out.measurementStatus, hexNum(e.measurement_status_raw), 'status raw');
        t.same(out.status, {
          bodyMovement: e.measurement_status.body_movement_detected,
          cuffTooLoose: e.measurement_status.cuff_too_loose,
          irregularPulse: e.measurement_status.irregular_pulse_detected,
          pulseRateRange: pulseRange(e.measurement_status.pulse_rate_range),
          improperPosition: e.measurement_status.improper_measurement_position,
        }, 'status bits');
      } else t.equal(out.measurementStatus, undefined, 'no status');
      return;
    case '0x2A1C':
      t.equal(out.unit, e.unit === 'Celsius' ? 'Cel' : '[degF]', 'unit');
      t.equal(num(out.temperature), e.temperature, 'temperature');
      t.equal(out.timestampIso, e.timestamp, 'timestamp');
      t.equal(out.temperatureType, e.temperature_type, 'type');
      t.equal(out.temperatureTypeName, kebab(e.temperature_type_name), 'type name');
      t.same(out.readings, [{ metric: 'body-temperature', value: e.temperature, unit: 'Cel', loinc: '8310-5' }], 'reading');
      return;
    case '0x2A18': {
      t.equal(out.sequenceNumber, e.sequence_number, 'sequence');
      t.equal(out.baseTimeIso, e.base_time, 'base time');
      t.equal(out.timeOffset, e.time_offset_min, 'offset');
      t.equal(out.effectiveTimeIso, e.effective_time, 'effective time');
      t.equal(out.concentration.unit, e.concentration_unit, 'unit');
      t.equal(num(out.concentration.value), e.glucose_concentration, 'concentration');
      t.equal(out.concentration.type, e.type, 'type');
      t.equal(out.typeName, kebab(e.type_name), 'type name');
      t.equal(out.concentration.sampleLocation, e.sample_location, 'location');
      t.equal(out.sampleLocationName, kebab(e.sample_location_name), 'location name');
      t.equal(out.sensorStatus, hexNum(e.sensor_status_raw), 'status raw');
      const names: string[] = out.sensorStatusNames;
      t.equal(names.includes('device-battery-low'), e.sensor_status.device_battery_low, 'battery low');
      t.equal(names.includes('sample-size-insufficient'), e.sensor_status.sample_size_insufficient, 'sample size');
      t.equal(names.includes('sensor-temperature-too-low'), e.sensor_status.sensor_temperature_too_low, 'temperature too low');
      t.equal(names.includes('general-device-fault'), e.sensor_status.general_device_fault, 'device fault');
      t.equal(out.contextInformationFollows, e.context_information_follows, 'context follows');
      return;
    }
    case '0x2A5F':
    case '0x2A5E':
      if ('flags' in e) t.equal(out.flags, hexNum(e.flags), 'flags');
      t.equal(num(out.spo2), e.spo2_percent, 'SpO2');
      t.equal(num(out.pulseRate), e.pulse_rate_bpm, 'PR');
      if ('spo2_fast' in e) t.same([num(out.fast.spo2), num(out.fast.pulseRate)], [e.spo2_fast, e.pulse_rate_fast], 'fast');
      if ('spo2_slow' in e) t.same([num(out.slow.spo2), num(out.slow.pulseRate)], [e.spo2_slow, e.pulse_rate_slow], 'slow');
      if ('timestamp' in e) t.equal(out.timestampIso, e.timestamp, 'timestamp');
      if ('measurement_status_raw' in e) t.equal(out.measurementStatus, hexNum(e.measurement_status_raw), 'status raw');
      if ('measurement_status' in e) t.same(out.measurementStatusNames, e.measurement_status.map(kebab), 'status names');
      if ('device_and_sensor_status_raw' in e) t.equal(out.deviceAndSensorStatus, hexNum(e.device_and_sensor_status_raw), 'device status raw');
      if ('device_and_sensor_status' in e) t.same(out.deviceAndSensorStatusNames, e.device_and_sensor_status.map(kebab), 'device status names');
      if ('pulse_amplitude_index_percent' in e) t.equal(num(out.pulseAmplitudeIndex), e.pulse_amplitude_index_percent, 'PAI');
      t.match(out.readings.slice(0, 2), [{ metric: 'spo2', value: e.spo2_percent, unit: '%', loinc: '59408-5' }, { metric: 'heart-rate', value: e.pulse_rate_bpm }], 'readings');
      return;
    case '0x2A60':
      t.equal(out.supportedFeatures, hexNum(e.supported_features_raw), 'features');
      t.equal(out.measurementStatusSupport, hexNum(e.measurement_status_support_raw), 'status support');
      t.equal(out.deviceAndSensorStatusSupport, hexNum(e.device_and_sensor_status_support_raw), 'device status support');
      return;
    case '0x2A9D':
      t.equal(out.weightUnit, e.unit === 'kg' ? 'kg' : '[lb_av]', 'unit');
      t.equal(out.weight, e.weight, 'weight');
      if ('timestamp' in e) t.equal(out.timestampIso, e.timestamp, 'timestamp');
      t.equal(out.userId, e.user_id, 'user id');
      t.equal(out.bmi, e.bmi, 'BMI');
      t.equal(out.height, e.height_m ?? e.height_in, 'height');
      return;
    default:
      t.fail(`no checker for ${v.uuid}`);
  }
}

if (requireForFile('the shared GATT vectors (../shared/data/gatt/vectors.json)', existsSync(VECTORS), 'the shared test data folder next to the repository')) {
  const vectors = JSON.parse(readFileSync(VECTORS, 'utf8')) as Vector[];

  t.test('all 52 vectors are read', async (t) => {
    t.equal(vectors.length, 52);
    t.equal(new Set(vectors.map((v) => v.id)).size, 52, 'unique ids');
  });

  for (const v of vectors) {
    t.test(`${v.id}: ${v.hex}`, async (t) => {
      const bytes = hex(v.hex);
      if (v.kind === 'sfloat' || v.kind === 'float') {
        const got = v.kind === 'sfloat' ? decodeSfloat(le(bytes)) : decodeFloat(le(bytes));
        const want = specialFromMeaning(v.expected.meaning, v.expected.decoded);
        if (typeof want === 'number') {
          const [, exponent, mantissa] = /exponent (-?\d+).*mantissa (\d+)/.exec(v.expected.meaning)!;
          t.same(got, { kind: 'number', value: want, mantissa: Number(mantissa), exponent: Number(exponent) }, `${want} = ${mantissa} × 10^${exponent}`);
        }
        else t.same(got, { kind: want }, `decoded as ${want}, never as a number`);
        return;
      }
      if (v.kind === 'nonconformant-example') {
        // The claim comes from a biased exponent (+8 / +128). Per IEEE 11073 the exponent is two's
        // complement: we must yield the value the file computes, and never the claimed one.
        const ieee = Number(/-?\d+(?:\.\d+)?e[-+]?\d+/.exec(String(v.expected.per_IEEE_11073_two_complement_exponent))![0]);
        const claimed = Number(/-?\d+(?:\.\d+)?/.exec(String(v.expected.what_the_source_test_claims))![0]);
        let got: number | string | undefined;
        if (v.uuid === null) got = num(bytes.length === 2 ? decodeSfloat(le(bytes)) : decodeFloat(le(bytes)));
        else {
          const out: any = decodeGatt(v.uuid, bytes);
          got = num(out.systolic ?? out.temperature);
        }
        t.type(got, 'number');
        t.not(got, claimed, `not the claimed ${claimed}`);
        t.ok(Math.abs((got as number) - ieee) <= Math.abs(ieee) * 1e-12, `the IEEE 11073 value ${ieee} (got ${got})`);
        return;
      }
      if (v.valid === false) {
        t.throws(() => decodeGatt(v.uuid!, bytes), GattDecodeError, v.expected.error);
        return;
      }
      checkCharacteristic(t, v, decodeGatt(v.uuid!, bytes));
    });
  }
}
