/**
 * What the fuzz script's targets share (bench/fuzz.ts): a target is one codec (or framer and
 * decoder) with its phases; a phase pushes N frames through it in batches, times only the codec's
 * work (not the making of the frames), reports after each batch (so the watchdog sees progress),
 * and throws a FuzzFailure when an invariant breaks.
 */
import type { Rng } from './fuzz-rng.ts';

export type FuzzKind = 'serial' | 'gatt' | 'z2m';

export interface PhaseResult {
  /** Frames (values, payloads) fed in. */
  frames: number;
  bytes: number;
  /** Frames the decoder accepted. */
  decoded: number;
  /** Frames the decoder refused with its own coded error. */
  refused: number;
  /** Time spent in the codec, ms. */
  ms: number;
  /** Counts by code: a framer's rejects, or a decoder's error codes. */
  outcomes: Readonly<Record<string, number>>;
  /** Anything else worth a column (the resync check's tally). */
  note?: string;
}

export interface FuzzPhase {
  name: string;
  run(frames: number, progress: (done: number) => void): PhaseResult;
}

export interface FuzzTarget {
  kind: FuzzKind;
  name: string;
  /** Built when the target runs, so a missing sample fails that target only. */
  phases(rng: Rng): FuzzPhase[];
}

/** An invariant broke: the message names the target, the phase and what happened. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/** Frames per batch: big enough that timing overhead vanishes, small enough for steady progress. */
export const BATCH = 10_000;

/** Counts by key (outcome or reject code). */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }
}

/**
 * Runs `frames` frames in batches: `make(n)` builds a batch (untimed), `consume(batch)` is the
 * codec's work (timed), `after()` a check between batches (untimed). Returns the time in the codec, ms.
 */
export function inBatches<B>(frames: number, progress: (done: number) => void, make: (n: number) => B, consume: (batch: B) => void, after?: () => void): number {
  let ms = 0;
  for (let done = 0; done < frames; ) {
    const n = Math.min(BATCH, frames - done);
    const batch = make(n);
    const started = performance.now();
    consume(batch);
    ms += performance.now() - started;
    after?.();
    done += n;
    progress(done);
  }
  return ms;
}

/** An error a registry decoder may throw to refuse a frame: an Error with a string `code`. */
export function codeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const code: unknown = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
