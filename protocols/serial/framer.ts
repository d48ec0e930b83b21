/**
 * The stateful half of a serial codec: bytes in, whole frames out. Shaped like node-serialport's
 * PacketLengthParser (a framer configured by a frame spec) but pure: `push()` returns the frames it
 * completed, the caller owns the port. Never throws on any input; every byte it drops is counted
 * under a reject code (docs/serial-devices.md lists the codes per framer).
 *
 * Resync rule shared by every framer here: a candidate frame that fails a structural check
 * (tail, checksum, sync bits) costs only its first byte, and scanning restarts at the next byte,
 * so a real frame that begins inside noise or inside a broken frame is still found.
 */

/** What a frame spec says about the bytes at a candidate start. */
export type FrameCheck<C extends string> =
  /** A whole frame of `length` bytes starts here. */
  | { frame: number }
  /** Not enough bytes yet to decide. */
  | 'more'
  /** Not a frame: drop `skip` bytes (≥ 1) and count one reject under `code`. */
  | { reject: C; skip: number };

export interface FrameSpec<C extends string> {
  /** Every reject code this spec can produce (so `rejects` starts with zeros, in a fixed order). */
  readonly codes: readonly C[];
  /** Index of the first possible frame start in buf[from, end), or -1. */
  findStart(buf: Uint8Array, from: number, end: number): number;
  /** Judge the bytes at `start` (buf[start] is a possible start byte). */
  check(buf: Uint8Array, start: number, end: number): FrameCheck<C>;
}

/** Codes every framer counts besides its own: bytes outside any frame, and overflow of the hold buffer. */
export type CommonRejectCode = 'garbage';

export interface FramerOptions<C extends string> {
  /** Called once per reject, with its code and the dropped bytes (a copy). Must not throw; if it does, the error is swallowed and counted nowhere. */
  onReject?: (code: C | CommonRejectCode, raw: Uint8Array) => void;
}

/** What callers of any framer rely on, whatever its reject codes. */
export interface Framer {
  push(chunk: Uint8Array): Uint8Array[];
  readonly rejects: Readonly<Record<string, number>>;
  readonly pending: number;
  readonly frames: number;
  reset(): void;
}

export class SerialFramer<C extends string> implements Framer {
  /** Rejects so far, by code. */
  readonly rejects: Record<C | CommonRejectCode, number>;
  /** Frames emitted so far. */
  frames = 0;
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly spec: FrameSpec<C>;
  private readonly onReject: ((code: C | CommonRejectCode, raw: Uint8Array) => void) | undefined;

  constructor(spec: FrameSpec<C>, options: FramerOptions<C> = {}) {
    this.spec = spec;
    this.onReject = options.onReject;
    const rejects = { garbage: 0 } as Record<C | CommonRejectCode, number>;
    for (const code of spec.codes) rejects[code] = 0;
    this.rejects = rejects;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Feed bytes; returns the frames completed by them, in order (each a fresh copy). */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const buf = concat(this.buffer, chunk);
    const end = buf.length;
    let pos = 0;
    while (pos < end) {
      const start = this.spec.findStart(buf, pos, end);
      if (start === -1) {
        this.reject('garbage', buf, pos, end);
        pos = end;
        break;
      }
      if (start > pos) this.reject('garbage', buf, pos, start);
      pos = start;
      const verdict = this.spec.check(buf, pos, end);
      if (verdict === 'more') break;
      if ('frame' in verdict) {
        out.push(buf.slice(pos, pos + verdict.frame));
        this.frames += 1;
        pos += verdict.frame;
      } else {
        const skip = Math.max(1, verdict.skip);
        this.reject(verdict.reject, buf, pos, Math.min(end, pos + skip));
        pos += skip;
      }
    }
    this.buffer = pos >= end ? new Uint8Array(0) : buf.slice(pos);
    return out;
  }

  /** Forget held bytes (e.g. after the port was reopened). Counters stay. */
  reset(): void {
    this.buffer = new Uint8Array(0);
  }

  private reject(code: C | CommonRejectCode, buf: Uint8Array, from: number, to: number): void {
    this.rejects[code] += 1;
    if (this.onReject) {
      try {
        this.onReject(code, buf.slice(from, to));
      } catch {
        // A listener's bug must not break framing of the next bytes (docs/serial-devices.md).
      }
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Index of `first` followed by `second` in buf[from, end); a lone `first` as the last byte counts (the rest may follow). */
export function findPair(buf: Uint8Array, first: number, second: number, from: number, end: number): number {
  let i = buf.indexOf(first, from);
  while (i !== -1 && i < end) {
    if (i + 1 >= end || buf[i + 1] === second) return i;
    i = buf.indexOf(first, i + 1);
  }
  return -1;
}

/** Sum of buf[from, to) modulo 256. */
export function sum8(buf: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += buf[i]!;
  return s & 0xff;
}
