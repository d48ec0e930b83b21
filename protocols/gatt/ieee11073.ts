/**
 * IEEE 11073-20601 medical number formats as GATT carries them (docs/gatt.md):
 * SFLOAT (16 bits: 4-bit exponent, 12-bit mantissa) and FLOAT (32 bits: 8-bit exponent, 24-bit
 * mantissa), value = mantissa × 10^exponent, both parts two's-complement signed.
 *
 * A special value (NaN, NRes, ±INFINITY, reserved) is its own kind and never a number, so no
 * caller can mistake "not at this resolution" for 2048 or -2048.
 */
import { GattEncodeError } from './errors.ts';

export type MedSpecial = 'nan' | 'nres' | '+inf' | '-inf' | 'reserved';
export type MedNumber = { kind: 'number'; value: number; mantissa: number; exponent: number };
export type MedFloat = MedNumber | { kind: MedSpecial };

// [IEEE 11073-20601 F.8] Special values are defined with exponent 0 only; the mantissa codes
// below with any other exponent are ordinary numbers. Keyed by the raw 16-bit word.
const SFLOAT_SPECIALS = new Map<number, MedSpecial>([
  [0x07ff, 'nan'], // mantissa +(2^11 - 1)
  [0x0800, 'nres'], // mantissa -(2^11)
  [0x07fe, '+inf'], // mantissa +(2^11 - 2)
  [0x0802, '-inf'], // mantissa -(2^11 - 2)
  [0x0801, 'reserved'], // mantissa -(2^11 - 1)
]);
// [IEEE 11073-20601 F.6] The same five codes for FLOAT, keyed by the raw 24-bit mantissa with exponent 0.
const FLOAT_SPECIALS = new Map<number, MedSpecial>([
  [0x7fffff, 'nan'],
  [0x800000, 'nres'],
  [0x7ffffe, '+inf'],
  [0x800002, '-inf'],
  [0x800001, 'reserved'],
]);
const SPECIAL_SFLOAT_RAW = new Map<MedSpecial, number>([...SFLOAT_SPECIALS].map(([raw, kind]) => [kind, raw]));
const SPECIAL_FLOAT_RAW = new Map<MedSpecial, number>([...FLOAT_SPECIALS].map(([raw, kind]) => [kind, raw]));

export const SFLOAT_LIMITS = { mantissaMin: -2048, mantissaMax: 2047, exponentMin: -8, exponentMax: 7 } as const;
export const FLOAT_LIMITS = { mantissaMin: -8388608, mantissaMax: 8388607, exponentMin: -128, exponentMax: 127 } as const;

/**
 * mantissa × 10^exponent with one rounding: dividing by an exact power of ten gives the nearest
 * double to the decimal (189 × 10^-1 → 18.9, where 189 × 0.1 would give 18.900000000000002).
 */
export function scaleDecimal(mantissa: number, exponent: number): number {
  return exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
}

/** A number value from its parts (the caller guarantees the ranges; encoders check them). */
export function medNumber(mantissa: number, exponent: number): MedNumber {
  return { kind: 'number', value: scaleDecimal(mantissa, exponent), mantissa, exponent };
}

function signExtend(value: number, bits: number): number {
  const shift = 32 - bits;
  return (value << shift) >> shift;
}

/** Decode a raw little-endian-assembled 16-bit SFLOAT word. */
export function decodeSfloat(raw: number): MedFloat {
  const word = raw & 0xffff;
  const special = SFLOAT_SPECIALS.get(word);
  if (special) return { kind: special };
  // [IEEE 11073-20601 F.8] exponent: signed 4-bit (0xF = -1), mantissa: signed 12-bit.
  return medNumber(signExtend(word & 0x0fff, 12), signExtend(word >> 12, 4));
}

/** Decode a raw 32-bit FLOAT word. */
export function decodeFloat(raw: number): MedFloat {
  const word = raw >>> 0;
  const exponent = signExtend(word >>> 24, 8); // [IEEE 11073-20601 F.6] signed 8-bit
  const mantissaBits = word & 0xffffff;
  if (exponent === 0) {
    const special = FLOAT_SPECIALS.get(mantissaBits);
    if (special) return { kind: special };
  }
  return medNumber(signExtend(mantissaBits, 24), exponent);
}

function checkParts(field: string, v: MedNumber, limits: typeof SFLOAT_LIMITS | typeof FLOAT_LIMITS, isSpecial: (m: number) => boolean): void {
  const { mantissa, exponent } = v;
  if (!Number.isInteger(mantissa) || mantissa < limits.mantissaMin || mantissa > limits.mantissaMax) {
    throw new GattEncodeError(field, `mantissa ${mantissa} outside ${limits.mantissaMin}..${limits.mantissaMax}`);
  }
  if (!Number.isInteger(exponent) || exponent < limits.exponentMin || exponent > limits.exponentMax) {
    throw new GattEncodeError(field, `exponent ${exponent} outside ${limits.exponentMin}..${limits.exponentMax}`);
  }
  if (exponent === 0 && isSpecial(mantissa)) {
    throw new GattEncodeError(field, `mantissa ${mantissa} with exponent 0 is a special value's code, not a number`);
  }
}

/** The raw 16-bit word for a value (number parts or a special kind). */
export function encodeSfloat(v: MedFloat, field = 'sfloat'): number {
  if (v.kind !== 'number') return SPECIAL_SFLOAT_RAW.get(v.kind)!;
  checkParts(field, v, SFLOAT_LIMITS, (m) => SFLOAT_SPECIALS.has(m & 0x0fff));
  return ((v.exponent & 0x0f) << 12) | (v.mantissa & 0x0fff);
}

/** The raw 32-bit word (unsigned) for a value. */
export function encodeFloat(v: MedFloat, field = 'float'): number {
  if (v.kind !== 'number') return SPECIAL_FLOAT_RAW.get(v.kind)!;
  checkParts(field, v, FLOAT_LIMITS, (m) => FLOAT_SPECIALS.has(m & 0xffffff));
  return (((v.exponent & 0xff) << 24) | (v.mantissa & 0xffffff)) >>> 0;
}

/**
 * The SFLOAT/FLOAT parts for a plain number at a given number of decimals (what a simulated
 * device does): the mantissa is rounded, then shortened (exponent raised) until it fits.
 */
export function toMedNumber(value: number, decimals: number, format: 'sfloat' | 'float' = 'sfloat'): MedNumber {
  const limits = format === 'sfloat' ? SFLOAT_LIMITS : FLOAT_LIMITS;
  // Largest magnitude that is never a special code at exponent 0 (2045 / 8388605).
  const max = limits.mantissaMax - 2;
  let exponent = -decimals;
  let mantissa = Math.round(scaleDecimal(value, decimals));
  while (Math.abs(mantissa) > max && exponent < limits.exponentMax) {
    exponent += 1;
    mantissa = Math.round(scaleDecimal(value, -exponent));
  }
  if (exponent < limits.exponentMin) {
    throw new GattEncodeError(format, `${decimals} decimals need exponent ${exponent} < ${limits.exponentMin}`);
  }
  return medNumber(mantissa, exponent);
}
