/**
 * WearableFalls (docs/fall-detection.md#wearables-at-the-edge): one streaming detector per wearable,
 * fed batch by batch, timed by the device's sample counter.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { createFallDetector } from '../../../hub/falls/fall-detector.ts';
import { parseSisFall } from '../../../hub/falls/sisfall.ts';
import { WearableFalls } from '../../../hub/falls/wearable-falls.ts';
import { requirement } from '../../support/requirements.ts';

const SISFALL = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/falls/sisfall');
const UPRIGHT = [0, -1, 0] as const;
const batch = (firstSample: number, samples: Float64Array, rateHz = 200) => ({ kind: 'accelerometer' as const, firstSample, rateHz, samples, upright: UPRIGHT });

/** Feeds a trace in batches of `size` samples; returns every fall and result. */
function feed(stage: WearableFalls, deviceId: string, samples: Float64Array, size: number, start = 0) {
  const results = [];
  for (let i = 0; i < samples.length / 3; i += size) results.push(stage.push(deviceId, batch(start + i, samples.subarray(3 * i, 3 * Math.min(samples.length / 3, i + size)))));
  return results;
}

t.test('batched, the stream gives the decision the whole recording gives, for several wearables at once', { skip: requirement('the SisFall sample (../shared/data/falls/sisfall)', existsSync(SISFALL), 'the shared test data folder next to the repository') }, async (t) => {
  const fall = parseSisFall(readFileSync(join(SISFALL, 'SA04/F05_SA04_R01.txt'), 'utf8')).adxl;
  const jog = parseSisFall(readFileSync(join(SISFALL, 'SA04/D04_SA04_R01.txt'), 'utf8')).adxl;
  const whole = createFallDetector();
  let expected = null;
  for (let i = 0; i < fall.length / 3; i++) expected ??= whole.push(fall[3 * i]!, fall[3 * i + 1]!, fall[3 * i + 2]!);
  t.ok(expected, 'the recording is a fall for the detector run whole');
  for (const size of [1, 37, 100, 400]) {
    const stage = new WearableFalls();
    // interleave a jogger's stream with the faller's: each wearable has its own detector
    const falls = feed(stage, 'wear-fall', fall, size).flatMap((r) => r.falls);
    const jogs = feed(stage, 'wear-jog', jog, size).flatMap((r) => r.falls);
    t.equal(falls.length, 1, `batches of ${size}: one fall`);
    t.equal(falls[0]!.atS.toFixed(4), expected!.atS.toFixed(4), `batches of ${size}: timed as the whole recording`);
    t.same(jogs, [], `batches of ${size}: jogging is no fall`);
    t.equal(stage.size, 2);
  }
});

/** `seconds` of standing still at 200 Hz. */
const standing = (seconds: number) => new Float64Array(Array.from({ length: seconds * 200 }, () => [0, -1, 0]).flat());
/** Standing, a 0.3 s near free fall, a 4 g landing on the side, then lying still: a fall to the detector. */
function syntheticFall(): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < 400; i++) out.push(0, -1, 0);
  for (let i = 0; i < 60; i++) out.push(0, -0.2, 0);
  for (let i = 0; i < 6; i++) out.push(4, 0, 0);
  for (let i = 0; i < 800; i++) out.push(1, 0, 0);
  return new Float64Array(out);
}

t.test('a batch delivered again is skipped where it overlaps; a counter that goes back far restarts the detector', async (t) => {
  const stage = new WearableFalls();
  const still = standing(1);
  t.match(stage.push('w', batch(0, still)), { samples: 200, duplicates: 0, reset: null });
  t.match(stage.push('w', batch(0, still)), { samples: 0, duplicates: 200, reset: null }, 'the same batch again');
  t.match(stage.push('w', batch(100, still)), { samples: 100, duplicates: 100, reset: null }, 'half overlapping');
  t.match(stage.push('w', batch(1000, still)), { samples: 200, duplicates: 0, reset: null }, 'a gap (lost batches) is no reset');
  t.match(stage.push('w', batch(0, still)), { samples: 200, duplicates: 0, reset: 'restart' }, 'the device restarted its counter');
  t.match(stage.push('w', batch(200, still, 100)), { samples: 200, reset: 'rate-change' });
});

t.test('one fall, one decision; a second fall is decided only after the wearer was upright again', async (t) => {
  const stage = new WearableFalls();
  const fall = syntheticFall();
  const first = feed(stage, 'w', fall, 100).flatMap((r) => r.falls);
  t.equal(first.length, 1);
  t.match(first[0], { peakG: 4 });
  t.same(feed(stage, 'w', new Float64Array(Array.from({ length: 2000 }, () => [1, 0, 0]).flat()), 100, fall.length / 3).flatMap((r) => r.falls), [], 'still lying: no second decision');
  const again = feed(stage, 'w', fall, 100, fall.length / 3 + 2000).flatMap((r) => r.falls);
  t.equal(again.length, 1, 'up and down again: a new fall');
  stage.forget('w');
  t.equal(stage.size, 0);
});

t.test('detector options reach every wearable\'s detector', async (t) => {
  const strict = new WearableFalls({ detector: { impactG: 5 } });
  t.same(feed(strict, 'w', syntheticFall(), 100).flatMap((r) => r.falls), [], 'a 4 g landing is under a 5 g threshold');
});
