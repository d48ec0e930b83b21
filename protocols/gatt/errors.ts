/**
 * Errors of the GATT codecs (docs/gatt.md). Every way a frame can be wrong has a stable code, so
 * the transport can count rejects by code; nothing else is ever thrown by a decoder.
 */

/** Code → what it means; the message of each error starts with its code. */
export const GATT_ERROR_CODES = {
  truncated: 'the frame ends before a field its flags announce',
  'trailing-bytes': 'bytes left over after every field the flags announce',
  'out-of-range': 'a field holds a value the specification forbids',
  'unknown-characteristic': 'no codec is registered for this UUID',
  'unknown-op-code': 'a control-point op code or operator this codec does not know',
} as const;

export type GattErrorCode = keyof typeof GATT_ERROR_CODES;

export interface GattErrorDetails {
  /** Characteristic UUID (16-bit) the frame was decoded as, when known. */
  uuid?: number;
  /** Byte offset where decoding stopped. */
  offset?: number;
  /** Name of the field being read. */
  field?: string;
  cause?: unknown;
}

/** A frame that does not decode. `code` is one of GATT_ERROR_CODES. */
export class GattDecodeError extends Error {
  override name = 'GattDecodeError';
  readonly code: GattErrorCode;
  readonly uuid: number | undefined;
  readonly offset: number | undefined;
  readonly field: string | undefined;

  constructor(code: GattErrorCode, message: string, details: GattErrorDetails = {}) {
    super(`${code}: ${message}`, { cause: details.cause });
    this.code = code;
    this.uuid = details.uuid;
    this.offset = details.offset;
    this.field = details.field;
  }
}

/** A value that cannot be encoded (out of the field's range, special value where none is allowed). */
export class GattEncodeError extends Error {
  override name = 'GattEncodeError';
  readonly code = 'out-of-range' as const;
  readonly field: string;

  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super(`out-of-range: ${field}: ${message}`, { cause: options.cause });
    this.field = field;
  }
}
