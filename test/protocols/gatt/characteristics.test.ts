/**
 * Our own vectors from the Bluetooth SIG layouts (docs/gatt.md): one row per flag branch, one
 * comment per row naming the flag bits. Rows are [hex, expected subset (t.match)].
 */
import t from 'tap';
import { decodeGatt, GattDecodeError, type GattErrorCode } from '../../../protocols/gatt/index.ts';
import { decodeRacpRequest, encodeRacpRequest, type RacpRequest } from '../../../protocols/gatt/record-access-control-point.ts';
import { hex, toHex } from './hex.ts';

type Row = [hex: string, expected: Record<string, unknown>];

/** t.match lets an array pattern match a longer array: every array in `want` must also have `got`'s length. */
function arrayLengthMismatch(got: unknown, want: unknown, path = '$'): string | undefined {
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${path}: ${JSON.stringify(got)} is not ${want.length} long`;
    for (let i = 0; i < want.length; i++) {
      const m = arrayLengthMismatch(got[i], want[i], `${path}[${i}]`);
      if (m) return m;
    }
  } else if (want && typeof want === 'object' && got && typeof got === 'object') {
    for (const [k, w] of Object.entries(want)) {
      const m = arrayLengthMismatch((got as Record<string, unknown>)[k], w, `${path}.${k}`);
      if (m) return m;
    }
  }
  return undefined;
}

function table(name: string, uuid: number, rows: Row[]): void {
  t.test(`${name} 0x${uuid.toString(16).toUpperCase()}`, async (t) => {
    for (const [h, expected] of rows) {
      const got = decodeGatt(uuid, hex(h));
      t.match(got, expected, h);
      t.equal(arrayLengthMismatch(got, expected), undefined, `${h}: arrays have the expected lengths`);
    }
  });
}

function rejects(name: string, uuid: number, rows: [hex: string, code: GattErrorCode][]): void {
  t.test(`${name} 0x${uuid.toString(16).toUpperCase()} rejects bad frames with a coded error`, async (t) => {
    for (const [h, code] of rows) t.throws(() => decodeGatt(uuid, hex(h)), { name: 'GattDecodeError', code }, `${h || '(empty)'} → ${code}`);
  });
}

const r = (metric: string, value: number | null, extra: Record<string, unknown> = {}) => ({ metric, value, ...extra });

table('Heart Rate Measurement', 0x2a37, [
  // flags 0x00: b0=0 uint8 value, b1-2=00 contact not supported, b3=0 no energy, b4=0 no RR
  ['00 48', { heartRate: 72, format: 'uint8', sensorContact: 'not-supported', energyExpended: undefined, rrIntervals: undefined, readings: [r('heart-rate', 72, { unit: '/min', loinc: '8867-4' })] }],
  // flags 0x01: b0=1 uint16 value (300)
  ['01 2C 01', { heartRate: 300, format: 'uint16' }],
  // flags 0x02: b1 alone = contact not supported
  ['02 48', { sensorContact: 'not-supported' }],
  // flags 0x04: b2=1 b1=0 contact supported, not detected
  ['04 48', { sensorContact: 'not-detected' }],
  // flags 0x06: b2=1 b1=1 contact detected
  ['06 48', { sensorContact: 'detected' }],
  // flags 0x08: b3 energy expended 1000 kJ
  ['08 48 E8 03', { energyExpended: 1000, readings: [r('heart-rate', 72), r('energy-expended', 1000, { unit: 'kJ', loinc: null })] }],
  // flags 0x10: b4 one RR interval 1024/1024 s
  ['10 48 00 04', { rrIntervals: [1024], rrIntervalsSeconds: [1], readings: [r('heart-rate', 72), r('rr-interval', 1, { unit: 's' })] }],
  // flags 0x10: b4 two RR intervals, 1 s and 0.5 s, oldest first
  ['10 48 00 04 00 02', { rrIntervals: [1024, 512], rrIntervalsSeconds: [1, 0.5] }],
  // flags 0x1F: b0 uint16, b1-2 detected, b3 energy 65535 (the ceiling), b4 RR 0.75 s
  ['1F 2C 01 FF FF 00 03', { heartRate: 300, sensorContact: 'detected', energyExpended: 65535, rrIntervalsSeconds: [0.75] }],
  // flags 0xE0: b5-7 RFU are ignored
  ['E0 48', { heartRate: 72, sensorContact: 'not-supported' }],
]);
rejects('Heart Rate Measurement', 0x2a37, [
  ['', 'truncated'], // no flags
  ['01 2C', 'truncated'], // b0 uint16 with one byte
  ['08 48 E8', 'truncated'], // b3 energy cut
  ['10 48', 'truncated'], // b4 with no RR at all
  ['10 48 00 04 00', 'truncated'], // b4 last RR cut
  ['00 48 00', 'trailing-bytes'], // no b4, yet a byte follows
]);

const BP = '78 00 50 00 5A 00'; // 120 / 80 / 90 as SFLOAT exponent 0
table('Blood Pressure Measurement', 0x2a35, [
  // flags 0x00: b0=0 mmHg; no timestamp, pulse, user or status
  [`00 ${BP}`, { unit: 'mmHg', timestamp: undefined, pulseRate: undefined, userId: undefined, readings: [r('systolic-bp', 120, { unit: 'mm[Hg]', loinc: '8480-6' }), r('diastolic-bp', 80, { loinc: '8462-4' }), r('mean-bp', 90, { unit: 'mm[Hg]', loinc: '8478-0' })] }],
  // flags 0x01: b0=1 kPa; 18.9 / 11 / 15.9 kPa × 7.50062 = 141.7616 / 82.5068 / 119.2598 mm[Hg] in readings
  ['01 BD F0 0B 00 9F F0', { unit: 'kPa', systolic: { value: 18.9 }, readings: [{ value: 141.761638 }, { value: 82.506773 }, { value: 119.259791 }] }],
  // flags 0x02: b1 timestamp 2024-01-02T03:04:05
  [`02 ${BP} E8 07 01 02 03 04 05`, { timestampIso: '2024-01-02T03:04:05' }],
  // flags 0x04: b2 pulse rate 72 → heart-rate reading
  [`04 ${BP} 48 00`, { pulseRate: { value: 72 }, readings: [{}, {}, {}, r('heart-rate', 72)] }],
  // flags 0x08: b3 user id 3
  [`08 ${BP} 03`, { userId: 3 }],
  // flags 0x10: b4 status 0x0007 body movement + cuff loose + irregular pulse
  [`10 ${BP} 07 00`, { status: { bodyMovement: true, cuffTooLoose: true, irregularPulse: true, pulseRateRange: 'within', improperPosition: false } }],
  // flags 0x10: b4 status bits 3-4 = 01 pulse above upper limit
  [`10 ${BP} 08 00`, { status: { pulseRateRange: 'above-upper' } }],
  // flags 0x10: b4 status bits 3-4 = 11 reserved
  [`10 ${BP} 18 00`, { status: { pulseRateRange: 'reserved' } }],
  // flags 0x10: b4 status bit 5 improper position
  [`10 ${BP} 20 00`, { status: { improperPosition: true, bodyMovement: false } }],
  // flags 0x00 with NaN, NRes, +INF pressures: null readings with reasons, never numbers
  ['00 FF 07 00 08 FE 07', { systolic: { kind: 'nan' }, readings: [r('systolic-bp', null, { reason: 'nan' }), r('diastolic-bp', null, { reason: 'nres' }), r('mean-bp', null, { reason: '+inf' })] }],
  // flags 0x1F: every optional field, kPa
  ['1F BD F0 0B 00 9F F0 E8 07 01 02 03 04 05 48 00 FF 01 00', { unit: 'kPa', timestampIso: '2024-01-02T03:04:05', userId: 255, measurementStatus: 1 }],
]);
rejects('Blood Pressure Measurement', 0x2a35, [
  ['00 78 00 50 00 5A', 'truncated'], // MAP cut
  [`02 ${BP} E8 07 01`, 'truncated'], // b1 timestamp cut
  [`02 ${BP} E8 07 0D 02 03 04 05`, 'out-of-range'], // b1 timestamp month 13
  [`02 ${BP} E8 07 01 02 18 04 05`, 'out-of-range'], // b1 timestamp hour 24
  [`02 ${BP} 10 00 01 02 03 04 05`, 'out-of-range'], // b1 timestamp year 16
  [`00 ${BP} 00`, 'trailing-bytes'], // nothing flagged, a byte follows
]);

table('Intermediate Cuff Pressure', 0x2a36, [
  // flags 0x00: mmHg, current cuff pressure 100 in the systolic field, diastolic/MAP NaN; no readings
  ['00 64 00 FF 07 FF 07', { unit: 'mmHg', cuffPressure: { value: 100 }, readings: [] }],
  // flags 0x05: b0 kPa, b2 pulse rate 70
  ['05 85 F0 FF 07 FF 07 46 00', { unit: 'kPa', cuffPressure: { value: 13.3 }, pulseRate: { value: 70 }, readings: [] }],
  // flags 0x18: b3 user 1, b4 status body movement
  ['18 64 00 FF 07 FF 07 01 01 00', { userId: 1, status: { bodyMovement: true } }],
]);

table('Temperature Measurement', 0x2a1c, [
  // flags 0x00: b0=0 Celsius, 370 × 10^-1
  ['00 72 01 00 FF', { unit: 'Cel', temperature: { value: 37 }, readings: [r('body-temperature', 37, { unit: 'Cel', loinc: '8310-5' })] }],
  // flags 0x01: b0=1 Fahrenheit 98.6 → 37 Cel in the reading
  ['01 DA 03 00 FF', { unit: '[degF]', temperature: { value: 98.6 }, readings: [{ value: 37 }] }],
  // flags 0x02: b1 timestamp 2024-12-31T23:59:59
  ['02 72 01 00 FF E8 07 0C 1F 17 3B 3B', { timestampIso: '2024-12-31T23:59:59', temperatureType: undefined }],
  // flags 0x04: b2 temperature type 1 armpit
  ['04 72 01 00 FF 01', { temperatureType: 1, temperatureTypeName: 'armpit' }],
  // flags 0x04: b2 temperature type 0 is reserved
  ['04 72 01 00 FF 00', { temperatureType: 0, temperatureTypeName: 'reserved' }],
  // flags 0x00: FLOAT NaN → null reading
  ['00 FF FF 7F 00', { temperature: { kind: 'nan' }, readings: [r('body-temperature', null, { reason: 'nan' })] }],
  // flags 0x00: FLOAT -INF
  ['00 02 00 80 00', { readings: [r('body-temperature', null, { reason: '-inf' })] }],
]);
rejects('Temperature Measurement', 0x2a1c, [
  ['00 72 01 00', 'truncated'], // FLOAT cut
  ['06 72 01 00 FF E8 07 0C 1F 17 3B 3B', 'truncated'], // b2 type missing after b1 timestamp
  ['00 72 01 00 FF 01', 'trailing-bytes'], // type sent without b2
]);

table('Temperature Type', 0x2a1d, [
  ['02', { temperatureType: 2, temperatureTypeName: 'body' }], // body (general)
  ['09', { temperatureTypeName: 'tympanum' }], // last defined code
  ['0A', { temperatureTypeName: 'reserved' }], // first reserved code
]);
rejects('Temperature Type', 0x2a1d, [['', 'truncated'], ['02 00', 'trailing-bytes']]);

table('PLX Spot-Check Measurement', 0x2a5e, [
  // flags 0x00: SpO2 98, PR 72 only
  ['00 62 00 48 00', { deviceClockNotSet: false, timestamp: undefined, readings: [r('spo2', 98, { unit: '%', loinc: '59408-5' }), r('heart-rate', 72)] }],
  // flags 0x01: b0 timestamp
  ['01 62 00 48 00 E8 07 01 02 03 04 05', { timestampIso: '2024-01-02T03:04:05' }],
  // flags 0x02: b1 measurement status 0x8000 invalid measurement
  ['02 62 00 48 00 00 80', { measurementStatus: 0x8000, measurementStatusNames: ['invalid-measurement-detected'] }],
  // flags 0x04: b2 device and sensor status 0x008000 sensor disconnected
  ['04 62 00 48 00 00 80 00', { deviceAndSensorStatus: 0x8000, deviceAndSensorStatusNames: ['sensor-disconnected'] }],
  // flags 0x08: b3 pulse amplitude index 5.0 %
  ['08 62 00 48 00 32 F0', { pulseAmplitudeIndex: { value: 5 }, readings: [{}, {}, r('pulse-amplitude-index', 5, { unit: '%', loinc: null })] }],
  // flags 0x10: b4 device clock is not set
  ['10 62 00 48 00', { deviceClockNotSet: true }],
  // flags 0x00: finger out → NaN SpO2 and PR, no numbers
  ['00 FF 07 FF 07', { readings: [r('spo2', null, { reason: 'nan' }), r('heart-rate', null, { reason: 'nan' })] }],
]);
rejects('PLX Spot-Check Measurement', 0x2a5e, [
  ['00 62 00 48', 'truncated'],
  ['04 62 00 48 00 00 80', 'truncated'], // b2 uint24 cut
  ['00 62 00 48 00 00', 'trailing-bytes'],
]);

table('PLX Continuous Measurement', 0x2a5f, [
  // flags 0x00: SpO2PR-Normal only
  ['00 61 00 4B 00', { spo2: { value: 97 }, fast: undefined, slow: undefined, readings: [r('spo2', 97), r('heart-rate', 75)] }],
  // flags 0x01: b0 SpO2PR-Fast 96 / 76
  ['01 61 00 4B 00 60 00 4C 00', { fast: { spo2: { value: 96 }, pulseRate: { value: 76 } }, readings: [{}, {}, r('spo2', 96, { variant: 'fast' }), r('heart-rate', 76, { variant: 'fast' })] }],
  // flags 0x02: b1 SpO2PR-Slow 98 / 74
  ['02 61 00 4B 00 62 00 4A 00', { fast: undefined, slow: { spo2: { value: 98 } }, readings: [{}, {}, r('spo2', 98, { variant: 'slow' }), r('heart-rate', 74, { variant: 'slow' })] }],
  // flags 0x04: b2 measurement status 0x2000 measurement unavailable
  ['04 61 00 4B 00 00 20', { measurementStatusNames: ['measurement-unavailable'] }],
  // flags 0x08: b3 device and sensor status 0x000020 low perfusion
  ['08 61 00 4B 00 20 00 00', { deviceAndSensorStatusNames: ['low-perfusion-detected'] }],
  // flags 0x10: b4 pulse amplitude index 1.2 %
  ['10 61 00 4B 00 0C F0', { pulseAmplitudeIndex: { value: 1.2 } }],
]);
rejects('PLX Continuous Measurement', 0x2a5f, [
  ['03 61 00 4B 00 60 00 4C 00', 'truncated'], // b0+b1 but slow missing
  ['10 61 00 4B 00', 'truncated'], // b4 PAI missing
]);

table('PLX Features', 0x2a60, [
  // features 0x0000: nothing optional follows
  ['00 00', { supportedFeatureNames: [], measurementStatusSupport: undefined, deviceAndSensorStatusSupport: undefined }],
  // features b0: measurement status support 0xFFE0 (all eleven defined bits)
  ['01 00 E0 FF', { measurementStatusSupport: 0xffe0, measurementStatusSupportNames: { length: 11 } }],
  // features b1: device and sensor status support 0x00FFFF (all sixteen defined bits)
  ['02 00 FF FF 00', { deviceAndSensorStatusSupport: 0xffff, deviceAndSensorStatusSupportNames: { length: 16 } }],
  // features b2-b6: storage, spot-check timestamp, fast, slow, PAI (no support fields)
  ['7C 00', { supportedFeatureNames: ['measurement-storage-for-spot-check', 'timestamp-for-spot-check', 'spo2pr-fast', 'spo2pr-slow', 'pulse-amplitude-index'] }],
]);
rejects('PLX Features', 0x2a60, [['01 00 E0', 'truncated'], ['03 00 00 00 00 00', 'truncated'], ['00 00 00', 'trailing-bytes']]);

table('Weight Measurement', 0x2a9d, [
  // flags 0x00: SI, 0xFFFF = measurement unsuccessful → null with reason
  ['00 FF FF', { weight: null, readings: [r('body-weight', null, { reason: 'unsuccessful', unit: 'kg', loinc: '29463-7' })] }],
  // flags 0x01: b0 imperial 10000 × 0.01 lb = 100 lb → 45.359237 kg
  ['01 10 27', { weight: 100, weightUnit: '[lb_av]', readings: [r('body-weight', 45.359237)] }],
  // flags 0x02: b1 timestamp
  ['02 B0 36 E8 07 01 02 03 04 05', { weight: 70, timestampIso: '2024-01-02T03:04:05' }],
  // flags 0x04: b2 user id 0xFF (unknown user)
  ['04 B0 36 FF', { userId: 255 }],
  // flags 0x09: b0 imperial + b3 BMI 24.5 and height 68.0 in → 172.72 cm
  ['09 10 27 F5 00 A8 02', { bmi: 24.5, height: 68, heightUnit: '[in_i]', readings: [{}, r('bmi', 24.5, { unit: 'kg/m2', loinc: '39156-5' }), r('body-height', 172.72, { unit: 'cm', loinc: '8302-2' })] }],
]);
rejects('Weight Measurement', 0x2a9d, [
  ['08 B0 36 F5 00', 'truncated'], // b3 BMI without height
  ['00 B0 36 00', 'trailing-bytes'],
]);

const BASE = 'E8 07 01 02 03 04 05'; // 2024-01-02T03:04:05
table('Glucose Measurement', 0x2a18, [
  // flags 0x00: sequence and base time only; no concentration, no reading
  [`00 01 00 ${BASE}`, { sequenceNumber: 1, baseTimeIso: '2024-01-02T03:04:05', effectiveTimeIso: '2024-01-02T03:04:05', concentration: undefined, contextInformationFollows: false, readings: [] }],
  // flags 0x01: b0 time offset +60 min
  [`01 02 00 ${BASE} 3C 00`, { timeOffset: 60, effectiveTimeIso: '2024-01-02T04:04:05' }],
  // flags 0x01: b0 time offset -240 min crosses midnight backwards
  [`01 02 00 ${BASE} 10 FF`, { timeOffset: -240, effectiveTimeIso: '2024-01-01T23:04:05' }],
  // flags 0x02: b1 concentration 92 × 10^-5 kg/L = 92 mg/dL, type 1 capillary whole blood, location 1 finger
  [`02 03 00 ${BASE} 5C B0 11`, { concentration: { unit: 'kg/L', type: 1, sampleLocation: 1 }, typeName: 'capillary-whole-blood', sampleLocationName: 'finger', readings: [r('glucose', 92, { unit: 'mg/dL', loinc: '2339-0' })] }],
  // flags 0x06: b1 + b2 mol/L: 51 × 10^-4 mol/L = 5.1 mmol/L, type 9 ISF, location 15 not available
  [`06 04 00 ${BASE} 33 C0 F9`, { concentration: { unit: 'mol/L' }, typeName: 'interstitial-fluid', sampleLocationName: 'not-available', readings: [r('glucose-molar', 5.1, { unit: 'mmol/L', loinc: '15074-8' })] }],
  // flags 0x04: b2 alone means nothing without b1: no concentration follows
  [`04 05 00 ${BASE}`, { concentration: undefined, readings: [] }],
  // flags 0x02: type 10 control solution, location 4: the meter's check, no reading for the resident
  [`02 06 00 ${BASE} 5C B0 4A`, { typeName: 'control-solution', sampleLocationName: 'control-solution', readings: [] }],
  // flags 0x02: concentration NRes → null reading with reason
  [`02 07 00 ${BASE} 00 08 11`, { readings: [r('glucose', null, { reason: 'nres' })] }],
  // flags 0x08: b3 sensor status 0x0060 result above and below device range (bits 5, 6)
  [`08 08 00 ${BASE} 60 00`, { sensorStatus: 0x60, sensorStatusNames: ['result-higher-than-device-can-process', 'result-lower-than-device-can-process'] }],
  // flags 0x10: b4 context information follows
  [`10 09 00 ${BASE}`, { contextInformationFollows: true }],
]);
rejects('Glucose Measurement', 0x2a18, [
  [`01 01 00 ${BASE}`, 'truncated'], // b0 offset missing
  [`02 01 00 ${BASE} 5C B0`, 'truncated'], // b1 type/location missing
  [`00 01 00 ${BASE} 00`, 'trailing-bytes'],
]);

table('Record Access Control Point (responses)', 0x2a52, [
  // op 5 number of stored records, operator Null, count 10
  ['05 00 0A 00', { opCode: 'number-of-stored-records-response', count: 10 }],
  // op 6 response code: request op 1 → success
  ['06 00 01 01', { opCode: 'response-code', requestOpCode: 1, requestOpCodeName: 'report-stored-records', responseCodeName: 'success' }],
  // op 6 response code: request op 1 → no records found
  ['06 00 01 06', { responseCodeName: 'no-records-found' }],
  // op 6 response code: request op 3 abort → abort unsuccessful
  ['06 00 03 07', { requestOpCodeName: 'abort-operation', responseCodeName: 'abort-unsuccessful' }],
]);
rejects('Record Access Control Point (responses)', 0x2a52, [
  ['06 01 01 01', 'out-of-range'], // a response with a non-Null operator
  ['07 00', 'unknown-op-code'],
  ['05 00 0A', 'truncated'],
  ['06 00 01 01 00', 'trailing-bytes'],
]);

t.test('Record Access Control Point requests encode as GLS lays them out and decode back', async (t) => {
  const TIME = { year: 2024, month: 1, day: 2, hours: 3, minutes: 4, seconds: 5 };
  const rows: [RacpRequest, string][] = [
    [{ opCode: 'report-stored-records', operator: 'all' }, '01 01'],
    [{ opCode: 'report-number-of-stored-records', operator: 'all' }, '04 01'],
    [{ opCode: 'delete-stored-records', operator: 'all' }, '02 01'],
    [{ opCode: 'abort-operation' }, '03 00'],
    [{ opCode: 'report-stored-records', operator: 'first' }, '01 05'],
    [{ opCode: 'report-stored-records', operator: 'last' }, '01 06'],
    [{ opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'sequence-number', min: 5 } }, '01 03 01 05 00'],
    [{ opCode: 'report-stored-records', operator: 'less-or-equal', filter: { type: 'sequence-number', max: 9 } }, '01 02 01 09 00'],
    [{ opCode: 'report-stored-records', operator: 'within-range', filter: { type: 'sequence-number', min: 3, max: 7 } }, '01 04 01 03 00 07 00'],
    [{ opCode: 'report-stored-records', operator: 'greater-or-equal', filter: { type: 'user-facing-time', min: TIME } }, `01 03 02 ${BASE}`],
  ];
  for (const [req, h] of rows) {
    t.equal(toHex(encodeRacpRequest(req)), h, JSON.stringify(req));
    t.same(decodeRacpRequest(hex(h)), req, `${h} decodes back`);
  }
  t.throws(() => encodeRacpRequest({ opCode: 'report-stored-records', operator: 'within-range', filter: { type: 'sequence-number', min: 3 } }), { code: 'out-of-range' });
  t.throws(() => decodeRacpRequest(hex('01 00')), { code: 'unknown-op-code' }, 'Null operator on a record request');
  t.throws(() => decodeRacpRequest(hex('01 03 03 05 00')), { code: 'out-of-range' }, 'unknown filter type');
});

table('Battery Level', 0x2a19, [
  ['64', { level: 100, readings: [] }], // 100 %
  ['00', { level: 0 }], // empty
]);
rejects('Battery Level', 0x2a19, [['65', 'out-of-range'], ['', 'truncated'], ['32 00', 'trailing-bytes']]);

table('Current Time', 0x2a2b, [
  // 2024-12-24 17:30:00, Tuesday, 128/256 s, adjust reason b0 manual update
  ['E8 07 0C 18 11 1E 00 02 80 01', { iso: '2024-12-24T17:30:00', dayOfWeekName: 'tuesday', fractions256: 128, adjustReasonNames: ['manual-time-update'] }],
  // unknown day of week, adjust reasons b1-b3 (external reference, time zone, DST)
  ['E8 07 0C 18 11 1E 00 00 00 0E', { dayOfWeek: null, adjustReasonNames: ['external-reference-time-update', 'change-of-time-zone', 'change-of-dst'] }],
]);
rejects('Current Time', 0x2a2b, [['E8 07 0C 18 11 1E 00 08 00 00', 'out-of-range'], ['E8 07 0C 18 11 1E 00 02 80', 'truncated']]);

table('Date Time', 0x2a08, [
  ['E8 07 0C 18 11 1E 00', { year: 2024, month: 12, day: 24, iso: '2024-12-24T17:30:00' }],
  // all zero: year, month and day not known
  ['00 00 00 00 00 00 00', { year: null, month: null, day: null, iso: null }],
]);
rejects('Date Time', 0x2a08, [['E8 07 0C 18 18 00 00', 'out-of-range'], ['E8 07 0C 18 11 3C 00', 'out-of-range'], ['E8 07 0C 20 11 00 00', 'out-of-range']]);

t.test('an unknown UUID is a coded error', async (t) => {
  t.throws(() => decodeGatt(0x2a00, hex('00')), { name: 'GattDecodeError', code: 'unknown-characteristic' });
  t.throws(() => decodeGatt('zz', hex('00')), GattDecodeError);
});
