/** fast-check arbitraries over each serial codec's value space, and the codecs as uniform entries for the properties. */
import fc from 'fast-check';
import {
  createCms50LegacyFramer,
  createCms50V7Framer,
  createLd2410Framer,
  createSeeedRadarFramer,
  decodeCms50Legacy,
  decodeCms50V7,
  decodeLd2410,
  decodeSeeedRadar,
  encodeCms50Legacy,
  encodeCms50V7RealTime,
  encodeLd2410Command,
  encodeLd2410Report,
  encodeSeeedRadarReport,
  LD2410_MAX_FRAME,
  SEEED_RADAR_MAX_FRAME,
  type Cms50LegacyFields,
  type Cms50V7RealTimeFields,
  type FramerOptions,
  type Ld2410ReportFields,
  type SeeedRadarReport,
  type Framer,
} from '../../../protocols/serial/index.ts';

const byte = fc.integer({ min: 0, max: 255 });
const nibble = fc.integer({ min: 0, max: 15 });
const seven = fc.integer({ min: 0, max: 127 });

export const legacyFields: fc.Arbitrary<Cms50LegacyFields> = fc.record({
  signalStrength: nibble,
  pulseBeep: fc.boolean(),
  lowSpo2: fc.boolean(),
  searchingTooLong: fc.boolean(),
  pleth: seven,
  searching: fc.boolean(),
  probeError: fc.boolean(),
  barGraph: nibble,
  pulseRate: byte,
  spo2: seven,
});

export const v7Fields: fc.Arbitrary<Cms50V7RealTimeFields> = fc.record({
  signalStrength: nibble,
  searchingTooLong: fc.boolean(),
  lowSpo2: fc.boolean(),
  pulseBeep: fc.boolean(),
  probeError: fc.boolean(),
  pleth: seven,
  searching: fc.boolean(),
  barGraph: nibble,
  piInvalid: fc.boolean(),
  pulseRate: byte,
  // Special values weighted in: 0, 100, 127 (invalid), 0xFF.
  spo2: fc.oneof(byte, fc.constantFrom(0, 100, 101, 0x7f, 0xff)),
  piRaw: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 2200, 2201, 0xffff)),
});

export const seeedReport: fc.Arbitrary<SeeedRadarReport> = fc.oneof(
  fc.constant({ kind: 'alive' as const }),
  fc.boolean().map((present) => ({ kind: 'presence' as const, present })),
  fc.constantFrom('none', 'stationary', 'moving').map((motion) => ({ kind: 'motion' as const, motion })),
  fc.integer({ min: 0, max: 100 }).map((level) => ({ kind: 'body-movement' as const, level })),
  fc.boolean().map((fallen) => ({ kind: 'fall' as const, fallen })),
  fc.boolean().map((residing) => ({ kind: 'stationary-residence' as const, residing })),
  byte.map((bpm) => ({ kind: 'heart-rate' as const, bpm })),
  byte.map((perMinute) => ({ kind: 'breathing-rate' as const, perMinute })),
);

const engineering = fc
  .record({ maxMovingGate: fc.integer({ min: 0, max: 8 }), maxStaticGate: fc.integer({ min: 0, max: 8 }), light: fc.option(byte), outPin: fc.option(byte) })
  .chain(({ maxMovingGate, maxStaticGate, light, outPin }) =>
    fc.record({
      maxMovingGate: fc.constant(maxMovingGate),
      maxStaticGate: fc.constant(maxStaticGate),
      movingGateEnergy: fc.array(byte, { minLength: maxMovingGate + 1, maxLength: maxMovingGate + 1 }),
      staticGateEnergy: fc.array(byte, { minLength: maxStaticGate + 1, maxLength: maxStaticGate + 1 }),
      light: fc.constant(light),
      // The OUT pin byte can only follow a light byte.
      outPin: fc.constant(light === null ? null : outPin),
    }),
  );

export const ld2410Fields: fc.Arbitrary<Ld2410ReportFields> = fc.record({
  targetState: fc.oneof(fc.integer({ min: 0, max: 3 }), byte),
  movingDistanceCm: fc.integer({ min: 0, max: 0xffff }),
  movingEnergy: byte,
  staticDistanceCm: fc.integer({ min: 0, max: 0xffff }),
  staticEnergy: byte,
  detectionDistanceCm: fc.integer({ min: 0, max: 0xffff }),
  engineering: fc.option(engineering),
});

/** One framer/codec as the generic properties see it. */
export interface CodecEntry {
  name: string;
  framer: (options?: FramerOptions<string>) => Framer;
  decode: (frame: Uint8Array) => unknown;
  /** Valid frames of this codec. */
  frame: fc.Arbitrary<Uint8Array>;
  /** Longest frame the framer accepts (a false header in noise can hold frames back this long). */
  maxFrame: number;
}

export const CODECS: CodecEntry[] = [
  { name: 'cms50-legacy', framer: (o) => createCms50LegacyFramer(o), decode: decodeCms50Legacy, frame: legacyFields.map(encodeCms50Legacy), maxFrame: 5 },
  { name: 'cms50-v7', framer: (o) => createCms50V7Framer(o), decode: decodeCms50V7, frame: v7Fields.map(encodeCms50V7RealTime), maxFrame: 9 },
  { name: 'seeed-radar', framer: (o) => createSeeedRadarFramer(o), decode: decodeSeeedRadar, frame: seeedReport.map(encodeSeeedRadarReport), maxFrame: SEEED_RADAR_MAX_FRAME },
  {
    name: 'ld2410',
    framer: (o) => createLd2410Framer(o),
    decode: decodeLd2410,
    frame: fc.oneof(
      ld2410Fields.map(encodeLd2410Report),
      fc.tuple(byte, fc.uint8Array({ maxLength: 8 }), fc.option(fc.integer({ min: 0, max: 0xffff }))).map(([cmd, value, status]) =>
        encodeLd2410Command(cmd, value, status === null ? undefined : { status }),
      ),
    ),
    maxFrame: LD2410_MAX_FRAME,
  },
];

/** Split bytes into chunks at the given cut points (as a port delivers them). */
export function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}
