/**
 * Fall detector for a waist-worn 3-axis accelerometer, run sample by sample at the edge
 * (docs/fall-detection.md). A fall is a posture change from upright to lying that follows or
 * accompanies an impact, and the wearer stays down:
 *
 *   1. impact: the acceleration magnitude reaches `impactG`;
 *   2. posture change: the trunk's tilt (angle between the slowly filtered acceleration, i.e.
 *      gravity, and its direction when standing) passes `lyingDeg`, having been below
 *      `uprightDeg` at most `uprightBeforeLyingS` earlier;
 *   3. the impact happened within `impactWindowS` of the moment the tilt passed `lyingDeg`
 *      (before it, or after it as the trunk lands), and the tilt then stays past `lyingDeg` for
 *      `lyingHoldS` after both that moment and the last impact (stays down, still).
 *
 * Pure and streaming: O(1) time and memory per sample, no I/O, no clock; time comes from the
 * samples' timestamps or from the sample index and `sampleRateHz`. Defaults are the values tuned on
 * the SisFall sample (`npm run bench:falls`).
 */
import { z } from 'zod';

const Vector3 = z.tuple([z.number(), z.number(), z.number()]).refine(([x, y, z]) => x * x + y * y + z * z > 0, 'must not be the zero vector');

export const FallDetectorOptions = z.strictObject({
  sampleRateHz: z.number().positive().default(200).describe('sampling rate [Hz], used for samples that carry no timestamp'),
  uprightReading: Vector3.default([0, -1, 0]).describe(
    'direction of the accelerometer reading at rest when the wearer stands, in sensor axes (SisFall waist unit: y = -1 g)',
  ),
  gravityCutoffHz: z
    .number()
    .positive()
    .default(0.5)
    .describe('cut-off [Hz] of the first-order low-pass that keeps gravity (posture) and drops movement'),
  impactG: z.number().positive().default(2.05).describe('acceleration magnitude [g] that counts as an impact'),
  uprightDeg: z.number().min(0).max(180).default(45).describe('trunk tilt [°] below which the wearer counts as upright'),
  lyingDeg: z.number().min(0).max(180).default(60).describe('trunk tilt [°] past which the wearer counts as lying'),
  lyingHoldS: z.number().nonnegative().default(1.75).describe('how long [s] the wearer must stay lying, after lying down and after the last impact, before the fall is reported'),
  impactWindowS: z
    .number()
    .nonnegative()
    .default(2)
    .describe('how far [s] from the moment the tilt passes lyingDeg, before or after, the impact may be'),
  uprightBeforeLyingS: z
    .number()
    .nonnegative()
    .default(4)
    .describe('the wearer must have been upright at most this long [s] before lying: turning over in bed is no fall'),
});
export type FallDetectorOptions = z.input<typeof FallDetectorOptions>;
type Resolved = z.output<typeof FallDetectorOptions>;

export interface FallEvent {
  /** Time [s] of the largest impact of the fall (the moment of the fall). */
  atS: number;
  /** Time [s] of the sample that completed the decision (atS plus the time spent lying). */
  detectedAtS: number;
  /** Largest acceleration magnitude [g] of that impact. */
  peakG: number;
}

export interface FallDetector {
  /**
   * Feeds one sample: acceleration in g along the sensor axes, and optionally its time [s]
   * (otherwise sample index / sampleRateHz). Returns a FallEvent on the sample that completes a
   * fall, else null. A sample with a non-finite value is skipped and counted in `rejected`.
   */
  push(x: number, y: number, z: number, tS?: number): FallEvent | null;
  /** Samples skipped because a value was not a finite number. */
  readonly rejected: number;
}

export function createFallDetector(options: FallDetectorOptions = {}): FallDetector {
  const o: Resolved = FallDetectorOptions.parse(options);
  const [ux, uy, uz] = o.uprightReading;
  const uNorm = Math.hypot(ux, uy, uz);
  const cosUpright = Math.cos((o.uprightDeg * Math.PI) / 180);
  const cosLying = Math.cos((o.lyingDeg * Math.PI) / 180);
  const impactG2 = o.impactG * o.impactG;
  const omega = 2 * Math.PI * o.gravityCutoffHz;
  const fixedDt = 1 / o.sampleRateHz;
  const fixedAlpha = 1 - Math.exp(-omega * fixedDt);

  let index = 0;
  let rejected = 0;
  let lastT = Number.NaN;
  // gravity estimate (first-order low-pass of the reading), g
  let gx = 0;
  let gy = 0;
  let gz = 0;
  let started = false;
  let lastUprightT = Number.NEGATIVE_INFINITY;
  /** Time the tilt last passed lyingDeg, or NaN while not lying. */
  let lyingSinceT = Number.NaN;
  /** Whether the current lying spell began within uprightBeforeLyingS of being upright. */
  let lyingFromUpright = false;
  /** Whether an impact came within impactWindowS of the current lying spell's start. */
  let impactNearLying = false;
  /** Time of the last sample at or above impactG. */
  let lastImpactT = Number.NEGATIVE_INFINITY;
  // The largest impact of the last impactWindowS or so (the one reported): a larger one replaces
  // it, and so does any impact once it is older than impactWindowS, so a fall while jogging is
  // timed by its landing, not by a hard step before it.
  let peakT = Number.NEGATIVE_INFINITY;
  let peakG2 = 0;
  /** False after a report until the wearer is upright again: one fall, one report. */
  let armed = true;

  function push(x: number, y: number, z: number, tS?: number): FallEvent | null {
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z) || (tS !== undefined && !Number.isFinite(tS))) {
      rejected++;
      return null;
    }
    const t = tS ?? index * fixedDt;
    index++;
    if (!started) {
      gx = x;
      gy = y;
      gz = z;
      started = true;
    } else {
      // A timestamp that goes backwards or repeats adds nothing to the filter (dt = 0).
      const alpha = tS === undefined ? fixedAlpha : 1 - Math.exp(-omega * Math.max(0, t - lastT));
      gx += alpha * (x - gx);
      gy += alpha * (y - gy);
      gz += alpha * (z - gz);
    }
    lastT = t;

    const m2 = x * x + y * y + z * z;
    if (m2 >= impactG2) {
      if (t - peakT > o.impactWindowS || m2 > peakG2) {
        peakT = t;
        peakG2 = m2;
      }
      lastImpactT = t;
    }

    const gNorm = Math.hypot(gx, gy, gz);
    // A gravity estimate of zero (only after more than a second of free fall) has no direction to
    // measure a tilt from: the posture stays as it was.
    if (gNorm < 1e-6) return null;
    // cos(tilt) between the gravity estimate and its standing direction
    const cosTilt = (gx * ux + gy * uy + gz * uz) / (gNorm * uNorm);
    if (cosTilt > cosUpright) {
      lastUprightT = t;
      armed = true;
    }
    if (cosTilt < cosLying) {
      if (Number.isNaN(lyingSinceT)) {
        lyingSinceT = t;
        lyingFromUpright = t - lastUprightT <= o.uprightBeforeLyingS;
        impactNearLying = t - lastImpactT <= o.impactWindowS;
      } else if (lastImpactT === t && t - lyingSinceT <= o.impactWindowS) {
        impactNearLying = true;
      }
      // Held from the later of lying down and the last impact: one who gets up with a jolt
      // (SisFall D13, lying down quickly then sitting up) has no stillness after it.
      const downSince = Math.max(lyingSinceT, lastImpactT);
      if (armed && lyingFromUpright && impactNearLying && t - downSince >= o.lyingHoldS) {
        armed = false;
        return { atS: peakT, detectedAtS: t, peakG: Math.sqrt(peakG2) };
      }
    } else {
      lyingSinceT = Number.NaN;
    }
    return null;
  }

  return {
    push,
    get rejected() {
      return rejected;
    },
  };
}
