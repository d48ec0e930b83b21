/**
 * Valid frames for every serial codec of the registry (protocols/codecs.ts), from the project's
 * encoders with random field values: the fuzz script's valid and mutated phases and the codec
 * benchmark's streams are built from them. Keyed by codec id; a codec registered without an entry
 * here makes both scripts stop with a message naming it.
 */
import { CALL_POINT_EVENTS, encodeCallFrame } from '../protocols/call-frame.ts';
import type { SerialCodec } from '../protocols/codecs.ts';
import {
  encodeCms50Legacy,
  encodeCms50V7RealTime,
  encodeLd2410Command,
  encodeLd2410Report,
  encodeSeeedRadarReport,
  type SeeedRadarReport,
} from '../protocols/serial/index.ts';
import type { Rng } from './fuzz-rng.ts';

const MOTIONS = ['none', 'stationary', 'moving'] as const;

function seeedReport(rng: Rng): SeeedRadarReport {
  switch (rng.int(8)) {
    case 0: return { kind: 'alive' };
    case 1: return { kind: 'presence', present: rng.bool() };
    case 2: return { kind: 'motion', motion: rng.pick(MOTIONS) };
    case 3: return { kind: 'body-movement', level: rng.int(101) };
    case 4: return { kind: 'fall', fallen: rng.bool() };
    case 5: return { kind: 'stationary-residence', residing: rng.bool() };
    case 6: return { kind: 'heart-rate', bpm: rng.int(256) };
    default: return { kind: 'breathing-rate', perMinute: rng.int(256) };
  }
}

function ld2410Frame(rng: Rng): Uint8Array {
  // One in five is a command ACK, as a configuration session would interleave them.
  if (rng.int(5) === 0) return encodeLd2410Command(rng.int(256), rng.bytes(rng.int(9)), rng.bool() ? { status: rng.int(2) } : undefined);
  const gates = (n: number): number[] => Array.from({ length: n + 1 }, () => rng.int(256));
  const mm = rng.int(9);
  const ms = rng.int(9);
  return encodeLd2410Report({
    targetState: rng.int(4),
    movingDistanceCm: rng.int(65536),
    movingEnergy: rng.int(101),
    staticDistanceCm: rng.int(65536),
    staticEnergy: rng.int(101),
    detectionDistanceCm: rng.int(65536),
    engineering: rng.bool() ? null : { maxMovingGate: mm, maxStaticGate: ms, movingGateEnergy: gates(mm), staticGateEnergy: gates(ms), light: rng.int(256), outPin: rng.int(2) },
  });
}

/** Valid frame generators, keyed by serial codec id. */
export const SERIAL_SAMPLES: Readonly<Record<string, (rng: Rng) => Uint8Array>> = {
  'call-frame-v1': (rng) =>
    encodeCallFrame({
      // Receiver 0/255 and call point 0/0xFFFF are reserved (docs/serial-call-receiver.md): a valid frame avoids them.
      receiver: 1 + rng.int(254),
      callPoint: 1 + rng.int(65534),
      event: rng.pick(CALL_POINT_EVENTS),
      seq: rng.int(65536),
      battery: rng.bool() ? null : rng.int(101),
    }),
  'cms50-legacy': (rng) =>
    encodeCms50Legacy({
      signalStrength: rng.int(16), pulseBeep: rng.bool(), lowSpo2: rng.bool(), searchingTooLong: rng.bool(), pleth: rng.int(128),
      searching: rng.bool(), probeError: rng.bool(), barGraph: rng.int(16), pulseRate: rng.int(256), spo2: rng.int(128),
    }),
  'cms50-v7': (rng) =>
    encodeCms50V7RealTime({
      signalStrength: rng.int(16), searchingTooLong: rng.bool(), lowSpo2: rng.bool(), pulseBeep: rng.bool(), probeError: rng.bool(), pleth: rng.int(128),
      searching: rng.bool(), barGraph: rng.int(16), piInvalid: rng.bool(), pulseRate: rng.int(256), spo2: rng.int(256), piRaw: rng.int(65536),
    }),
  'seeed-radar': (rng) => encodeSeeedRadarReport(seeedReport(rng)),
  ld2410: ld2410Frame,
};

/** LD2410 engineering data may be refused by the decoder (gate counts above 8, short arrays): a SerialDecodeError there is an answer, not a bug. */
export const DECODER_MAY_REFUSE: ReadonlySet<string> = new Set(['ld2410']);

/** The generator for a codec, or an error naming where to add one. */
export function serialSample(codec: SerialCodec): (rng: Rng) => Uint8Array {
  const make = SERIAL_SAMPLES[codec.id];
  if (!make) throw new Error(`no valid frame generator for serial codec ${codec.id}: add one to SERIAL_SAMPLES in bench/serial-samples.ts`);
  return make;
}
