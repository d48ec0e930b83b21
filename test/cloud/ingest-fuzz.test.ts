/**
 * Promise 4 at the relay: hostile bodies on POST /v1/ingest never yield a 500
 * and never store part of a batch. Three generators: any JSON, valid batches
 * with one field replaced by something nasty, and arbitrary bytes.
 */
import fc from 'fast-check';
import t from 'tap';
import type { Event } from '../../protocols/event.ts';
import { openHarness } from './app-harness.ts';
import { alarm, alarmUpdate, countEvents, reading } from './fixtures.ts';

const h = await openHarness();
t.teardown(() => h.db.close());
const { a } = h;
const ALLOWED = new Set([200, 400, 403, 413, 415]);

async function alarmRows(): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>('SELECT (SELECT count(*) FROM alarms) + (SELECT count(*) FROM alarm_transitions) AS n');
  return Number(rows[0]?.n);
}

let nextSeq = 1;
/** Checks the invariants for one request; returns the status. */
async function send(body: string): Promise<number> {
  const beforeEvents = await countEvents(h.db);
  const beforeAlarms = await alarmRows();
  const res = await h.ingest(a.hubToken, body);
  const text = await res.text();
  if (!ALLOWED.has(res.status)) throw new Error(`status ${res.status} for body ${body.slice(0, 300)}: ${text}`);
  const afterEvents = await countEvents(h.db);
  if (res.status === 200) {
    const ack = JSON.parse(text) as { stored: number; duplicates: number };
    if (afterEvents !== beforeEvents + ack.stored) throw new Error(`stored ${ack.stored} but count moved ${beforeEvents} → ${afterEvents}`);
  } else {
    if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) throw new Error(`non-problem ${res.status}`);
    if (afterEvents !== beforeEvents || (await alarmRows()) !== beforeAlarms) throw new Error(`rejected (${res.status}) yet stored something`);
  }
  return res.status;
}

const nasty = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000', 'a\u0000b', '\ud800', 'x\udc00', '', ' ', 'null', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z',
    '2026-02-29T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00+23:59', '2026-01-01T00:00:00.123456789-15:59',
    -1, 0, 2 ** 53, -(2 ** 63), 1e308, -0, 0.5, true, null, [], {}, { __proto__: { x: 1 } }, 'ffffffff-ffff-7fff-bfff-ffffffffffff',
  ),
);

function validEvents(): Event[] {
  const s = nextSeq;
  nextSeq += 3;
  const raised = alarm(a.hubId, s);
  return [reading(a.hubId, s + 1), raised, alarmUpdate(a.hubId, s + 2, raised.payload.alarmId, 'acknowledged')];
}

const FIELDS = [
  'id', 'hubId', 'seq', 'kind', 'hubTime', 'deviceTime', 'deviceId', 'roomId', 'residentId', 'payload', 'extra',
  'payload.alarmId', 'payload.key', 'payload.reason', 'payload.state', 'payload.by', 'payload.by.id', 'payload.value',
  'payload.unit', 'payload.metric', 'payload.priority', 'payload.note',
];

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let obj: Record<string, unknown> = target;
  for (const k of keys.slice(0, -1)) {
    const next = obj[k];
    if (next === null || typeof next !== 'object') return;
    obj = next as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]!] = value;
}

t.test('any JSON value as the body', async (t) => {
  await fc.assert(fc.asyncProperty(fc.jsonValue(), async (v) => void (await send(JSON.stringify(v) ?? 'null'))), { numRuns: 150 });
  t.pass('no 500, nothing partial');
});

t.test('valid batches with one field made hostile', async (t) => {
  const statuses = new Map<number, number>(); // keyed by HTTP status
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 }), fc.constantFrom(...FIELDS), nasty, fc.boolean(), async (index, field, value, atBatch) => {
      const events = validEvents() as unknown as Array<Record<string, unknown>>;
      const body: Record<string, unknown> = { hubId: a.hubId, events };
      if (atBatch && (field === 'hubId' || field === 'extra')) setPath(body, field, value);
      else setPath(events[index]!, field, value);
      const status = await send(JSON.stringify(body));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }),
    { numRuns: 300 },
  );
  t.ok(statuses.has(400), `rejections seen: ${JSON.stringify([...statuses])}`);
});

t.test('deeply nested audit detail', async (t) => {
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 50_000 }), async (depth) => {
      // Built as text: JSON.parse and JSON.stringify themselves overflow the stack at a few thousand levels.
      const e = { ...reading(a.hubId, nextSeq++), kind: 'audit', payload: { action: 'x', actor: { kind: 'system' }, detail: { x: 0 } } };
      const body = JSON.stringify({ hubId: a.hubId, events: [e] }).replace('{"x":0}', `{"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      statuses.add(await send(body));
    }),
    { numRuns: 30, examples: [[1], [31], [32], [100_000]] },
  );
  t.ok(statuses.has(200) && statuses.has(400), `shallow stored, deep refused: ${[...statuses]}`);
});

t.test('arbitrary text as the body', async (t) => {
  await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (s) => void (await send(s))), { numRuns: 150 });
  t.pass();
});
