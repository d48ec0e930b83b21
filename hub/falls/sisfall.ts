/**
 * SisFall trial files (Sucerquia, López, Vargas-Bonilla, "SisFall: A Fall and Movement Dataset",
 * Sensors 2017, 17(1):198): one line per sample at 200 Hz, nine comma-separated integers ending in
 * `;` (CRLF line ends in the published files): ADXL345 x, y, z; ITG3200 x, y, z; MMA8451Q x, y, z.
 * Pure: a string in, typed arrays in physical units out (docs/fall-detection.md).
 */

/** The data set's only sampling rate [SisFall Readme: "frequency sample of 200 Hz"]. */
export const SISFALL_SAMPLE_RATE_HZ = 200;

// [SisFall Readme] value = (2 * range / 2^resolution) * raw
/** ADXL345, 13 bit, ±16 g: 32/8192 g per count. */
export const ADXL345_G_PER_COUNT = (2 * 16) / 2 ** 13;
/** ITG3200, 16 bit, ±2000 °/s: 4000/65536 °/s per count. */
export const ITG3200_DPS_PER_COUNT = (2 * 2000) / 2 ** 16;
/** MMA8451Q, 14 bit, ±8 g: 16/16384 g per count. */
export const MMA8451Q_G_PER_COUNT = (2 * 8) / 2 ** 14;

export interface SisFallTrace {
  sampleRateHz: number;
  /** Number of samples. */
  length: number;
  /** ADXL345 acceleration in g, interleaved x, y, z (sample i at 3i..3i+2); +y points toward gravity when standing. */
  adxl: Float64Array;
  /** ITG3200 angular rate in °/s, interleaved x, y, z. */
  gyro: Float64Array;
  /** MMA8451Q acceleration in g, interleaved x, y, z. */
  mma: Float64Array;
}

export class SisFallParseError extends Error {
  readonly code = 'SISFALL_MALFORMED_LINE';
  constructor(
    message: string,
    /** 1-based line number in the text. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'SisFallParseError';
  }
}

const FIELDS = 9;
const SPACE = 32;
const TAB = 9;
const MINUS = 45;
const PLUS = 43;
const COMMA = 44;
const SEMICOLON = 59;
const ZERO = 48;
const NINE = 57;

/**
 * Parses a SisFall file's text. Line ends may be CRLF, LF or CR; blank lines are skipped and a
 * trailing `;` is optional; any other line that is not 9 comma-separated integers (blanks around
 * them allowed, as the published files pad with spaces: " -9, -257,  -25, ...") throws
 * SisFallParseError naming the line. Scans characters rather than splitting and allocates no
 * per-line objects: a 100 s trial has 20 000 lines (profiled with node --cpu-prof).
 */
export function parseSisFall(text: string): SisFallTrace {
  const end = text.length;
  const separator = text.includes('\n') ? '\n' : '\r';
  // about 45 characters per published line; grown when a file has shorter ones
  let capacity = Math.ceil(end / 40) + 1;
  let adxl = new Float64Array(capacity * 3);
  let gyro = new Float64Array(capacity * 3);
  let mma = new Float64Array(capacity * 3);
  const values = new Float64Array(FIELDS);
  let n = 0;
  let lineNo = 0;
  let pos = 0;
  while (pos < end) {
    lineNo++;
    let next = text.indexOf(separator, pos);
    if (next === -1) next = end;
    let eol = next;
    if (eol > pos && text.charCodeAt(eol - 1) === 13) eol--; // CRLF
    const parsed = parseLine(text, pos, eol, values);
    if (parsed === MALFORMED) {
      const raw = text.slice(pos, eol);
      const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
      throw new SisFallParseError(`line ${lineNo}: expected ${FIELDS} comma-separated integers, got ${JSON.stringify(shown)}`, lineNo);
    }
    if (parsed === OK) {
      if (n === capacity) {
        capacity *= 2;
        adxl = grow(adxl, capacity * 3);
        gyro = grow(gyro, capacity * 3);
        mma = grow(mma, capacity * 3);
      }
      const k = n * 3;
      for (let f = 0; f < 3; f++) {
        adxl[k + f] = values[f]! * ADXL345_G_PER_COUNT;
        gyro[k + f] = values[f + 3]! * ITG3200_DPS_PER_COUNT;
        mma[k + f] = values[f + 6]! * MMA8451Q_G_PER_COUNT;
      }
      n++;
    }
    pos = next + 1;
  }
  return {
    sampleRateHz: SISFALL_SAMPLE_RATE_HZ,
    length: n,
    adxl: adxl.slice(0, n * 3),
    gyro: gyro.slice(0, n * 3),
    mma: mma.slice(0, n * 3),
  };
}

function grow(array: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(length);
  bigger.set(array);
  return bigger;
}

const OK = 0;
const BLANK = 1;
const MALFORMED = 2;

const isBlank = (c: number) => c === SPACE || c === TAB;

/** Fills `values` from text[start, end): OK, BLANK (nothing but blanks) or MALFORMED. */
function parseLine(text: string, start: number, end: number, values: Float64Array): typeof OK | typeof BLANK | typeof MALFORMED {
  let i = start;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  if (i === end) return BLANK;
  for (let f = 0; f < FIELDS; f++) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    let sign = 1;
    const c = text.charCodeAt(i);
    if (c === MINUS || c === PLUS) {
      if (c === MINUS) sign = -1;
      i++;
    }
    const digitsFrom = i;
    let v = 0;
    while (i < end) {
      const d = text.charCodeAt(i);
      if (d < ZERO || d > NINE) break;
      v = v * 10 + (d - ZERO);
      i++;
    }
    if (i === digitsFrom) return MALFORMED;
    values[f] = sign * v;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (f < FIELDS - 1) {
      if (i === end || text.charCodeAt(i) !== COMMA) return MALFORMED;
      i++;
    }
  }
  if (i < end && text.charCodeAt(i) === SEMICOLON) i++;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  return i === end ? OK : MALFORMED;
}
