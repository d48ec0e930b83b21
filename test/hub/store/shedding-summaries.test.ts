/** hub/store/shedding-summaries.ts: raw readings → one summary per device, metric and closed minute. */
import t from 'tap';
import { Event } from '../../../protocols/event.ts';
import { seqRuns, summariseReadings, type ReadingEvent } from '../../../hub/store/shedding-summaries.ts';

const ID = '0192f1a0-7c3e-7a12-8b34-0123456789ab';
const T0 = Date.parse('2026-11-25T01:00:00.000Z');

function reading(seq: number, atMs: number, value: number, over: Partial<ReadingEvent> = {}, metric: 'heart-rate' | 'spo2' = 'heart-rate'): ReadingEvent {
  const unit = metric === 'heart-rate' ? '/min' : '%';
  const loinc = metric === 'heart-rate' ? '8867-4' : '59408-5';
  return { id: ID, hubId: 'hub-1', seq, hubTime: new Date(atMs).toISOString(), deviceId: 'dev-1', roomId: 'room-1', kind: 'reading', payload: { metric, loinc, value, unit }, ...over } as ReadingEvent;
}

t.test('one summary per device and metric and minute, with min, max, mean, count and the seqs replaced', async (t) => {
  const readings = [
    reading(1, T0 + 1_000, 60),
    reading(2, T0 + 2_000, 97, {}, 'spo2'),
    reading(3, T0 + 20_000, 70),
    reading(4, T0 + 59_999, 80),
    reading(5, T0 + 61_000, 90), // next minute: its own group (too small to thin)
    reading(6, T0 + 30_000, 66, { deviceId: 'dev-2' }), // another device
  ];
  const out = summariseReadings(readings, { openFromMs: T0 + 120_000 });
  t.equal(out.summaries.length, 1, 'only the group of three is worth a summary');
  const [s] = out.summaries;
  t.same(s!.payload, { metric: 'heart-rate', loinc: '8867-4', unit: '/min', minute: '2026-11-25T01:00:00.000Z', count: 3, min: 60, max: 80, mean: 70, seqs: [[1, 1], [3, 4]] });
  t.equal(s!.deviceId, 'dev-1');
  t.equal(s!.roomId, 'room-1');
  t.same(out.replacedSeqs, [1, 3, 4]);
  // The summary is a valid Event once the log gives it an envelope.
  t.ok(Event.safeParse({ ...s, id: ID, hubId: 'hub-1', seq: 9, hubTime: new Date(T0).toISOString() }).success, 'valid reading-summary event');
});

t.test('readings of the open minute are left raw', async (t) => {
  const readings = [reading(1, T0 + 1_000, 1), reading(2, T0 + 2_000, 2), reading(3, T0 + 3_000, 3)];
  t.equal(summariseReadings(readings, { openFromMs: T0 }).summaries.length, 0, 'minute still open');
  t.equal(summariseReadings(readings, { openFromMs: T0 + 60_000 }).summaries.length, 1, 'closed');
});

t.test('a resident or room change inside the minute starts another summary', async (t) => {
  const readings = [1, 2, 3].map((i) => reading(i, T0 + i * 1000, i)).concat([4, 5, 6].map((i) => reading(i, T0 + i * 1000, i, { residentId: 'res-2' })));
  const out = summariseReadings(readings, { openFromMs: T0 + 60_000 });
  t.equal(out.summaries.length, 2);
  t.same(out.summaries.map((s) => s.residentId ?? null), [null, 'res-2']);
});

t.test('the mean stays within min and max despite float rounding', async (t) => {
  const out = summariseReadings([1, 2, 3].map((i) => reading(i, T0 + i, 0.1)), { openFromMs: T0 + 60_000 });
  const p = out.summaries[0]!.payload;
  t.equal(p.mean, 0.1, 'three 0.1s average 0.1, not 0.10000000000000002');
  t.ok(p.min <= p.mean && p.mean <= p.max);
});

t.test('minReadings decides what is worth a summary', async (t) => {
  const two = [reading(1, T0, 1), reading(2, T0 + 1, 2)];
  t.equal(summariseReadings(two, { openFromMs: T0 + 60_000 }).summaries.length, 0);
  t.equal(summariseReadings(two, { openFromMs: T0 + 60_000, minReadings: 2 }).summaries.length, 1);
});

t.test('a very busy minute is split so no summary names more than 5,000 readings', async (t) => {
  const many = Array.from({ length: 12_000 }, (_, i) => reading(i * 2 + 1, T0 + Math.floor(i / 1000), i));
  const out = summariseReadings(many, { openFromMs: T0 + 60_000 });
  t.same(out.summaries.map((s) => s.payload.count), [5000, 5000, 2000]);
  t.equal(out.replacedSeqs.length, 12_000);
  for (const s of out.summaries) {
    t.ok(Event.safeParse({ ...s, id: ID, hubId: 'hub-1', seq: 1, hubTime: new Date(T0).toISOString() }).success, 'within the seq-run cap');
  }
});

t.test('seqRuns: ascending seqs as inclusive runs', async (t) => {
  t.same(seqRuns([]), []);
  t.same(seqRuns([5]), [[5, 5]]);
  t.same(seqRuns([1, 2, 3, 7, 9, 10]), [[1, 3], [7, 7], [9, 10]]);
  t.same(seqRuns([1, 1, 2]), [[1, 2]], 'a repeat adds nothing');
});

t.test('readings a member of staff entered by hand stay raw', async (t) => {
  const byHand = [1, 2, 3].map((i) => ({ ...reading(i, T0 + i, 90), payload: { ...reading(i, T0 + i, 90).payload, enteredBy: { kind: 'panel', id: 'nurse-1' } } }) as ReadingEvent);
  t.equal(summariseReadings(byHand, { openFromMs: T0 + 60_000 }).summaries.length, 0);
});
