/**
 * Bytes → call frames, resynchronising after garbage. Shaped like serialport's
 * PacketLengthParser but pure: push() returns what it found, the caller owns I/O.
 *
 * Resync rule: on any bad frame drop only its START byte and rescan, so a real
 * frame that begins inside noise is still found.
 */
import { decodeCallFrame, FRAME_START, frameLengthFor, type CallFrame, type FrameErrorCode } from './call-frame.ts';

export type FramerOutput =
  | { ok: true; frame: CallFrame; raw: Uint8Array }
  | { ok: false; code: FrameErrorCode | 'garbage'; message: string; raw: Uint8Array };

export interface CallFramerOptions {
  /** Upper bound on buffered bytes, so a stream of noise cannot grow memory. */
  maxBuffer?: number;
}

export class CallFramer {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly maxBuffer: number;

  constructor(options: CallFramerOptions = {}) {
    this.maxBuffer = options.maxBuffer ?? 4096;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): FramerOutput[] {
    const out: FramerOutput[] = [];
    let buf: Uint8Array = concat(this.buffer, chunk);
    let pos = 0;
    while (pos < buf.length) {
      const start = buf.indexOf(FRAME_START, pos);
      if (start === -1) {
        out.push(garbage(buf.subarray(pos)));
        pos = buf.length;
        break;
      }
      if (start > pos) out.push(garbage(buf.subarray(pos, start)));
      pos = start;
      if (buf.length - pos < 2) break; // need LEN
      const total = frameLengthFor(buf[pos + 1]!);
      if (total === null) {
        out.push({ ok: false, code: 'bad-length', message: `LEN ${buf[pos + 1]}`, raw: buf.slice(pos, pos + 2) });
        pos += 1;
        continue;
      }
      if (buf.length - pos < total) break; // wait for the rest
      const raw = buf.slice(pos, pos + total);
      const result = decodeCallFrame(raw);
      if (result.ok) {
        out.push({ ok: true, frame: result.frame, raw });
        pos += total;
      } else {
        // A good CRC with a bad field is as likely a chance match over noise (1 in 65,536) that ran
        // into a real frame as it is a real frame we cannot use; rescanning from the next byte keeps
        // the real frame in the first case and costs nothing in the second (docs/serial-devices.md).
        out.push({ ok: false, code: result.code, message: result.message, raw });
        pos += 1;
      }
    }
    buf = buf.slice(pos);
    if (buf.length > this.maxBuffer) {
      out.push(garbage(buf.subarray(0, buf.length - 1)));
      buf = buf.slice(buf.length - 1);
    }
    this.buffer = buf;
    return out;
  }

  reset(): void {
    this.buffer = new Uint8Array(0);
  }
}

function garbage(raw: Uint8Array): FramerOutput {
  return { ok: false, code: 'garbage', message: `${raw.length} bytes outside any frame`, raw: raw.slice() };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
