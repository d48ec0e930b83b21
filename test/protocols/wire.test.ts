import t from 'tap';
import { INGEST_PATH, IngestAck, IngestBatch, MAX_BATCH_EVENTS } from '../../protocols/wire.ts';

const event = (seq: number) => ({
  id: '0192f1a0-7c3e-7a12-8b34-0123456789ab',
  hubId: 'hub-1',
  seq,
  hubTime: '2026-11-24T21:00:00.000Z',
  kind: 'reading',
  payload: { metric: 'heart-rate', loinc: '8867-4', value: 72, unit: '/min' },
});
const events = (n: number) => Array.from({ length: n }, (_, i) => event(i + 1));

t.test('the ingest path is the documented one', async (t) => {
  t.equal(INGEST_PATH, '/v1/ingest');
  t.equal(MAX_BATCH_EVENTS, 1000);
});

t.test('IngestBatch: 1..1000 valid events from a valid hub id, nothing else', async (t) => {
  const rows: Array<[string, unknown, boolean]> = [
    ['one event', { hubId: 'hub-1', events: events(1) }, true],
    ['1000 events', { hubId: 'hub-1', events: events(1000) }, true],
    ['1001 events', { hubId: 'hub-1', events: events(1001) }, false],
    ['no events', { hubId: 'hub-1', events: [] }, false],
    ['events missing', { hubId: 'hub-1' }, false],
    ['bad hub id', { hubId: 'hub 1', events: events(1) }, false],
    ['hub id missing', { events: events(1) }, false],
    ['one invalid event', { hubId: 'hub-1', events: [event(1), { ...event(2), seq: 0 }] }, false],
    ['unknown top-level field', { hubId: 'hub-1', events: events(1), tenant: 'x' }, false],
  ];
  for (const [name, batch, accepted] of rows) t.equal(IngestBatch.safeParse(batch).success, accepted, name);
  const parsed = IngestBatch.parse({ hubId: 'hub-1', events: events(2) });
  t.same(parsed, { hubId: 'hub-1', events: events(2) }, 'a valid batch parses to itself');
});

t.test('IngestAck: non-negative integer counters and a relay time', async (t) => {
  const ack = { ackedSeq: 0, stored: 0, duplicates: 0, relayTime: '2026-11-24T21:00:00.000Z' };
  t.same(IngestAck.parse(ack), ack, 'all zero is a valid answer');
  t.ok(IngestAck.safeParse({ ...ack, ackedSeq: 12, stored: 10, duplicates: 2 }).success);
  for (const field of ['ackedSeq', 'stored', 'duplicates'] as const) {
    t.notOk(IngestAck.safeParse({ ...ack, [field]: -1 }).success, `${field} -1`);
    t.notOk(IngestAck.safeParse({ ...ack, [field]: 1.5 }).success, `${field} 1.5`);
    t.notOk(IngestAck.safeParse({ ...ack, [field]: '1' }).success, `${field} as text`);
    const { [field]: _, ...without } = ack;
    t.notOk(IngestAck.safeParse(without).success, `${field} missing`);
  }
  t.notOk(IngestAck.safeParse({ ...ack, relayTime: 5 }).success, 'relayTime must be text');
  t.notOk(IngestAck.safeParse({ ...ack, extra: 1 }).success, 'unknown field');
});

t.test('IngestAck.storedRanges: optional sorted runs of positive seqs, first ≤ last, bounded', async (t) => {
  const ack = { ackedSeq: 0, stored: 2, duplicates: 0, relayTime: '2026-11-25T03:00:00.000Z' };
  t.ok(IngestAck.safeParse(ack).success, 'absent (a relay that was not asked, or predates ranges)');
  t.ok(IngestAck.safeParse({ ...ack, storedRanges: [] }).success, 'empty: nothing of the batch stored');
  t.ok(IngestAck.safeParse({ ...ack, storedRanges: [[5, 5], [9, 12]] }).success);
  const bad: Array<[string, unknown]> = [
    ['first above last', [[9, 5]]],
    ['seq 0', [[0, 3]]],
    ['a fraction', [[1, 2.5]]],
    ['three numbers', [[1, 2, 3]]],
    ['one number', [[1]]],
    ['text', [['1', '2']]],
    ['not a list', { from: 1, to: 2 }],
    ['more runs than a batch holds', Array.from({ length: 1001 }, (_, i) => [2 * i + 1, 2 * i + 1])],
  ];
  for (const [name, storedRanges] of bad) t.notOk(IngestAck.safeParse({ ...ack, storedRanges }).success, name);
});
