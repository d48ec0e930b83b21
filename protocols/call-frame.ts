/**
 * Call-point receiver serial frame, version 1 (docs/serial-call-receiver.md).
 *
 *   off  size  field
 *   0    1     START  0xA5
 *   1    1     LEN    body length in bytes; v1 sends 7, readers accept 7..32 and ignore the tail
 *   2    1     RX     receiver address (1..254)
 *   3    2     CP     call-point address, big endian (1..65534)
 *   5    1     EVT    event code (CALL_EVENT_CODES)
 *   6    2     SEQ    per-call-point sequence number, big endian, wraps at 65535
 *   8    1     DATA   battery percent for heartbeat / low-battery (0xFF unknown), else 0
 *   9    2     CRC    CRC-16/CCITT-FALSE over LEN..end of body, big endian
 *
 * Pure codec: no I/O, no clock, no Buffer in signatures.
 */
import { crc16CcittFalse } from './crc16.ts';

export const FRAME_START = 0xa5;
export const BODY_LENGTH_V1 = 7;
export const MAX_BODY_LENGTH = 32;
/** START + LEN + CRC around the body. */
export const FRAME_OVERHEAD = 4;

export const CALL_EVENT_CODES = {
  call: 0x01,
  cancel: 0x02,
  'pull-cord': 0x03,
  heartbeat: 0x04,
  'low-battery': 0x05,
} as const;
export type CallPointEvent = keyof typeof CALL_EVENT_CODES;
export const CALL_POINT_EVENTS = ['call', 'cancel', 'pull-cord', 'heartbeat', 'low-battery'] as const satisfies readonly CallPointEvent[];
const EVENT_BY_CODE = new Map<number, CallPointEvent>(
  CALL_POINT_EVENTS.map((name) => [CALL_EVENT_CODES[name], name]),
);

export interface CallFrame {
  receiver: number;
  callPoint: number;
  event: CallPointEvent;
  seq: number;
  /** Battery percent 0..100, or null when the frame does not say. */
  battery: number | null;
}

export type FrameErrorCode = 'bad-start' | 'bad-length' | 'truncated' | 'bad-crc' | 'bad-event' | 'bad-address';

export type DecodeResult = { ok: true; frame: CallFrame } | { ok: false; code: FrameErrorCode; message: string };

export function encodeCallFrame(frame: CallFrame): Uint8Array {
  const out = new Uint8Array(FRAME_OVERHEAD + BODY_LENGTH_V1);
  out[0] = FRAME_START;
  out[1] = BODY_LENGTH_V1;
  out[2] = frame.receiver & 0xff;
  out[3] = (frame.callPoint >> 8) & 0xff;
  out[4] = frame.callPoint & 0xff;
  out[5] = CALL_EVENT_CODES[frame.event];
  out[6] = (frame.seq >> 8) & 0xff;
  out[7] = frame.seq & 0xff;
  out[8] = frame.battery === null ? 0xff : Math.max(0, Math.min(100, Math.round(frame.battery)));
  const crc = crc16CcittFalse(out, 1, 9);
  out[9] = crc >> 8;
  out[10] = crc & 0xff;
  return out;
}

/** Length of the whole frame announced by a LEN byte, or null when LEN is out of range. */
export function frameLengthFor(lenByte: number): number | null {
  return lenByte >= BODY_LENGTH_V1 && lenByte <= MAX_BODY_LENGTH ? lenByte + FRAME_OVERHEAD : null;
}

/** Decodes exactly one frame (START through CRC). */
export function decodeCallFrame(bytes: Uint8Array): DecodeResult {
  if (bytes.length < 2) return fail('truncated', `frame has ${bytes.length} bytes`);
  if (bytes[0] !== FRAME_START) return fail('bad-start', `start byte 0x${hex(bytes[0]!)}`);
  const total = frameLengthFor(bytes[1]!);
  if (total === null) return fail('bad-length', `LEN ${bytes[1]} outside ${BODY_LENGTH_V1}..${MAX_BODY_LENGTH}`);
  if (bytes.length < total) return fail('truncated', `frame has ${bytes.length} of ${total} bytes`);
  const crcAt = total - 2;
  const expected = crc16CcittFalse(bytes, 1, crcAt);
  const actual = (bytes[crcAt]! << 8) | bytes[crcAt + 1]!;
  if (expected !== actual) return fail('bad-crc', `CRC 0x${hex(actual, 4)} expected 0x${hex(expected, 4)}`);
  const event = EVENT_BY_CODE.get(bytes[5]!);
  if (!event) return fail('bad-event', `event code 0x${hex(bytes[5]!)}`);
  const receiver = bytes[2]!;
  const callPoint = (bytes[3]! << 8) | bytes[4]!;
  if (receiver === 0 || receiver === 0xff || callPoint === 0 || callPoint === 0xffff) {
    return fail('bad-address', `address ${receiver}/${callPoint} is reserved`);
  }
  const data = bytes[8]!;
  return {
    ok: true,
    frame: { receiver, callPoint, event, seq: (bytes[6]! << 8) | bytes[7]!, battery: data <= 100 ? data : null },
  };
}

function fail(code: FrameErrorCode, message: string): DecodeResult {
  return { ok: false, code, message };
}

function hex(n: number, width = 2): string {
  return n.toString(16).padStart(width, '0');
}
