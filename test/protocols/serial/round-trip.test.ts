/**
 * Round trips (fast-check over each value space, special values included): what firmware-sim
 * encodes, pushed through the framer in arbitrary chunks, decodes to the same values. Also the
 * invariant behind "technical states": no SpO2 reading is ever 0, 127 or above 100.
 */
import t from 'tap';
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
  encodeLd2410Report,
  encodeSeeedRadarReport,
  type Framer,
  type SerialReading,
} from '../../../protocols/serial/index.ts';
import { chunked, ld2410Fields, legacyFields, seeedReport, v7Fields } from './arbitraries.ts';
import { concatAll } from './support.ts';

const RUNS = 300;

/** Encode many, push the concatenation in chunks, return the frames. */
function throughFramer(framer: Framer, frames: Uint8Array[], cuts: number[]): Uint8Array[] {
  return chunked(concatAll(frames), cuts).flatMap((c) => framer.push(c));
}

function checkReadings(readings: SerialReading[]): void {
  for (const r of readings) {
    if (r.metric === 'spo2' && !(r.value > 0 && r.value <= 100)) throw new Error(`SpO2 reading ${r.value}`);
    if (r.metric === 'heart-rate' && !(r.value > 0 && r.value < 255)) throw new Error(`heart-rate reading ${r.value}`);
  }
}

t.test('CMS50 legacy: fields → bytes → framer → fields', async (t) => {
  fc.assert(
    fc.property(fc.array(legacyFields, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (list, cuts) => {
      const framer = createCms50LegacyFramer();
      const frames = throughFramer(framer, list.map(encodeCms50Legacy), cuts);
      if (frames.length !== list.length) return false;
      return frames.every((f, i) => {
        const d = decodeCms50Legacy(f);
        checkReadings(d.readings);
        const { protocol: _p, status, states, readings: _r, ...fields } = d;
        if (states[0]?.kind !== 'device-status' || states[0].status !== status) return false;
        // While measuring, a valid value is never dropped.
        if (status === 'measuring' && list[i]!.spo2 > 0 && list[i]!.spo2 <= 100 && !d.readings.some((r) => r.metric === 'spo2')) return false;
        return JSON.stringify(fields) === JSON.stringify(list[i]);
      });
    }),
    { numRuns: RUNS },
  );
  t.pass('property held');
});

t.test('CMS50 V7.0: fields → bytes → framer → fields (all 8-bit payload values, markers included)', async (t) => {
  fc.assert(
    fc.property(fc.array(v7Fields, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (list, cuts) => {
      const framer = createCms50V7Framer();
      const frames = throughFramer(framer, list.map(encodeCms50V7RealTime), cuts);
      if (frames.length !== list.length) return false;
      return frames.every((f, i) => {
        const d = decodeCms50V7(f);
        if (!('status' in d)) return false;
        checkReadings(d.readings);
        const { protocol: _p, type: _t, status: _s, states: _st, readings: _r, ...fields } = d;
        const technical = list[i]!.probeError || list[i]!.searching || list[i]!.searchingTooLong;
        if (technical && d.readings.length > 0) return false;
        return JSON.stringify(fields) === JSON.stringify(list[i]);
      });
    }),
    { numRuns: RUNS },
  );
  t.pass('property held');
});

t.test('Seeed radar: report → frame → framer → report', async (t) => {
  fc.assert(
    fc.property(fc.array(seeedReport, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (list, cuts) => {
      const framer = createSeeedRadarFramer();
      const frames = throughFramer(framer, list.map(encodeSeeedRadarReport), cuts);
      if (frames.length !== list.length) return false;
      return frames.every((f, i) => JSON.stringify(decodeSeeedRadar(f).report) === JSON.stringify(list[i]));
    }),
    { numRuns: RUNS },
  );
  t.pass('property held');
});

t.test('LD2410: report fields (basic and engineering) → frame → framer → fields', async (t) => {
  fc.assert(
    fc.property(fc.array(ld2410Fields, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 10 }), (list, cuts) => {
      const framer = createLd2410Framer();
      const frames = throughFramer(framer, list.map(encodeLd2410Report), cuts);
      if (frames.length !== list.length) return false;
      return frames.every((f, i) => {
        const d = decodeLd2410(f);
        if (d.kind !== 'report') return false;
        const { kind: _k, target: _t, states: _s, ...fields } = d;
        return JSON.stringify(fields) === JSON.stringify(list[i]);
      });
    }),
    { numRuns: RUNS },
  );
  t.pass('property held');
});
