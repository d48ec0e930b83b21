/**
 * Load mode, simulated week (docs/firmware-sim.md#load-mode-simulated-week; docs/alarm-burden.md): what
 * N residents' devices send over days, with the artefacts real devices produce and scripted true events,
 * for `npm run bench:alarm-burden`. Pure and seeded: the same options give the same inputs; no clock,
 * no I/O (the wearables' accelerometer recordings are passed in).
 *
 * Each resident has three devices:
 *   - `r<n>-oximeter`: a worn pulse oximeter (SpO2 and pulse) that, as the serial oximeter streams do
 *     (docs/devices.md#serial), hands on a value when it changes and a sensor state when it changes;
 *     a steady value is repeated once a minute (not once a second, so a week stays within minutes);
 *   - `r<n>-spot`: the spot-check monitor of the observation rounds (08:00, 14:00, 20:00, give or take
 *     20 min): temperature, systolic blood pressure and respiration rate;
 *   - `r<n>-wearable`: a carehub-wearable belt clip: its status every 5 min and, at the times of daily
 *     activities and scripted falls, the accelerometer recording of that activity in 100-sample batches.
 *     Between recordings it sends no samples (a week at 200 Hz would be 6 billion of them).
 *
 * Artefacts (how often and how long: WEEK_LOAD_DEFAULTS, each with its reason) and scripted true events
 * are planned first (`planWeek`), then every resident's inputs are produced second by second in time
 * order (`weekInputs`).
 */
import type { DeviceInput } from '../drivers/device-input.ts';
import { seededRandom } from './seeded-random.ts';

export interface Recording {
  /** e.g. the SisFall file name. */
  name: string;
  hz: number;
  /** Acceleration in g, interleaved x, y, z, mounted as carehub-wearable (standing reads (0, −1, 0)). */
  samples: Float64Array;
}

export interface WeekLoadOptions {
  residents: number;
  days: number;
  seed: number;
  /** Simulation start, ms since the epoch (a midnight, local time of the rounds: UTC here). */
  startMs: number;
  /** Daily-activity recordings played on the wearables, and fall recordings for the scripted falls. */
  recordings: { adl: readonly Recording[]; fall: readonly Recording[] };
  /** Overrides of WEEK_LOAD_DEFAULTS. */
  rates?: Partial<WeekLoadRates>;
}

/** How often things happen. Counts of true events are for the whole run, artefacts per resident-day. */
export interface WeekLoadRates {
  desaturations: number;
  fevers: number;
  falls: number;
  silentDevices: number;
  /** Motion artefacts per resident-day while awake (07:00–22:00). */
  motionPerDay: number;
  /** Share of motion artefacts longer than 25 s (up to 60 s). */
  longMotionShare: number;
  /** Finger (or ring) out of the oximeter per resident-day. */
  fingerOutPerDay: number;
  /** Radio dropouts of the oximeter per resident-day, 1–20 min each. */
  dropoutsPerDay: number;
  /** Share of residents whose SpO2 sits at 92–93 %, just above the low threshold. */
  hoverSpo2Share: number;
  /** Share of residents whose pulse sits at 118–126 /min, just under the high threshold. */
  hoverHrShare: number;
  /** Share of residents on SpO2 scale 2 (hypercapnic respiratory failure, 88–92 % target). */
  scale2Share: number;
  /** Share of temperature spot readings that read low from a badly placed probe (34.5–35.0 °C). */
  misreadTemperatureShare: number;
  /** Daily-activity recordings played per resident-day. */
  activitiesPerDay: number;
}

export const WEEK_LOAD_DEFAULTS: Readonly<WeekLoadRates> = {
  desaturations: 20,
  fevers: 8,
  falls: 10,
  silentDevices: 6,
  motionPerDay: 6,
  longMotionShare: 0.1,
  fingerOutPerDay: 3,
  dropoutsPerDay: 2,
  hoverSpo2Share: 0.2,
  hoverHrShare: 0.1,
  scale2Share: 0.1,
  misreadTemperatureShare: 0.02,
  activitiesPerDay: 6,
};

export type TrueEventKind = 'desaturation' | 'fever' | 'fall' | 'silent-device';

/** A scripted true event: something staff must be told about. */
export interface ScriptedEvent {
  kind: TrueEventKind;
  residentId: string;
  deviceId: string;
  startAt: number;
  endAt: number;
  /** When a device first shows it: the onset, the first round reading of a fever, a fall's impact. */
  measurableAt: number;
  detail: string;
}

export type ArtefactKind = 'motion' | 'motion-long' | 'finger-out' | 'dropout' | 'hover-spo2-dip' | 'hover-hr-peak' | 'misread-temperature' | 'activity';

export interface ResidentPlan {
  n: number;
  residentId: string;
  roomId: string;
  oximeter: string;
  spot: string;
  wearable: string;
  scale2: boolean;
  spo2Base: number;
  hrBase: number;
  tempBase: number;
  sbpBase: number;
  rrBase: number;
  hoverSpo2: boolean;
  hoverHr: boolean;
  /** Sorted by start. */
  episodes: Episode[];
  /** Round times, sorted. */
  rounds: number[];
}

type Episode =
  | { kind: 'motion' | 'motion-long'; start: number; end: number; depth: number; hrJump: number }
  | { kind: 'finger-out'; start: number; end: number }
  | { kind: 'dropout' | 'silent'; start: number; end: number; device: 'oximeter' | 'wearable'; fingerOut?: boolean }
  | { kind: 'hover-spo2-dip' | 'hover-hr-peak'; start: number; end: number }
  | { kind: 'desaturation'; start: number; end: number; target: number }
  | { kind: 'fever'; start: number; end: number; temperature: number }
  | { kind: 'activity' | 'fall'; start: number; end: number; recording: Recording };

export interface WeekPlan {
  options: WeekLoadOptions;
  rates: WeekLoadRates;
  residents: ResidentPlan[];
  events: ScriptedEvent[];
  /** How many of each artefact were planned (misread temperatures are counted when produced). */
  artefacts: Record<ArtefactKind, number>;
}

export interface WeekInput {
  at: number;
  deviceId: string;
  input: DeviceInput;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;


/** Poisson count with mean `mean` (Knuth; means here are small). */
function poisson(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

const between = (random: () => number, lo: number, hi: number) => lo + (hi - lo) * random();

/** Index of the largest acceleration magnitude: a fall recording's impact. */
function peakIndex(recording: Recording): number {
  let best = 0;
  let bestM2 = -1;
  const s = recording.samples;
  for (let i = 0; i < s.length / 3; i++) {
    const m2 = s[3 * i]! ** 2 + s[3 * i + 1]! ** 2 + s[3 * i + 2]! ** 2;
    if (m2 > bestM2) {
      bestM2 = m2;
      best = i;
    }
  }
  return best;
}

const durationOf = (recording: Recording) => Math.ceil(((recording.samples.length / 3) * SECOND) / recording.hz);

export function planWeek(options: WeekLoadOptions): WeekPlan {
  const rates = { ...WEEK_LOAD_DEFAULTS, ...options.rates };
  const random = seededRandom(options.seed);
  const end = options.startMs + options.days * DAY;
  const artefacts: Record<ArtefactKind, number> = {
    motion: 0,
    'motion-long': 0,
    'finger-out': 0,
    dropout: 0,
    'hover-spo2-dip': 0,
    'hover-hr-peak': 0,
    'misread-temperature': 0,
    activity: 0,
  };
  const residents: ResidentPlan[] = [];
  for (let n = 1; n <= options.residents; n++) {
    const scale2 = random() < rates.scale2Share;
    const hoverSpo2 = !scale2 && random() < rates.hoverSpo2Share;
    // One hovering vital at most: a resident is stable (NEWS2 0–4) unless a scripted event says otherwise.
    const hoverHr = !hoverSpo2 && random() < rates.hoverHrShare;
    const rounds: number[] = [];
    for (let d = 0; d < options.days; d++) {
      for (const hour of [8, 14, 20]) rounds.push(options.startMs + d * DAY + hour * HOUR + Math.round(between(random, -20, 20) * MINUTE));
    }
    residents.push({
      n,
      residentId: `res-${n}`,
      roomId: `room-${n}`,
      oximeter: `r${n}-oximeter`,
      spot: `r${n}-spot`,
      wearable: `r${n}-wearable`,
      scale2,
      // scale 2: 88–90 %, the prescribed target; hovering: 92–93 %; others 94–98 %
      spo2Base: scale2 ? 89 : hoverSpo2 ? 92.6 : Math.round(between(random, 94.5, 97.5)),
      hrBase: hoverHr ? Math.round(between(random, 118, 124)) : Math.round(between(random, 60, 88)),
      tempBase: between(random, 36.2, 37.2),
      sbpBase: Math.round(between(random, 112, 150)),
      rrBase: Math.round(between(random, 13, 18)),
      hoverSpo2,
      hoverHr,
      episodes: [],
      rounds,
    });
  }

  // Scripted true events first, never overlapping another on the same resident (with an hour apart),
  // then artefacts around them (an artefact may fall inside a true event, as in life).
  const events: ScriptedEvent[] = [];
  const busy = new Map<number, Array<[number, number]>>();
  const free = (n: number, start: number, stop: number) => (busy.get(n) ?? []).every(([a, b]) => stop + HOUR < a || start > b + HOUR);
  function place(kind: TrueEventKind, count: number, make: (r: ResidentPlan) => { start: number; stop: number } | null): void {
    let placed = 0;
    for (let tries = 0; placed < count && tries < count * 200; tries++) {
      const resident = residents[Math.floor(random() * residents.length)]!;
      const span = make(resident);
      if (!span || span.stop > end - HOUR || !free(resident.n, span.start, span.stop)) continue;
      busy.set(resident.n, [...(busy.get(resident.n) ?? []), [span.start, span.stop]]);
      placed++;
      addEvent(kind, resident, span.start, span.stop);
    }
    // A run that silently scripted fewer events would report a share of the wrong total.
    if (placed < count) throw new Error(`could place only ${placed} of ${count} ${kind} events in ${options.days} days for ${options.residents} residents`);
  }
  function addEvent(kind: TrueEventKind, r: ResidentPlan, start: number, stop: number): void {
    if (kind === 'desaturation') {
      const target = Math.round(r.scale2 ? between(random, 76, 82) : between(random, 80, 87));
      r.episodes.push({ kind: 'desaturation', start, end: stop, target });
      events.push({ kind, residentId: r.residentId, deviceId: r.oximeter, startAt: start, endAt: stop, measurableAt: start, detail: `SpO2 to ${target} % for ${Math.round((stop - start) / MINUTE)} min` });
    } else if (kind === 'fever') {
      const temperature = Math.round(between(random, 38.3, 39.6) * 10) / 10;
      const firstRound = r.rounds.find((t) => t >= start && t < stop);
      if (firstRound === undefined) throw new Error('a fever must span a round');
      r.episodes.push({ kind: 'fever', start, end: stop, temperature });
      events.push({ kind, residentId: r.residentId, deviceId: r.spot, startAt: start, endAt: stop, measurableAt: firstRound, detail: `${temperature} °C for ${Math.round((stop - start) / HOUR)} h` });
    } else if (kind === 'fall') {
      const recording = options.recordings.fall[Math.floor(random() * options.recordings.fall.length)]!;
      const impactAt = start + Math.round((peakIndex(recording) * SECOND) / recording.hz);
      r.episodes.push({ kind: 'fall', start, end: stop, recording });
      events.push({ kind, residentId: r.residentId, deviceId: r.wearable, startAt: start, endAt: stop, measurableAt: impactAt, detail: recording.name });
    } else {
      // A flat battery or a broken device; half the oximeters are instead taken off and left off: they
      // say finger-out and then only repeat it, which the hub does not hand on (docs/devices.md#serial).
      const device = random() < 0.5 ? 'oximeter' : 'wearable';
      const deviceId = device === 'oximeter' ? r.oximeter : r.wearable;
      const fingerOut = device === 'oximeter' && random() < 0.5;
      r.episodes.push({ kind: 'silent', start, end: stop, device, fingerOut });
      events.push({ kind, residentId: r.residentId, deviceId, startAt: start, endAt: stop, measurableAt: start, detail: `${fingerOut ? 'oximeter taken off and left off' : `${device} silent`} for ${Math.round((stop - start) / HOUR)} h` });
    }
  }
  const anyTime = (lead = DAY / 2) => options.startMs + lead + random() * (end - options.startMs - lead - 2 * HOUR);
  place('desaturation', rates.desaturations, () => {
    const start = anyTime();
    return { start, stop: start + Math.round(between(random, 3, 20) * MINUTE) };
  });
  place('fever', rates.fevers, (r) => {
    const start = anyTime();
    const stop = start + Math.round(between(random, 24, 60) * HOUR);
    return r.rounds.some((t) => t >= start && t < stop) ? { start, stop } : null;
  });
  place('fall', rates.falls, () => {
    const start = anyTime();
    return { start, stop: start + 20 * MINUTE };
  });
  place('silent-device', rates.silentDevices, () => {
    const start = anyTime();
    return { start, stop: start + Math.round(between(random, 4, 10) * HOUR) };
  });

  for (const r of residents) {
    for (let d = 0; d < options.days; d++) {
      const dayStart = options.startMs + d * DAY;
      const awake = (from = 7, to = 22) => dayStart + between(random, from, to) * HOUR;
      for (let i = poisson(random, rates.motionPerDay); i > 0; i--) {
        const long = random() < rates.longMotionShare;
        const start = awake();
        const kind = long ? 'motion-long' : 'motion';
        r.episodes.push({ kind, start, end: start + Math.round((long ? between(random, 25, 60) : between(random, 3, 25)) * SECOND), depth: between(random, 4, 14), hrJump: between(random, 15, 60) });
        artefacts[kind]++;
      }
      // Artefacts that blind the oximeter are not placed over a true event it must see: an event no
      // device can see tests nothing but supervision, which the silent-device events test.
      const blinds = (start: number, stop: number) => r.episodes.some((e) => e.kind === 'desaturation' && start < e.end && stop > e.start - 2 * MINUTE);
      for (let i = poisson(random, rates.fingerOutPerDay); i > 0; i--) {
        const start = awake(6, 23);
        const stop = start + Math.round(between(random, 1, 20) * MINUTE);
        if (blinds(start, stop)) continue;
        r.episodes.push({ kind: 'finger-out', start, end: stop });
        artefacts['finger-out']++;
      }
      for (let i = poisson(random, rates.dropoutsPerDay); i > 0; i--) {
        const start = dayStart + random() * DAY;
        const stop = start + Math.round(between(random, 1, 20) * MINUTE);
        if (blinds(start, stop)) continue;
        r.episodes.push({ kind: 'dropout', start, end: stop, device: 'oximeter' });
        artefacts.dropout++;
      }
      if (r.hoverSpo2) {
        // A reading one below the threshold now and then, for seconds: noise on a value at 92 %.
        for (let i = poisson(random, 24); i > 0; i--) {
          const start = dayStart + random() * DAY;
          r.episodes.push({ kind: 'hover-spo2-dip', start, end: start + Math.round(between(random, 3, 25) * SECOND) });
          artefacts['hover-spo2-dip']++;
        }
      }
      if (r.hoverHr) {
        for (let i = poisson(random, 12); i > 0; i--) {
          const start = awake();
          r.episodes.push({ kind: 'hover-hr-peak', start, end: start + Math.round(between(random, 3, 25) * SECOND) });
          artefacts['hover-hr-peak']++;
        }
      }
      for (let i = poisson(random, rates.activitiesPerDay); i > 0; i--) {
        const recording = options.recordings.adl[Math.floor(random() * options.recordings.adl.length)]!;
        const start = awake(6, 23);
        r.episodes.push({ kind: 'activity', start, end: start + durationOf(recording), recording });
        artefacts.activity++;
      }
    }
    r.episodes.sort((a, b) => a.start - b.start);
  }
  events.sort((a, b) => a.startAt - b.startAt);
  return { options, rates, residents, events, artefacts };
}

/** What one resident's devices send, in time order. */
export function* residentInputs(plan: WeekPlan, r: ResidentPlan, random: () => number): Generator<WeekInput> {
  const { startMs, days } = plan.options;
  const end = startMs + days * DAY;
  const pending: WeekInput[] = []; // wearable batches and spot readings not yet due, kept sorted by time
  const queue = (item: WeekInput) => {
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.at > item.at) i--;
    pending.splice(i, 0, item);
  };
  // SpO2 and pulse wander slowly around the resident's base: one step every 1–5 min.
  let spo2Walk = 0;
  let hrWalk = 0;
  let nextWalkAt = startMs;
  let lastSpo2: number | null = null;
  let lastHr: number | null = null;
  let lastSpo2At = -Infinity;
  let lastHrAt = -Infinity;
  let fingerOut = false;
  let wearableSample = 0;
  let roundIndex = 0;
  let nextStatusAt = startMs;
  let battery = 100;
  let episodeIndex = 0;
  const active: Episode[] = [];

  yield { at: startMs, deviceId: r.oximeter, input: { kind: 'state', state: { kind: 'sensor', status: 'measuring' } } };
  for (let t = startMs; t < end; t += SECOND) {
    while (episodeIndex < r.episodes.length && r.episodes[episodeIndex]!.start <= t) {
      const e = r.episodes[episodeIndex++]!;
      active.push(e);
      if (e.kind === 'activity' || e.kind === 'fall') {
        // The recording's samples, numbered on from the wearable's counter at this moment (200 Hz since start).
        const first = Math.max(wearableSample, Math.round(((e.start - startMs) / SECOND) * e.recording.hz));
        const count = e.recording.samples.length / 3;
        for (let i = 0; i < count; i += 100) {
          const stop = Math.min(count, i + 100);
          queue({
            at: e.start + Math.round((stop * SECOND) / e.recording.hz),
            deviceId: r.wearable,
            input: { kind: 'accelerometer', firstSample: first + i, rateHz: e.recording.hz, samples: e.recording.samples.subarray(3 * i, 3 * stop), upright: [0, -1, 0] },
          });
        }
        wearableSample = first + count;
      }
    }
    for (let i = active.length - 1; i >= 0; i--) if (active[i]!.end <= t) active.splice(i, 1);
    const is = (kind: Episode['kind'], device?: 'oximeter' | 'wearable') => active.some((e) => e.kind === kind && (device === undefined || ('device' in e && e.device === device)));

    if (t >= nextWalkAt) {
      spo2Walk = Math.max(-1, Math.min(1, spo2Walk + (random() < 0.5 ? -1 : 1)));
      hrWalk = Math.max(-4, Math.min(4, hrWalk + (random() < 0.5 ? -2 : 2)));
      nextWalkAt = t + Math.round(between(random, 60, 300)) * SECOND;
    }

    // Spot-check rounds: temperature, blood pressure and respiration rate, a few seconds apart.
    if (roundIndex < r.rounds.length && r.rounds[roundIndex]! <= t) {
      const fever = active.find((e) => e.kind === 'fever') as Extract<Episode, { kind: 'fever' }> | undefined;
      let temperature = fever ? fever.temperature + between(random, -0.2, 0.2) : r.tempBase + between(random, -0.3, 0.3);
      if (random() < plan.rates.misreadTemperatureShare) {
        temperature = between(random, 34.5, 35.0);
        plan.artefacts['misread-temperature']++;
      }
      const desat = is('desaturation');
      queue({ at: t, deviceId: r.spot, input: { kind: 'reading', metric: 'body-temperature', value: Math.round(temperature * 10) / 10 } });
      queue({ at: t + 40 * SECOND, deviceId: r.spot, input: { kind: 'reading', metric: 'systolic-bp', value: Math.round(r.sbpBase + between(random, -8, 8)) } });
      queue({ at: t + 70 * SECOND, deviceId: r.spot, input: { kind: 'reading', metric: 'respiratory-rate', value: Math.round(r.rrBase + (fever ? 4 : 0) + (desat ? 6 : 0) + between(random, -1.5, 1.5)) } });
      roundIndex++;
    }

    // Wearable status every 5 min, unless it is silent; the battery drains over the week and is never low.
    if (t >= nextStatusAt) {
      if (!is('silent', 'wearable')) {
        battery = Math.max(40, battery - 0.2);
        queue({ at: t, deviceId: r.wearable, input: { kind: 'status', status: 'online', battery: Math.round(battery) } });
      }
      nextStatusAt = t + 5 * MINUTE;
    }
    const wearableSilent = is('silent', 'wearable');

    // The oximeter.
    const leftOff = active.some((e) => e.kind === 'silent' && e.device === 'oximeter' && e.fingerOut);
    const quiet = is('dropout', 'oximeter') || (is('silent', 'oximeter') && !leftOff);
    const out = is('finger-out') || leftOff;
    if (!quiet) {
      if (out && !fingerOut) {
        fingerOut = true;
        // The finger slipping out reads low for a second or two before the device notices.
        yield { at: t, deviceId: r.oximeter, input: { kind: 'reading', metric: 'spo2', value: Math.round(between(random, 78, 88)) } };
        yield { at: t + 1500, deviceId: r.oximeter, input: { kind: 'state', state: { kind: 'sensor', status: 'finger-out' } } };
        lastSpo2 = null;
        lastHr = null;
      } else if (!out && fingerOut) {
        fingerOut = false;
        yield { at: t, deviceId: r.oximeter, input: { kind: 'state', state: { kind: 'sensor', status: 'measuring' } } };
      }
      if (!fingerOut) {
        let spo2 = r.spo2Base + spo2Walk;
        let hr = r.hrBase + hrWalk;
        const desat = active.find((e) => e.kind === 'desaturation') as Extract<Episode, { kind: 'desaturation' }> | undefined;
        if (desat) {
          // down over a minute, held, up over 90 s
          const into = t - desat.start;
          const left = desat.end - t;
          const depth = r.spo2Base - desat.target;
          spo2 = r.spo2Base - depth * Math.min(1, into / MINUTE, left / (1.5 * MINUTE));
          hr += 12 * Math.min(1, into / MINUTE);
        }
        if (active.some((e) => e.kind === 'fever')) hr += 15;
        if (is('hover-spo2-dip')) spo2 = Math.min(spo2, 91);
        if (is('hover-hr-peak')) hr = Math.max(hr, 131 + between(random, 0, 4));
        const motion = active.find((e) => e.kind === 'motion' || e.kind === 'motion-long') as Extract<Episode, { kind: 'motion' | 'motion-long' }> | undefined;
        if (motion) {
          // A dip shaped like half a sine, and an erratic pulse: the sensor misreads a moving hand.
          const phase = (t - motion.start) / (motion.end - motion.start);
          spo2 -= motion.depth * Math.sin(Math.PI * phase);
          hr += motion.hrJump * between(random, 0.6, 1);
        }
        const spo2Shown = Math.max(50, Math.min(100, Math.round(spo2)));
        const hrShown = Math.max(30, Math.min(220, Math.round(hr)));
        if (spo2Shown !== lastSpo2 || t - lastSpo2At >= MINUTE) {
          yield { at: t, deviceId: r.oximeter, input: { kind: 'reading', metric: 'spo2', value: spo2Shown } };
          lastSpo2 = spo2Shown;
          lastSpo2At = t;
        }
        if (hrShown !== lastHr || t - lastHrAt >= MINUTE) {
          yield { at: t, deviceId: r.oximeter, input: { kind: 'reading', metric: 'heart-rate', value: hrShown } };
          lastHr = hrShown;
          lastHrAt = t;
        }
      }
    }

    while (pending.length > 0 && pending[0]!.at <= t + SECOND) {
      const item = pending.shift()!;
      if (item.deviceId === r.wearable && wearableSilent) continue;
      yield item;
    }
  }
}

/** Every resident's inputs merged in time order (residents in order for equal times). */
export function* weekInputs(plan: WeekPlan): Generator<WeekInput> {
  const sources = plan.residents.map((r) => residentInputs(plan, r, seededRandom(plan.options.seed * 7919 + r.n)));
  const heads: Array<WeekInput | null> = sources.map((s) => s.next().value ?? null);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (best < 0 || head.at < heads[best]!.at)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    heads[best] = sources[best]!.next().value ?? null;
  }
}
