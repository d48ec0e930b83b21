/**
 * Bounds-checked little-endian reader and writer for GATT fields (docs/gatt.md). The reader
 * never reads past the end: a short frame is a GattDecodeError('truncated') naming the field.
 * Every multi-byte GATT field is little-endian [GSS, format types: little-endian].
 */
import { GattDecodeError, GattEncodeError } from './errors.ts';
import { decodeFloat, decodeSfloat, encodeFloat, encodeSfloat, type MedFloat } from './ieee11073.ts';

/** Date Time as carried in many characteristics; null = "not known" (the field's 0). */
export interface DateTime {
  year: number | null;
  month: number | null;
  day: number | null;
  hours: number;
  minutes: number;
  seconds: number;
}

export class ByteReader {
  offset = 0;
  readonly #bytes: Uint8Array;
  readonly #uuid: number;

  constructor(bytes: Uint8Array, uuid: number) {
    this.#bytes = bytes;
    this.#uuid = uuid;
  }

  get remaining(): number {
    return this.#bytes.length - this.offset;
  }

  #take(n: number, field: string): number {
    if (this.remaining < n) {
      throw new GattDecodeError('truncated', `${field} needs ${n} byte(s) at offset ${this.offset}, ${this.remaining} left`, {
        uuid: this.#uuid,
        offset: this.offset,
        field,
      });
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  u8(field: string): number {
    return this.#bytes[this.#take(1, field)]!;
  }

  u16(field: string): number {
    const at = this.#take(2, field);
    return this.#bytes[at]! | (this.#bytes[at + 1]! << 8);
  }

  s16(field: string): number {
    return (this.u16(field) << 16) >> 16;
  }

  u24(field: string): number {
    const at = this.#take(3, field);
    return this.#bytes[at]! | (this.#bytes[at + 1]! << 8) | (this.#bytes[at + 2]! << 16);
  }

  u32(field: string): number {
    const at = this.#take(4, field);
    return (this.#bytes[at]! | (this.#bytes[at + 1]! << 8) | (this.#bytes[at + 2]! << 16) | (this.#bytes[at + 3]! << 24)) >>> 0;
  }

  sfloat(field: string): MedFloat {
    return decodeSfloat(this.u16(field));
  }

  float(field: string): MedFloat {
    return decodeFloat(this.u32(field));
  }

  /** [GSS Date Time] uint16 year (1582..9999, 0 unknown), month (1..12, 0 unknown), day (1..31, 0 unknown), hours, minutes, seconds. */
  dateTime(field: string): DateTime {
    const start = this.offset;
    const year = this.u16(`${field}.year`);
    const month = this.u8(`${field}.month`);
    const day = this.u8(`${field}.day`);
    const hours = this.u8(`${field}.hours`);
    const minutes = this.u8(`${field}.minutes`);
    const seconds = this.u8(`${field}.seconds`);
    const bad =
      (year !== 0 && (year < 1582 || year > 9999)) ? 'year' : month > 12 ? 'month' : day > 31 ? 'day' : hours > 23 ? 'hours' : minutes > 59 ? 'minutes' : seconds > 59 ? 'seconds' : undefined;
    if (bad) {
      throw new GattDecodeError('out-of-range', `${field}.${bad} out of range (${year}-${month}-${day} ${hours}:${minutes}:${seconds})`, {
        uuid: this.#uuid,
        offset: start,
        field: `${field}.${bad}`,
      });
    }
    return { year: year || null, month: month || null, day: day || null, hours, minutes, seconds };
  }

  /** Refuse anything after the last announced field: an oversized frame is not silently cut. */
  end(): void {
    if (this.remaining > 0) {
      throw new GattDecodeError('trailing-bytes', `${this.remaining} byte(s) after the last field at offset ${this.offset}`, {
        uuid: this.#uuid,
        offset: this.offset,
      });
    }
  }

  outOfRange(field: string, message: string): GattDecodeError {
    return new GattDecodeError('out-of-range', `${field}: ${message}`, { uuid: this.#uuid, offset: this.offset, field });
  }
}

export class ByteWriter {
  readonly #out: number[] = [];

  #int(field: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new GattEncodeError(field, `${value} is not an integer in ${min}..${max}`);
    }
    return value;
  }

  u8(field: string, value: number): this {
    this.#out.push(this.#int(field, value, 0, 0xff));
    return this;
  }

  u16(field: string, value: number): this {
    const v = this.#int(field, value, 0, 0xffff);
    this.#out.push(v & 0xff, v >> 8);
    return this;
  }

  s16(field: string, value: number): this {
    const v = this.#int(field, value, -0x8000, 0x7fff) & 0xffff;
    this.#out.push(v & 0xff, v >> 8);
    return this;
  }

  u24(field: string, value: number): this {
    const v = this.#int(field, value, 0, 0xffffff);
    this.#out.push(v & 0xff, (v >> 8) & 0xff, v >> 16);
    return this;
  }

  u32(field: string, value: number): this {
    const v = this.#int(field, value, 0, 0xffffffff);
    this.#out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    return this;
  }

  sfloat(field: string, value: MedFloat): this {
    return this.u16(field, encodeSfloat(value, field));
  }

  float(field: string, value: MedFloat): this {
    return this.u32(field, encodeFloat(value, field));
  }

  dateTime(field: string, v: DateTime): this {
    if (v.year !== null && (v.year < 1582 || v.year > 9999)) throw new GattEncodeError(`${field}.year`, `${v.year} outside 1582..9999`);
    this.u16(`${field}.year`, v.year ?? 0);
    this.#int(`${field}.month`, v.month ?? 0, 0, 12);
    this.#int(`${field}.day`, v.day ?? 0, 0, 31);
    this.u8(`${field}.month`, v.month ?? 0).u8(`${field}.day`, v.day ?? 0);
    this.u8(`${field}.hours`, this.#int(`${field}.hours`, v.hours, 0, 23));
    this.u8(`${field}.minutes`, this.#int(`${field}.minutes`, v.minutes, 0, 59));
    return this.u8(`${field}.seconds`, this.#int(`${field}.seconds`, v.seconds, 0, 59));
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#out);
  }
}

/** Bit `n` of `value` as a boolean. */
export function bit(value: number, n: number): boolean {
  return ((value >>> n) & 1) === 1;
}

/** Names of the set bits of `value` from a table of bit → name (unknown bits are left out; the raw value is kept beside). */
export function bitNames<N extends string>(value: number, names: Readonly<Record<number, N>>): N[] {
  const out: N[] = [];
  for (const [n, name] of Object.entries(names) as [string, N][]) if (bit(value, Number(n))) out.push(name);
  return out;
}

/** ISO-8601 local date-time (no zone: GATT times are the device's local time) when every part is known. */
export function isoDateTime(v: DateTime): string | null {
  if (v.year === null || v.month === null || v.day === null) return null;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(v.year, 4)}-${p(v.month)}-${p(v.day)}T${p(v.hours)}:${p(v.minutes)}:${p(v.seconds)}`;
}
