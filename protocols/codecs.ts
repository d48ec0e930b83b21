/**
 * Registry of serial wire codecs (docs/adding-a-device.md): each a framer (bytes → whole frames,
 * counting rejects by code) and a decoder (frame → fields, readings and states), with the UART line
 * the format uses. Device models in drivers/devices/ name their codec from here; adding a serial
 * format is one codec file and one line in SERIAL_CODECS. GATT characteristics have their own
 * registry (protocols/gatt/index.ts).
 */
import { decodeCallFrame, type CallFrame } from './call-frame.ts';
import { CallFramer } from './call-framer.ts';
import {
  CMS50_LEGACY_LINE,
  CMS50_V7_LINE,
  createCms50LegacyFramer,
  createCms50V7Framer,
  createLd2410Framer,
  createSeeedRadarFramer,
  decodeCms50Legacy,
  decodeCms50V7,
  decodeLd2410,
  decodeSeeedRadar,
  LD2410_LINE,
  SEEED_RADAR_LINE,
  type Framer,
  type FramerOptions,
  type SerialReading,
  type SerialState,
} from './serial/index.ts';

export interface SerialLine {
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'odd' | 'even';
  stopBits: 1 | 2;
}

/** What every serial decoder returns besides its own fields. */
export interface SerialDecoded {
  readings?: readonly SerialReading[];
  states?: readonly SerialState[];
}

export interface SerialCodec<D extends SerialDecoded = SerialDecoded> {
  id: string;
  description: string;
  line: SerialLine;
  /** A fresh framer for one stream; `onReject` hears every dropped byte run with its code. */
  createFramer(options?: FramerOptions<string>): Framer;
  /** Decodes one whole frame as the framer emits it; throws an error with a string `code` on one it cannot use. */
  decode(frame: Uint8Array): D;
}

/** The call frame's framer decodes as it frames; this gives it the common Framer face. */
function createCallFrameFramer(options: FramerOptions<string> = {}): Framer {
  const inner = new CallFramer();
  let frames = 0;
  const rejects: Record<string, number> = {};
  return {
    push(chunk) {
      const out: Uint8Array[] = [];
      for (const result of inner.push(chunk)) {
        if (result.ok) {
          frames++;
          out.push(result.raw);
        } else {
          rejects[result.code] = (rejects[result.code] ?? 0) + 1;
          options.onReject?.(result.code, result.raw);
        }
      }
      return out;
    },
    get rejects() {
      return rejects;
    },
    get pending() {
      return inner.pending;
    },
    get frames() {
      return frames;
    },
    reset: () => inner.reset(),
  };
}

export const callFrameV1: SerialCodec<CallFrame & SerialDecoded> = {
  id: 'call-frame-v1',
  description: 'Call-point receiver frame v1: START 0xA5, LEN, body, CRC-16/CCITT-FALSE (docs/serial-call-receiver.md)',
  line: { baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 },
  createFramer: createCallFrameFramer,
  decode(frame) {
    const result = decodeCallFrame(frame);
    if (!result.ok) throw Object.assign(new Error(result.message), { code: result.code });
    return result.frame;
  },
};

export const cms50LegacyCodec: SerialCodec = {
  id: 'cms50-legacy',
  description: 'Contec CMS50 legacy protocol: 5-byte frames with a sync bit (docs/serial-devices.md)',
  // 8O1; the vendor notes' XON/XOFF is no part of the stream itself.
  line: { baudRate: CMS50_LEGACY_LINE.baudRate, dataBits: CMS50_LEGACY_LINE.dataBits, parity: CMS50_LEGACY_LINE.parity, stopBits: CMS50_LEGACY_LINE.stopBits },
  createFramer: createCms50LegacyFramer,
  decode: decodeCms50Legacy,
};

export const cms50V7Codec: SerialCodec = {
  id: 'cms50-v7',
  description: 'Contec CMS50 V7.0 packets (docs/serial-devices.md)',
  line: CMS50_V7_LINE,
  createFramer: createCms50V7Framer,
  decode: decodeCms50V7,
};

export const seeedRadarCodec: SerialCodec = {
  id: 'seeed-radar',
  description: 'Seeed 60 GHz mmWave radar frames 53 59 … 54 43 (docs/serial-devices.md)',
  line: SEEED_RADAR_LINE,
  createFramer: createSeeedRadarFramer,
  decode: decodeSeeedRadar,
};

export const ld2410Codec: SerialCodec = {
  id: 'ld2410',
  description: 'Hi-Link LD2410 report and command frames (docs/serial-devices.md)',
  line: LD2410_LINE,
  createFramer: createLd2410Framer,
  // Command ACKs are answers to configuration, not room states: they decode to no states.
  decode: (frame) => {
    const decoded = decodeLd2410(frame);
    return decoded.kind === 'report' ? decoded : { ...decoded, states: [] };
  },
};

export const SERIAL_CODECS: readonly SerialCodec[] = [callFrameV1, cms50LegacyCodec, cms50V7Codec, seeedRadarCodec, ld2410Codec];

/** Codecs keyed by id. */
const BY_ID = new Map(SERIAL_CODECS.map((c) => [c.id, c]));

export function getSerialCodec(id: string): SerialCodec | undefined {
  return BY_ID.get(id);
}
