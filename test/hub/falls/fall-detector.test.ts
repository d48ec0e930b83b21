import t from 'tap';
import { createFallDetector, FallDetectorOptions, type FallEvent } from '../../../hub/falls/fall-detector.ts';

const RATE = 200;
type Sample = [number, number, number];

/** Deterministic noise (a fixed LCG) so a failure reproduces. */
function noise(seed: number) {
  let s = seed >>> 0;
  return (amplitude: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * amplitude;
  };
}

/** Builds a trace at 200 Hz from segments; the sensor follows SisFall's waist unit: standing reads (0, -1, 0) g. */
class Trace {
  readonly samples: Sample[] = [];
  private readonly jitter = noise(7);
  get seconds() {
    return this.samples.length / RATE;
  }
  hold(reading: Sample, seconds: number): this {
    for (let i = 0; i < seconds * RATE; i++) this.samples.push([reading[0] + this.jitter(0.02), reading[1] + this.jitter(0.02), reading[2] + this.jitter(0.02)]);
    return this;
  }
  /** Turns the trunk from `from` tilt to `to` tilt (degrees, about the z axis) over `seconds`. */
  rotate(fromDeg: number, toDeg: number, seconds: number): this {
    const n = seconds * RATE;
    for (let i = 0; i < n; i++) this.samples.push(tilted(fromDeg + ((toDeg - fromDeg) * i) / n));
    return this;
  }
  /** A short spike of `g` along the current reading's direction (an impact or a heel strike). */
  spike(g: number, seconds = 0.03): this {
    const last = this.samples.at(-1) ?? [0, -1, 0];
    const norm = Math.hypot(...last);
    for (let i = 0; i < seconds * RATE; i++) this.samples.push([(last[0] / norm) * g, (last[1] / norm) * g, (last[2] / norm) * g]);
    return this;
  }
  /** A fall: 0.4 s of near free fall while the trunk turns to `endDeg`, an impact of `impactG`, then the lying reading. */
  fall(impactG: number, endDeg = 90): this {
    const n = 0.4 * RATE;
    for (let i = 0; i < n; i++) {
      const [x, y, z] = tilted((endDeg * i) / n);
      this.samples.push([x * 0.3, y * 0.3, z * 0.3]);
    }
    this.samples.push(tilted(endDeg));
    return this.spike(impactG);
  }
  /** Walking: 2 steps/s, ±0.4 g vertical and ±0.2 g sideways, and a heel strike of `heelG` every step. */
  walk(seconds: number, heelG: number): this {
    for (let i = 0; i < seconds * RATE; i++) {
      const s = i / RATE;
      const vertical = 1 + 0.4 * Math.sin(2 * Math.PI * 2 * s);
      const strike = i % (RATE / 2) < 4 ? heelG - vertical : 0;
      this.samples.push([0.2 * Math.sin(2 * Math.PI * s) + this.jitter(0.05), -(vertical + strike), 0.1 * Math.sin(2 * Math.PI * 2 * s + 1)]);
    }
    return this;
  }
}

/** The reading at rest with the trunk tilted `deg` from upright (about the z axis). */
function tilted(deg: number): Sample {
  const r = (deg * Math.PI) / 180;
  return [Math.sin(r), -Math.cos(r), 0];
}

const UPRIGHT: Sample = [0, -1, 0];
const LYING = tilted(90);

function run(trace: Trace, options: FallDetectorOptions = {}): FallEvent[] {
  const detector = createFallDetector(options);
  const events: FallEvent[] = [];
  for (const [x, y, z] of trace.samples) {
    const e = detector.push(x, y, z);
    if (e) events.push(e);
  }
  return events;
}

t.test('a clear fall: impact, then lying still, is reported once, at the impact', async (t) => {
  const trace = new Trace().hold(UPRIGHT, 3).fall(4);
  const impactAt = trace.seconds - 0.03;
  trace.hold(LYING, 8);
  const events = run(trace);
  t.equal(events.length, 1, 'one fall, one report');
  const [e] = events;
  t.ok(Math.abs(e!.atS - impactAt) <= 0.03, `atS ${e!.atS} is the impact (${impactAt})`);
  t.ok(Math.abs(e!.peakG - 4) < 0.1, `peak ${e!.peakG} g`);
  const defaults = FallDetectorOptions.parse({});
  t.ok(e!.detectedAtS >= e!.atS + defaults.lyingHoldS, 'decided only after lyingHoldS lying still');
  t.ok(e!.detectedAtS <= e!.atS + defaults.lyingHoldS + 1, `decided within a second of that (${e!.detectedAtS})`);
});

t.test('a fall while jogging is timed by its landing, not by a harder step seconds before', async (t) => {
  const trace = new Trace().walk(5, 3).spike(8).walk(10, 3).fall(5);
  const landing = trace.seconds - 0.03;
  trace.hold(LYING, 5);
  const events = run(trace);
  t.equal(events.length, 1);
  t.ok(Math.abs(events[0]!.atS - landing) <= 0.03, `atS ${events[0]!.atS}, landing at ${landing}`);
  t.ok(Math.abs(events[0]!.peakG - 5) < 0.1, `peak ${events[0]!.peakG} g is the landing's`);
});

t.test('walking, even with heel strikes above the impact threshold, is no fall', async (t) => {
  t.same(run(new Trace().hold(UPRIGHT, 2).walk(60, 2.6).hold(UPRIGHT, 5)), [], 'a minute of walking');
  t.same(run(new Trace().walk(20, 3.5).hold(tilted(20), 10)), [], 'jogging-like strikes, then standing leaning a little');
});

t.test('the impact threshold: a fall whose impact stays below impactG is not reported', async (t) => {
  const fall = (g: number) => new Trace().hold(UPRIGHT, 3).fall(g).hold(LYING, 6);
  t.equal(run(fall(2.3)).length, 1, '2.3 g > 2.05 g');
  t.equal(run(fall(1.8)).length, 0, '1.8 g < 2.05 g');
  t.equal(run(fall(1.8), { impactG: 1.5 }).length, 1, 'unless impactG is lowered');
});

t.test('lying down slowly (no impact) is no fall, however long one lies', async (t) => {
  t.same(run(new Trace().hold(UPRIGHT, 3).rotate(0, 90, 2).hold(LYING, 60)), []);
});

t.test('posture: an impact that leaves the wearer upright or leaning is no fall', async (t) => {
  t.same(run(new Trace().hold(UPRIGHT, 3).spike(5).hold(UPRIGHT, 10)), [], 'stamping, bumping into a door');
  t.same(run(new Trace().hold(UPRIGHT, 3).fall(4, 50).hold(tilted(50), 10)), [], 'dropping hard into a reclining chair (50°)');
});

t.test('an impact while already lying (turning over in bed, knocking the bed frame) is no fall', async (t) => {
  t.same(run(new Trace().hold(LYING, 10).spike(4).hold(tilted(100), 10)), [], 'lying from the start');
  t.same(run(new Trace().hold(UPRIGHT, 2).rotate(0, 90, 2).hold(LYING, 10).spike(4).hold(LYING, 10)), [], 'lay down ten seconds before');
  // half sitting up in bed (50°: not upright) and dropping back with a bump: no posture change from upright
  t.same(run(new Trace().hold(LYING, 10).rotate(90, 50, 1).hold(tilted(50), 3).rotate(50, 90, 0.3).spike(3).hold(LYING, 10)), [], 'dropping back into bed');
});

t.test('stays down: getting up within lyingHoldS, or with a jolt at the end, is no fall', async (t) => {
  t.same(run(new Trace().hold(UPRIGHT, 3).fall(4).hold(LYING, 1).rotate(90, 0, 0.5).hold(UPRIGHT, 10)), [], 'up again after 1 s');
  // lying down quickly without impact, then a jolt and sitting up a second later (SisFall D13):
  // the jolt is the only impact, and nobody stays down lyingHoldS after it
  t.same(run(new Trace().hold(UPRIGHT, 3).rotate(0, 90, 0.3).hold(LYING, 1.5).spike(5).hold(LYING, 1).rotate(90, 10, 0.4).hold(tilted(10), 10)), [], 'a jolt, then up');
  t.equal(run(new Trace().hold(UPRIGHT, 3).rotate(0, 90, 0.3).hold(LYING, 1.5).spike(5).hold(LYING, 3)).length, 1, 'the same jolt, then staying down: a fall');
});

t.test('after a fall the detector re-arms once the wearer is upright again', async (t) => {
  const trace = new Trace().hold(UPRIGHT, 3).fall(4).hold(LYING, 20);
  t.equal(run(trace).length, 1, 'still lying: no repeat');
  trace.rotate(90, 0, 1).hold(UPRIGHT, 5).fall(3).hold(LYING, 5);
  const events = run(trace);
  t.equal(events.length, 2, 'a second fall after standing up');
  t.ok(events[1]!.atS > events[0]!.atS + 20);
});

t.test('time comes from timestamps when given, else from the sample index', async (t) => {
  // the same fall sampled at 50 Hz: every 4th sample, with its own time
  const trace = new Trace().hold(UPRIGHT, 3).fall(4, 90).hold(LYING, 6);
  const detector = createFallDetector();
  let event: FallEvent | null = null;
  for (let i = 0; i < trace.samples.length && !event; i += 4) {
    const [x, y, z] = trace.samples[i]!;
    event = detector.push(x, y, z, 100 + i / RATE);
  }
  t.ok(event, 'detected at 50 Hz with timestamps');
  t.ok(event!.atS > 103 && event!.atS < 103.5, `atS ${event!.atS} on the timestamps' clock`);
  const atIndex = run(trace)[0]!;
  t.ok(atIndex.atS > 3 && atIndex.atS < 3.5, `atS ${atIndex.atS} from index / 200 Hz`);
  const slow = run(trace, { sampleRateHz: 100 })[0]!;
  t.ok(Math.abs(slow.atS - 2 * atIndex.atS) < 0.01, 'sampleRateHz sets the index clock');
});

t.test('a non-finite sample is skipped and counted, never a crash', async (t) => {
  const detector = createFallDetector();
  t.equal(detector.push(Number.NaN, -1, 0), null);
  t.equal(detector.push(0, Number.POSITIVE_INFINITY, 0), null);
  t.equal(detector.push(0, -1, 0, Number.NaN), null);
  t.equal(detector.rejected, 3);
  const trace = new Trace().hold(UPRIGHT, 3).fall(4).hold(LYING, 6);
  let events = 0;
  for (const [x, y, z] of trace.samples) if (detector.push(x, y, z)) events++;
  t.equal(events, 1, 'still detects afterwards');
  t.equal(detector.rejected, 3);
});

t.test('options are declared: defaults, and bad values refused', async (t) => {
  const defaults = FallDetectorOptions.parse({});
  t.match(defaults, { sampleRateHz: 200, uprightReading: [0, -1, 0], impactG: 2.05, lyingDeg: 60, lyingHoldS: 1.75, uprightDeg: 45 });
  t.throws(() => createFallDetector({ impactG: -1 }));
  t.throws(() => createFallDetector({ uprightReading: [0, 0, 0] }), /zero vector/);
  t.throws(() => createFallDetector({ lyingDeg: 200 }));
  t.throws(() => createFallDetector({ impactg: 2 } as FallDetectorOptions), 'an unknown (misspelt) option');
});

t.test('another mounting: uprightReading sets which way is up', async (t) => {
  // a sensor worn with +z up reads (0, 0, 1) standing; lying turns the reading onto x
  const trace = new Trace().hold([0, 0, 1], 3);
  trace.samples.push(...Array.from({ length: 80 }, (): Sample => [0.1, 0, 0.25]));
  trace.spike(4).hold([1, 0, 0], 6);
  t.equal(run(trace).length, 0, 'with the SisFall mounting it never looked upright');
  t.equal(run(trace, { uprightReading: [0, 0, 1] }).length, 1, 'with its own mounting the fall is found');
});
