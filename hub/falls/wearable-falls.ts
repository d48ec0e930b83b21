/**
 * Falls from wearables' raw accelerometer streams, decided at the hub (docs/fall-detection.md#wearables-at-the-edge):
 * one streaming FallDetector per wearable, fed batch by batch. Samples are never stored; what leaves here
 * is the decision, which the pipeline stores as a `fall` state for the fall rule.
 *
 * Time is the device's sample counter over its rate (`firstSample / rateHz`), not the hub's clock: a
 * batch that waited in a socket buffer is judged by when it was measured, and a replay at any speed gives
 * the same decision. Memory is one detector (about fifteen numbers) and two counters per wearable.
 */
import type { DeviceInput } from '../../drivers/device-input.ts';
import { createFallDetector, type FallDetector, type FallDetectorOptions, type FallEvent } from './fall-detector.ts';

type AccelerometerInput = Extract<DeviceInput, { kind: 'accelerometer' }>;

export interface WearableFallsOptions {
  /** Detector options other than the mounting and the rate, which come with each batch (tuned defaults when absent). */
  detector?: Omit<FallDetectorOptions, 'uprightReading' | 'sampleRateHz'>;
}

/** What one batch did to a wearable's stream. */
export interface WearableBatchResult {
  /** Falls completed by this batch's samples (at most one in practice: the detector re-arms only once the wearer is upright). */
  falls: FallEvent[];
  /** Samples fed to the detector. */
  samples: number;
  /** Samples dropped as already seen (a batch delivered twice). */
  duplicates: number;
  /** Why the detector started afresh before this batch, if it did. */
  reset: 'restart' | 'rate-change' | null;
}

interface Stream {
  detector: FallDetector;
  rateHz: number;
  /** The sample number the next batch should start at. */
  next: number;
  upright: readonly [number, number, number];
}

export class WearableFalls {
  /** one stream per wearable, keyed by device id */
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly options: WearableFallsOptions = {}) {}

  push(deviceId: string, batch: AccelerometerInput): WearableBatchResult {
    const count = Math.floor(batch.samples.length / 3);
    let stream = this.streams.get(deviceId);
    let reset: WearableBatchResult['reset'] = null;
    let skip = 0;
    if (stream && stream.rateHz !== batch.rateHz) reset = 'rate-change';
    else if (stream && batch.firstSample < stream.next) {
      // Behind the stream: a batch delivered again overlaps what was fed (skip that part); one that
      // starts further back than a whole batch is a device that restarted its counter.
      if (stream.next - batch.firstSample <= count) skip = stream.next - batch.firstSample;
      else reset = 'restart';
    }
    if (!stream || reset || !sameMounting(stream.upright, batch.upright)) {
      stream = {
        detector: createFallDetector({ ...this.options.detector, sampleRateHz: batch.rateHz, uprightReading: [...batch.upright] }),
        rateHz: batch.rateHz,
        next: batch.firstSample,
        upright: batch.upright,
      };
      this.streams.set(deviceId, stream);
    }
    const falls: FallEvent[] = [];
    const { samples } = batch;
    for (let i = skip; i < count; i++) {
      // A gap (lost batches) is just a longer interval: the detector's filter uses the actual time step.
      const fall = stream.detector.push(samples[3 * i]!, samples[3 * i + 1]!, samples[3 * i + 2]!, (batch.firstSample + i) / batch.rateHz);
      if (fall) falls.push(fall);
    }
    stream.next = Math.max(stream.next, batch.firstSample + count);
    return { falls, samples: count - skip, duplicates: skip, reset };
  }

  /** Forget a wearable's stream (e.g. it went offline); its next batch starts a fresh detector. */
  forget(deviceId: string): void {
    this.streams.delete(deviceId);
  }

  get size(): number {
    return this.streams.size;
  }
}

function sameMounting(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a[0] === b[0] && a[1] === b[1] && a[2] === b[2]);
}
