/**
 * IEEE 11073-20601 SFLOAT and FLOAT: signed exponent and mantissa, every special value as its own
 * kind, exact encode/decode over the whole 16-bit space and a fast-check sweep of the 32-bit one.
 */
import t from 'tap';
import fc from 'fast-check';
import { decodeFloat, decodeSfloat, encodeFloat, encodeSfloat, medNumber, toMedNumber, type MedFloat } from '../../../protocols/gatt/ieee11073.ts';
import { GattEncodeError } from '../../../protocols/gatt/errors.ts';

t.test('SFLOAT words (raw 16-bit, big-endian as written here)', async (t) => {
  const rows: [number, MedFloat | { kind: 'number'; value: number; mantissa: number; exponent: number }][] = [
    [0x07ff, { kind: 'nan' }], // exponent 0, mantissa +2047
    [0x0800, { kind: 'nres' }], // exponent 0, mantissa -2048
    [0x07fe, { kind: '+inf' }], // exponent 0, mantissa +2046
    [0x0802, { kind: '-inf' }], // exponent 0, mantissa -2046
    [0x0801, { kind: 'reserved' }], // exponent 0, mantissa -2047
    [0xf065, medNumber(101, -1)], // exponent 0xF = -1 (two's complement, not 15 - 8 = 7): 10.1
    [0x0065, medNumber(101, 0)], // exponent 0: 101
    [0x1065, medNumber(101, 1)], // exponent +1: 1010
    [0x8001, medNumber(1, -8)], // exponent 0x8 = -8, the smallest: 1e-8
    [0x7001, medNumber(1, 7)], // exponent +7, the largest: 1e7
    [0x0fff, medNumber(-1, 0)], // mantissa 0xFFF = -1
    [0x0803, medNumber(-2045, 0)], // the most negative ordinary mantissa at exponent 0
    [0x17ff, medNumber(2047, 1)], // NaN's mantissa with exponent 1 is an ordinary number (20470)
    [0x1800, medNumber(-2048, 1)], // NRes's mantissa with exponent 1: -20480
  ];
  for (const [raw, want] of rows) {
    t.same(decodeSfloat(raw), want, `0x${raw.toString(16).padStart(4, '0')}`);
    t.equal(encodeSfloat(want), raw, `encodes back to 0x${raw.toString(16)}`);
  }
  t.equal((decodeSfloat(0xf0bd) as { value: number }).value, 18.9, 'one rounding: 189 / 10, not 189 × 0.1');
});

t.test('FLOAT words (raw 32-bit)', async (t) => {
  const rows: [number, MedFloat][] = [
    [0x007fffff, { kind: 'nan' }],
    [0x00800000, { kind: 'nres' }],
    [0x007ffffe, { kind: '+inf' }],
    [0x00800002, { kind: '-inf' }],
    [0x00800001, { kind: 'reserved' }],
    [0xff000001, medNumber(1, -1)], // exponent 0xFF = -1
    [0x80000001, medNumber(1, -128)], // exponent -128
    [0x7f000001, medNumber(1, 127)], // exponent +127
    [0x00ffffff, medNumber(-1, 0)], // mantissa -1
    [0x017fffff, medNumber(8388607, 1)], // NaN's mantissa at exponent 1: a number
    [0xfe000ef0, medNumber(3824, -2)], // 38.24
  ];
  for (const [raw, want] of rows) {
    t.same(decodeFloat(raw), want, `0x${raw.toString(16).padStart(8, '0')}`);
    t.equal(encodeFloat(want), raw, 'encodes back');
  }
});

t.test('every one of the 65536 SFLOAT words decodes and encodes back to itself', async (t) => {
  let bad = 0;
  let specials = 0;
  for (let w = 0; w <= 0xffff; w++) {
    const v = decodeSfloat(w);
    if (v.kind !== 'number') specials++;
    else if (!Number.isFinite(v.value)) bad++;
    if (encodeSfloat(v) !== w) bad++;
  }
  t.equal(bad, 0, 'bijective');
  t.equal(specials, 5, 'exactly five special words');
});

t.test('FLOAT: decode∘encode is the identity on words, encode∘decode on values (fast-check)', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (w) => encodeFloat(decodeFloat(w)) === w), { numRuns: 5000 }), 'words');
  const value = fc.oneof(
    fc.constantFrom<MedFloat>({ kind: 'nan' }, { kind: 'nres' }, { kind: '+inf' }, { kind: '-inf' }, { kind: 'reserved' }),
    fc
      .record({ mantissa: fc.integer({ min: -8388608, max: 8388607 }), exponent: fc.integer({ min: -128, max: 127 }) })
      .filter(({ mantissa, exponent }) => exponent !== 0 || Math.abs(mantissa) < 8388606)
      .map(({ mantissa, exponent }) => medNumber(mantissa, exponent)),
  );
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  t.doesNotThrow(() => fc.assert(fc.property(value, (v) => same(decodeFloat(encodeFloat(v)), v)), { numRuns: 2000 }), 'values, special ones included');
});

t.test('encoders refuse what has no wire form', async (t) => {
  t.throws(() => encodeSfloat(medNumber(2048, 1)), GattEncodeError, 'mantissa above 2047');
  t.throws(() => encodeSfloat(medNumber(1, 8)), GattEncodeError, 'exponent above 7');
  t.throws(() => encodeSfloat(medNumber(1, -9)), GattEncodeError, 'exponent below -8');
  t.throws(() => encodeSfloat(medNumber(2047, 0)), { code: 'out-of-range', message: /special value/ }, 'NaN code is not the number 2047');
  t.throws(() => encodeSfloat(medNumber(-2048, 0)), GattEncodeError, 'NRes code is not the number -2048');
  t.throws(() => encodeSfloat(medNumber(1.5, 0)), GattEncodeError, 'fractional mantissa');
  t.throws(() => encodeFloat(medNumber(8388607, 0)), GattEncodeError, 'FLOAT NaN code');
  t.throws(() => encodeFloat(medNumber(8388608, 1)), GattEncodeError, 'FLOAT mantissa too large');
  t.equal(encodeSfloat(medNumber(2045, 0)), 0x07fd, 'the largest number at exponent 0');
});

t.test('toMedNumber picks parts a device would send', async (t) => {
  t.same(toMedNumber(98.6, 1), medNumber(986, -1));
  t.same(toMedNumber(37, 2, 'float'), medNumber(3700, -2));
  t.same(toMedNumber(12345.6, 1), medNumber(1235, 1), 'mantissa shortened until it fits 12 bits');
  t.same(toMedNumber(-20, 0), medNumber(-20, 0));
  t.same(toMedNumber(1, 9), medNumber(1000, -3), 'too many decimals for 12 bits are dropped');
  t.throws(() => toMedNumber(1e-9, 9), GattEncodeError, 'a value that needs exponent -9');
});
