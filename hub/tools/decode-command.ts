/**
 * `hub decode <codec> [<characteristic>] <payload>` and `hub decode -`: what a device codec makes of
 * one frame, for installers checking a device's bytes (docs/decode.md). One JSON object per request:
 * `codec`, a `readings` array of `{metric, value, unit, loinc}` (a special value is `value: null`
 * with a `reason`), then the codec's own flags and status fields. The codecs are the ones the hub
 * runs (protocols/); this file only parses requests and prints.
 */
import { createInterface } from 'node:readline';
import type { CliIo } from '../cli.ts';
import { decodeCallFrame, type FrameErrorCode } from '../../protocols/call-frame.ts';
import { GATT_CODECS, GattDecodeError, decodeGatt, getGattCodec } from '../../protocols/gatt/index.ts';
import { SerialDecodeError, decodeCms50, decodeLd2410, decodeSeeedRadar, type Cms50Protocol } from '../../protocols/serial/index.ts';
import { Zigbee2mqttDecodeError, decodeZigbee2mqttAvailability, decodeZigbee2mqttPayload } from '../../protocols/zigbee2mqtt/index.ts';

/** What a codec returns: its own fields, and its readings when it has any (none is printed as []). */
type Decoded = { readings?: readonly unknown[] } & Record<string, unknown>;

interface DecodeCodec {
  name: string;
  /** The arguments after the codec name, for the usage text. */
  args: string;
  help: string;
  /** True when the first argument after the codec name is a characteristic (GATT). */
  characteristic?: true;
  /** `payload` is the rest of the request as typed; hex codecs parse it with `hexCodec`. */
  decode(payload: string, characteristic: string): Decoded;
}

/** A failure of the request itself, before or around a codec: usage, hex, a call frame's result. */
class DecodeRequestError extends Error {
  override name = 'DecodeRequestError';
  constructor(
    readonly code: 'usage' | 'unknown-codec' | 'bad-hex' | 'empty-line' | FrameErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Hex with optional spaces or colons between bytes (`1E 55`, `1e:55`, `1e55`, `0x1e55`). */
export function parseHex(text: string): Uint8Array {
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]+/g, '');
  if (clean === '') throw new DecodeRequestError('bad-hex', 'no bytes given');
  const bad = /[^0-9a-f]/i.exec(clean);
  if (bad) throw new DecodeRequestError('bad-hex', `"${bad[0]}" is not a hex digit (spaces and colons may separate bytes)`);
  if (clean.length % 2 !== 0) throw new DecodeRequestError('bad-hex', `${clean.length} hex digits: a byte takes two`);
  return Uint8Array.from(clean.match(/../g)!, (pair) => Number.parseInt(pair, 16));
}

const hexCodec =
  (decode: (bytes: Uint8Array, characteristic: string) => Decoded) =>
  (payload: string, characteristic: string): Decoded =>
    decode(parseHex(payload), characteristic);

function gatt(bytes: Uint8Array, characteristic: string): Decoded {
  // The codec's id works as well as its UUID: `heart-rate-measurement` = `2a37`.
  const codec = GATT_CODECS.find((c) => c.id === characteristic.toLowerCase()) ?? getGattCodec(characteristic);
  const decoded = decodeGatt(codec?.uuid ?? characteristic, bytes);
  return { characteristic: `0x${codec!.uuid.toString(16).toUpperCase().padStart(4, '0')}`, name: codec!.name, ...decoded };
}

/**
 * One CMS50 frame. Unless the protocol is forced, the first byte decides: a legacy frame starts with
 * its sync byte (bit 7 set), a V7.0 packet with its type byte (bit 7 clear). detectCms50Protocol
 * tells a stream apart by how bit 7 falls over many frames (docs/serial-devices.md); in one frame
 * the first byte already says it. Bytes that are neither fail in the decoder their first byte
 * chose, whose error names what is wrong.
 */
function cms50(bytes: Uint8Array, forced?: Cms50Protocol): Decoded {
  const protocol = forced ?? ((bytes[0]! & 0x80) !== 0 ? 'legacy' : 'v7');
  return { ...decodeCms50(protocol, bytes) };
}

function callFrame(bytes: Uint8Array): Decoded {
  const result = decodeCallFrame(bytes);
  if (!result.ok) throw new DecodeRequestError(result.code, result.message);
  if (bytes.length > 4 + bytes[1]!) throw new DecodeRequestError('bad-length', `${bytes.length - 4 - bytes[1]!} bytes after the frame's CRC`);
  return { ...result.frame };
}

/** Every codec `hub decode` knows, in the order --help lists them. Adding a codec is one line here. */
export const DECODE_CODECS: readonly DecodeCodec[] = [
  { name: 'gatt', args: '<characteristic> <hex>', characteristic: true, help: 'a Bluetooth SIG characteristic value; characteristic as 2a35, 0x2A35, the 128-bit UUID or its id (blood-pressure-measurement)', decode: hexCodec(gatt) },
  { name: 'cms50', args: '<hex>', help: 'one Contec CMS50 frame, legacy (5 bytes) or V7.0 packet: the bytes say which', decode: hexCodec((b) => cms50(b)) },
  { name: 'cms50-legacy', args: '<hex>', help: 'one CMS50 frame read as the legacy 5-byte protocol', decode: hexCodec((b) => cms50(b, 'legacy')) },
  { name: 'cms50-v7', args: '<hex>', help: 'one CMS50 packet read as the V7.0 protocol', decode: hexCodec((b) => cms50(b, 'v7')) },
  { name: 'radar', args: '<hex>', help: 'one Seeed 60 GHz mmWave radar frame (53 59 … 54 43)', decode: hexCodec((b) => ({ ...decodeSeeedRadar(b) })) },
  { name: 'ld2410', args: '<hex>', help: 'one Hi-Link LD2410 frame (report F4 F3 F2 F1 … or command/ACK FD FC FB FA …)', decode: hexCodec((b) => ({ ...decodeLd2410(b) })) },
  { name: 'call-frame', args: '<hex>', help: 'one call-point receiver frame (A5 …, docs/serial-call-receiver.md)', decode: hexCodec(callFrame) },
  { name: 'z2m', args: "'<json>'", help: 'a zigbee2mqtt device state payload (docs/zigbee2mqtt.md)', decode: (text) => ({ payload: decodeZigbee2mqttPayload(text) }) },
  { name: 'z2m-availability', args: "<payload>", help: 'a zigbee2mqtt availability payload: online, offline or {"state":"online"}', decode: (text) => ({ availability: decodeZigbee2mqttAvailability(text) }) },
];

const BY_NAME = new Map(DECODE_CODECS.map((c) => [c.name, c]));

export const DECODE_USAGE = `Usage:
  hub decode <codec> [<characteristic>] <payload>   decode one frame, print one JSON object
  hub decode -                                      one request per line of standard input
                                                    (e.g. "gatt 2a35 <hex>"), one JSON line per request

Codecs:
${DECODE_CODECS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(40)} ${c.help}`).join('\n')}

Hex may separate bytes with spaces or colons (quote it, or pass the bytes as separate arguments).
Prints {"codec":..., "readings":[{"metric","value","unit","loinc"},...], ...the codec's fields}.
A special value (NaN, NRes, ±INF, unsuccessful) is "value":null with a "reason", never a number.
Errors name what is wrong with the bytes: on stderr for one request; with -, an
{"error":{"codec","code","message"},"line":N} line in place of that result.
Exit status: one request 0 ok, 2 bad usage or bad input; with - 0 when every line decoded,
1 when any line failed. See docs/decode.md.
`;

const EXIT_BAD_INPUT = 2;
const EXIT_SOME_LINES_FAILED = 1;

/** What went wrong with one request, as printed: the codec's own code and message. */
export interface DecodeFailure {
  codec?: string;
  code: string;
  message: string;
  /** GATT: where in the bytes decoding stopped, and the field being read. */
  offset?: number;
  field?: string;
}

function failureOf(err: unknown, codec: string | undefined): DecodeFailure {
  const base = codec === undefined ? {} : { codec };
  if (err instanceof GattDecodeError) {
    return { ...base, code: err.code, message: err.message, ...(err.offset === undefined ? {} : { offset: err.offset }), ...(err.field === undefined ? {} : { field: err.field }) };
  }
  if (err instanceof Zigbee2mqttDecodeError) return { ...base, code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }) };
  if (err instanceof SerialDecodeError || err instanceof DecodeRequestError) return { ...base, code: err.code, message: err.message };
  // A codec is meant to throw only its own errors; anything else is reported, never let out.
  return { ...base, code: 'internal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** Bytes in a codec's output (a V7.0 payload, radar data) print as hex, like the input. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return value;
}

type Outcome = { ok: true; json: string } | { ok: false; failure: DecodeFailure };

/** Decode one request given as words: codec, [characteristic], then the payload text. */
function decodeRequest(codecName: string | undefined, rest: (count: number) => { characteristic: string; payload: string }): Outcome {
  const codec = codecName === undefined ? undefined : BY_NAME.get(codecName);
  try {
    if (!codecName) throw new DecodeRequestError('usage', 'missing the codec');
    if (!codec) throw new DecodeRequestError('unknown-codec', `unknown codec "${codecName}" (known: ${DECODE_CODECS.map((c) => c.name).join(', ')})`);
    const { characteristic, payload } = rest(codec.characteristic ? 1 : 0);
    if (codec.characteristic && characteristic === '') throw new DecodeRequestError('usage', `${codec.name} needs ${codec.args}`);
    if (payload.trim() === '') throw new DecodeRequestError('usage', `${codec.name} needs ${codec.args}: the payload is missing`);
    const { readings, ...fields } = codec.decode(payload, characteristic);
    return { ok: true, json: JSON.stringify({ codec: codec.name, ...pick(fields, 'characteristic', 'name'), readings: readings ?? [], ...fields }, replacer) };
  } catch (err) {
    return { ok: false, failure: failureOf(err, codec?.name) };
  }
}

/** The named keys first (so `characteristic` and `name` lead the object), when present. */
function pick(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

function fromArgs(args: readonly string[]): Outcome {
  return decodeRequest(args[0], (count) => ({ characteristic: count ? (args[1] ?? '') : '', payload: args.slice(1 + count).join(' ') }));
}

/** A request line: words separated by whitespace; the payload is the rest of the line as typed (JSON keeps its spaces). */
function fromLine(line: string): Outcome {
  if (line.trim() === '') return { ok: false, failure: { code: 'empty-line', message: 'empty line: expected "<codec> [<characteristic>] <payload>"' } };
  const m = /^\s*(\S+)\s*(.*)$/s.exec(line)!;
  return decodeRequest(m[1], (count) => {
    if (!count) return { characteristic: '', payload: m[2]! };
    const c = /^(\S*)\s*(.*)$/s.exec(m[2]!)!;
    return { characteristic: c[1]!, payload: c[2]! };
  });
}

export async function decodeCommand(args: readonly string[], io: CliIo, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  if (args[0] === '-h' || args[0] === '--help') {
    io.out(DECODE_USAGE);
    return 0;
  }
  if (args.length === 0) {
    io.err('hub decode: missing the codec and the bytes');
    io.err(DECODE_USAGE);
    return EXIT_BAD_INPUT;
  }
  if (args[0] === '-') {
    if (args.length > 1) {
      io.err('hub decode: - reads the requests from standard input and takes no other argument');
      io.err(DECODE_USAGE);
      return EXIT_BAD_INPUT;
    }
    return decodeLines(stdin, io);
  }
  const outcome = fromArgs(args);
  if (!outcome.ok) {
    const { failure } = outcome;
    io.err(`hub decode: ${failure.codec ? `${failure.codec}: ` : ''}${failure.message}${failure.offset === undefined ? '' : ` (at byte ${failure.offset}${failure.field ? `, field ${failure.field}` : ''})`}`);
    if (failure.code === 'usage' || failure.code === 'unknown-codec') io.err(DECODE_USAGE);
    return EXIT_BAD_INPUT;
  }
  io.out(outcome.json);
  return 0;
}

/** One output line per input line, in order; a bad line gets an error object on its own line. */
async function decodeLines(stdin: NodeJS.ReadableStream, io: CliIo): Promise<number> {
  let failed = 0;
  let lineNo = 0;
  for await (const line of createInterface({ input: stdin, crlfDelay: Infinity })) {
    lineNo += 1;
    const outcome = fromLine(line);
    if (outcome.ok) {
      io.out(outcome.json);
    } else {
      failed += 1;
      io.out(JSON.stringify({ error: outcome.failure, line: lineNo }));
    }
  }
  if (failed > 0) {
    io.err(`hub decode: ${failed} of ${lineNo} line${lineNo === 1 ? '' : 's'} could not be decoded`);
    return EXIT_SOME_LINES_FAILED;
  }
  return 0;
}
