import t from 'tap';
import { dueSlot, parseCron } from '../../../cloud/jobs/cron-slot.ts';

const at = (iso: string): Date => new Date(iso);
const slot = (schedule: string, iso: string): string | undefined => dueSlot(schedule, at(iso))?.toISOString();

t.test('daily: the latest 02:00 at or before now', async (t) => {
  t.equal(slot('0 2 * * *', '2026-01-05T01:59:59Z'), '2026-01-04T02:00:00.000Z');
  t.equal(slot('0 2 * * *', '2026-01-05T02:00:00Z'), '2026-01-05T02:00:00.000Z');
  t.equal(slot('0 2 * * *', '2026-01-05T23:10:00Z'), '2026-01-05T02:00:00.000Z');
  t.equal(slot('0 2 * * *', '2026-01-01T00:30:00Z'), '2025-12-31T02:00:00.000Z', 'across a year boundary');
});

t.test('steps, lists, ranges and weekdays', async (t) => {
  t.equal(slot('*/15 * * * *', '2026-03-03T10:44:59Z'), '2026-03-03T10:30:00.000Z');
  t.equal(slot('5,35 8-9 * * *', '2026-03-03T10:00:00Z'), '2026-03-03T09:35:00.000Z');
  t.equal(slot('0 9 * * 1', '2026-03-05T12:00:00Z'), '2026-03-02T09:00:00.000Z', 'Monday 2 March 2026');
  t.equal(slot('0 9 * * 7', '2026-03-05T12:00:00Z'), '2026-03-01T09:00:00.000Z', '7 is Sunday');
  t.equal(slot('0 0 1 * 1', '2026-03-05T12:00:00Z'), '2026-03-02T00:00:00.000Z', 'day or weekday when both are restricted');
  t.equal(slot('0 0 29 2 *', '2026-03-05T12:00:00Z'), undefined, 'no 29 February within a year');
});

t.test('six fields: slots are whole seconds', async (t) => {
  t.equal(slot('*/10 * * * * *', '2026-03-03T10:44:59.900Z'), '2026-03-03T10:44:50.000Z');
  t.equal(slot('* * * * * *', '2026-03-03T10:44:59.900Z'), '2026-03-03T10:44:59.000Z');
});

t.test('a schedule it cannot read is an error, not a silent skip', async (t) => {
  t.throws(() => parseCron('0 2 * *'), /5 or 6 fields/);
  t.throws(() => parseCron('61 * * * *'), /within 0-59/);
  t.throws(() => parseCron('0 2 * * mon'), /not a number/);
  t.throws(() => parseCron('*/0 * * * *'), /step/);
});
