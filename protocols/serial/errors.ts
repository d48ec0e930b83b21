/**
 * Typed decode errors for the serial codecs (docs/serial-devices.md). Framers never throw; a
 * decoder throws a SerialDecodeError when handed bytes no framer would have produced (a caller that
 * skips the framer, such as `hub decode`), with a stable code and the byte offset at fault.
 */
export const SERIAL_ERROR_CODES = {
  length: 'the frame has the wrong length',
  sync: 'a sync bit is wrong',
  header: 'the frame header or tail is wrong',
  checksum: 'the checksum does not match',
  marker: 'a fixed marker byte inside the frame is wrong',
  'unknown-type': 'the packet type is unknown',
  range: 'a value is outside its documented range',
} as const;

export type SerialErrorCode = keyof typeof SERIAL_ERROR_CODES;

export class SerialDecodeError extends Error {
  readonly code: SerialErrorCode;
  constructor(code: SerialErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${SERIAL_ERROR_CODES[code]}: ${message}`, options);
    this.name = 'SerialDecodeError';
    this.code = code;
  }
}
