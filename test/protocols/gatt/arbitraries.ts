/**
 * fast-check arbitraries over each GATT codec's value space, special values included. Shared by
 * the round-trip and fuzz tests (and usable by the firmware simulator's tests). Keyed by UUID.
 */
import fc from 'fast-check';
import type { DateTime } from '../../../protocols/gatt/bytes.ts';
import { medNumber, type MedFloat } from '../../../protocols/gatt/ieee11073.ts';

const SPECIALS: MedFloat[] = [{ kind: 'nan' }, { kind: 'nres' }, { kind: '+inf' }, { kind: '-inf' }, { kind: 'reserved' }];

export const sfloatArb: fc.Arbitrary<MedFloat> = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc
    .record({ mantissa: fc.integer({ min: -2048, max: 2047 }), exponent: fc.integer({ min: -8, max: 7 }) })
    .filter(({ mantissa, exponent }) => exponent !== 0 || (mantissa > -2046 && mantissa < 2046))
    .map(({ mantissa, exponent }) => medNumber(mantissa, exponent)),
);

export const floatArb: fc.Arbitrary<MedFloat> = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc
    .record({ mantissa: fc.integer({ min: -8388608, max: 8388607 }), exponent: fc.integer({ min: -128, max: 127 }) })
    .filter(({ mantissa, exponent }) => exponent !== 0 || (mantissa > -8388606 && mantissa < 8388606))
    .map(({ mantissa, exponent }) => medNumber(mantissa, exponent)),
);

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const orNull = (a: fc.Arbitrary<number>) => fc.oneof(fc.constant(null), a);

export const dateTimeArb: fc.Arbitrary<DateTime> = fc.record({
  year: orNull(fc.integer({ min: 1582, max: 9999 })),
  month: orNull(fc.integer({ min: 1, max: 12 })),
  day: orNull(fc.integer({ min: 1, max: 31 })),
  hours: fc.integer({ min: 0, max: 23 }),
  minutes: fc.integer({ min: 0, max: 59 }),
  seconds: fc.integer({ min: 0, max: 59 }),
});

/** A record whose optional keys are absent (not undefined) when not drawn: flags follow presence. */
const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[]) => fc.record(model, { requiredKeys: required as never });

const pressureExtras = { timestamp: dateTimeArb, pulseRate: sfloatArb, userId: u8, measurementStatus: u16 };
const spo2pr = fc.record({ spo2: sfloatArb, pulseRate: sfloatArb });

/** Arbitrary decoded-value inputs per characteristic UUID. */
export const VALUE_ARBITRARIES: ReadonlyMap<number, fc.Arbitrary<Record<string, unknown>>> = new Map<number, fc.Arbitrary<Record<string, unknown>>>([
  [
    0x2a37,
    fc.constantFrom('uint8' as const, 'uint16' as const).chain((format) =>
      rec(
        {
          format: fc.constant(format),
          heartRate: format === 'uint8' ? u8 : u16,
          sensorContact: fc.constantFrom('not-supported', 'not-detected', 'detected'),
          energyExpended: u16,
          rrIntervals: fc.array(u16, { minLength: 1, maxLength: 9 }),
        },
        ['format', 'heartRate', 'sensorContact'],
      ),
    ),
  ],
  [0x2a35, rec({ unit: fc.constantFrom('mmHg', 'kPa'), systolic: sfloatArb, diastolic: sfloatArb, meanArterialPressure: sfloatArb, ...pressureExtras }, ['unit', 'systolic', 'diastolic', 'meanArterialPressure'])],
  [0x2a36, rec({ unit: fc.constantFrom('mmHg', 'kPa'), cuffPressure: sfloatArb, ...pressureExtras }, ['unit', 'cuffPressure'])],
  [0x2a1c, rec({ unit: fc.constantFrom('Cel', '[degF]'), temperature: floatArb, timestamp: dateTimeArb, temperatureType: u8 }, ['unit', 'temperature'])],
  [0x2a1d, fc.record({ temperatureType: u8 })],
  [
    0x2a5e,
    rec(
      { spo2: sfloatArb, pulseRate: sfloatArb, timestamp: dateTimeArb, measurementStatus: u16, deviceAndSensorStatus: u24, pulseAmplitudeIndex: sfloatArb, deviceClockNotSet: fc.boolean() },
      ['spo2', 'pulseRate', 'deviceClockNotSet'],
    ),
  ],
  [0x2a5f, rec({ spo2: sfloatArb, pulseRate: sfloatArb, fast: spo2pr, slow: spo2pr, measurementStatus: u16, deviceAndSensorStatus: u24, pulseAmplitudeIndex: sfloatArb }, ['spo2', 'pulseRate'])],
  // Supported Features b0/b1 announce the two optional fields: they follow the fields' presence.
  [
    0x2a60,
    rec({ supportedFeatures: u16, measurementStatusSupport: u16, deviceAndSensorStatusSupport: u24 }, ['supportedFeatures']).map((v) => ({
      ...v,
      supportedFeatures: ((v.supportedFeatures as number) & ~0b11) | ('measurementStatusSupport' in v ? 1 : 0) | ('deviceAndSensorStatusSupport' in v ? 2 : 0),
    })),
  ],
  [
    0x2a9d,
    fc.constantFrom('SI' as const, 'imperial' as const).chain((units) =>
      fc
        .record(
          {
            weight: orNull(fc.integer({ min: 0, max: 0xfffe }).map((raw) => (units === 'SI' ? (raw * 5) / 1000 : raw / 100))),
            timestamp: dateTimeArb,
            userId: u8,
            bmiHeight: fc.tuple(u16.map((raw) => raw / 10), u16.map((raw) => (units === 'SI' ? raw / 1000 : raw / 10))),
          },
          { requiredKeys: ['weight'] },
        )
        .map(({ bmiHeight, ...rest }) => ({ units, ...rest, ...(bmiHeight ? { bmi: bmiHeight[0], height: bmiHeight[1] } : {}) })),
    ),
  ],
  [
    0x2a18,
    rec(
      {
        sequenceNumber: u16,
        baseTime: dateTimeArb,
        timeOffset: fc.integer({ min: -0x8000, max: 0x7fff }),
        concentration: fc.record({ unit: fc.constantFrom('kg/L', 'mol/L'), value: sfloatArb, type: fc.integer({ min: 0, max: 15 }), sampleLocation: fc.integer({ min: 0, max: 15 }) }),
        sensorStatus: u16,
        contextInformationFollows: fc.boolean(),
      },
      ['sequenceNumber', 'baseTime', 'contextInformationFollows'],
    ),
  ],
  [
    0x2a52,
    fc.oneof(
      fc.record({ opCode: fc.constant('number-of-stored-records-response'), count: u16 }),
      fc.record({ opCode: fc.constant('response-code'), requestOpCode: u8, responseCode: u8 }),
    ),
  ],
  [0x2a19, fc.record({ level: fc.integer({ min: 0, max: 100 }) })],
  [0x2a2b, fc.record({ dateTime: dateTimeArb, dayOfWeek: orNull(fc.integer({ min: 1, max: 7 })), fractions256: u8, adjustReason: u8 })],
  [0x2a08, dateTimeArb as unknown as fc.Arbitrary<Record<string, unknown>>],
]);
