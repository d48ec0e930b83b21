/**
 * Which CMS50 protocol a stream speaks, for "detected at connect". The two never look alike on the
 * wire: a legacy frame holds four bytes with bit 7 clear in a row, a V7.0 packet never more than
 * one. So the detector frames the sample both ways and keeps the reading whose frames cover most
 * of it. The line settings differ too (19200 8O1 against 115200 8N1): a driver opens the port at
 * 115200, sends the V7.0 start command, and falls back to 19200 when no packets of type 0x01 come
 * back (docs/serial-devices.md).
 */
import { createCms50LegacyFramer, decodeCms50Legacy, CMS50_LEGACY_LINE, type Cms50LegacySample } from './cms50-legacy.ts';
import { createCms50V7Framer, decodeCms50V7, encodeCms50V7Command, CMS50_V7_COMMANDS, CMS50_V7_LINE, type Cms50V7Other, type Cms50V7RealTime } from './cms50-v7.ts';

export type Cms50Protocol = 'legacy' | 'v7';

export interface Cms50Detection {
  protocol: Cms50Protocol | null;
  /** Frames each reading found in the sample. */
  legacyFrames: number;
  v7Packets: number;
  /** Share of the sample's bytes inside frames, 0–1, for each reading. */
  legacyCoverage: number;
  v7Coverage: number;
}

export interface Cms50DetectOptions {
  /** Frames needed before deciding (3 by default: 50 ms of a 60 Hz stream). */
  minFrames?: number;
  /** Share of the sample that must be inside frames (0.5 by default, so noise never decides). */
  minCoverage?: number;
}

export function detectCms50Protocol(sample: Uint8Array, options: Cms50DetectOptions = {}): Cms50Detection {
  const minFrames = options.minFrames ?? 3;
  const minCoverage = options.minCoverage ?? 0.5;
  const legacy = createCms50LegacyFramer().push(sample);
  const v7 = createCms50V7Framer().push(sample);
  const size = Math.max(1, sample.length);
  const legacyCoverage = (legacy.length * 5) / size;
  const v7Coverage = v7.reduce((n, f) => n + f.length, 0) / size;
  let protocol: Cms50Protocol | null = null;
  if (legacy.length >= minFrames && legacyCoverage >= minCoverage && legacyCoverage > v7Coverage) protocol = 'legacy';
  else if (v7.length >= minFrames && v7Coverage >= minCoverage && v7Coverage > legacyCoverage) protocol = 'v7';
  return { protocol, legacyFrames: legacy.length, v7Packets: v7.length, legacyCoverage, v7Coverage };
}

export const CMS50_LINES = { legacy: CMS50_LEGACY_LINE, v7: CMS50_V7_LINE } as const;

/** What to send after opening at 115200: start real-time data. */
export const CMS50_V7_START = encodeCms50V7Command(CMS50_V7_COMMANDS.startRealTime);
/** The keep-alive a V7.0 host sends every 5 s (some units also stop streaming after ~30 s without a new start). */
export const CMS50_V7_KEEP_ALIVE = encodeCms50V7Command(CMS50_V7_COMMANDS.keepAlive);

export type Cms50Sample = Cms50LegacySample | Cms50V7RealTime | Cms50V7Other;

export function decodeCms50(protocol: Cms50Protocol, frame: Uint8Array): Cms50Sample {
  return protocol === 'legacy' ? decodeCms50Legacy(frame) : decodeCms50V7(frame);
}
