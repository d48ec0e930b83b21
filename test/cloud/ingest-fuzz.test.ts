/**
 * Promise 4 (docs/architecture.md#promises) at the relay: hostile bodies on POST /v1/ingest never yield a 500
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
    -1, 0, 2 ** 53, -(2 ** 63), 1e308, -0, 0.5, true, null, [], {}, 'ffffffff-ffff-7fff-bfff-ffffffffffff',
    // Parsed, not a literal: `{ __proto__: ... }` in source sets the prototype and serialises to `{}`; JSON.parse makes an own key that JSON.stringify sends.
    JSON.parse('{"__proto__":{"x":1}}') as unknown, JSON.parse('{"constructor":{"prototype":{"x":1}}}') as unknown,
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

t.test('"__proto__" and "constructor" keys sent as raw JSON text', async (t) => {
  // Raw text: an object literal with __proto__ would set a prototype and serialise to `{}`, never reaching the relay.
  const audit = (seq: number) => ({ ...reading(a.hubId, seq), kind: 'audit', payload: { action: 'x', actor: { kind: 'system' }, detail: { x: 0 } } });
  const hostile = '{"__proto__":{"polluted":1},"y":2}';
  const cases: Array<{ name: string; body: (seq: number) => string; status: number; path?: RegExp }> = [
    { name: 'batch __proto__', body: (s) => JSON.stringify({ hubId: a.hubId, events: [reading(a.hubId, s)] }).replace('{"hubId"', `{"__proto__":{"hubId":"x"},"hubId"`), status: 400, path: /^__proto__$/ },
    { name: 'batch constructor', body: (s) => JSON.stringify({ hubId: a.hubId, events: [reading(a.hubId, s)] }).replace('{"hubId"', `{"constructor":{"prototype":{"polluted":1}},"hubId"`), status: 400, path: /^constructor$/ },
    { name: 'event __proto__', body: (s) => JSON.stringify({ hubId: a.hubId, events: [reading(a.hubId, s)] }).replace('"kind"', '"__proto__":{"kind":"alarm"},"kind"'), status: 400, path: /^events\.0\.__proto__$/ },
    { name: 'event constructor', body: (s) => JSON.stringify({ hubId: a.hubId, events: [reading(a.hubId, s)] }).replace('"kind"', '"constructor":{"prototype":{"polluted":1}},"kind"'), status: 400, path: /^events\.0\.constructor$/ },
    { name: 'reading payload __proto__', body: (s) => JSON.stringify({ hubId: a.hubId, events: [reading(a.hubId, s)] }).replace('"metric"', '"__proto__":{"unit":"x"},"metric"'), status: 400, path: /^events\.0\.payload\.__proto__$/ },
  ];
  for (const c of cases) {
    const seq = nextSeq++;
    const body = c.body(seq);
    t.match(body, /"(__proto__|constructor)"/, `${c.name}: the key is in the text sent`);
    const res = await h.ingest(a.hubToken, body);
    const problem = (await res.json()) as { errors?: Array<{ path: string }> };
    t.equal(res.status, c.status, `${c.name}: ${res.status}`);
    if (c.path !== undefined) t.ok(problem.errors?.some((e) => c.path!.test(e.path)), `${c.name}: error names ${c.path}: ${JSON.stringify(problem.errors)}`);
    const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE hub_id = $1 AND seq = $2', [a.hubId, seq]);
    t.equal(rows[0]?.n, 0, `${c.name}: nothing stored`);
  }

  // Free-form audit detail (a zod record): zod would leave a "__proto__" key out of what it parses, so the event
  // would be acknowledged and stored without it. Refused instead, naming the key.
  const protoSeq = nextSeq++;
  const protoBody = JSON.stringify({ hubId: a.hubId, events: [audit(protoSeq)] }).replace('{"x":0}', hostile);
  t.match(protoBody, /"__proto__":\{"polluted":1\}/, 'audit detail __proto__: the key is in the text sent');
  const protoRes = await h.ingest(a.hubToken, protoBody);
  t.equal(protoRes.status, 400, 'audit detail __proto__: refused');
  t.match(await protoRes.json(), { errors: [{ path: 'events.0.payload.detail.__proto__' }] });
  const stored = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE hub_id = $1 AND seq = $2', [a.hubId, protoSeq]);
  t.equal(stored.rows[0]?.n, 0, 'audit detail __proto__: nothing stored');

  // "constructor" and "prototype" are ordinary keys inside free-form detail: stored exactly as sent.
  const seq = nextSeq++;
  const detail = '{"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":2},"y":2}';
  const res = await h.ingest(a.hubToken, JSON.stringify({ hubId: a.hubId, events: [audit(seq)] }).replace('{"x":0}', detail));
  t.equal(res.status, 200, await res.text());
  const { rows } = await h.db.query<{ payload: { detail: unknown } }>('SELECT payload FROM events WHERE hub_id = $1 AND seq = $2', [a.hubId, seq]);
  t.same(rows[0]?.payload.detail, JSON.parse(detail), 'detail round-trips key for key');
  t.equal(Object.getPrototypeOf(rows[0]?.payload.detail), Object.prototype);

  const probe = {} as Record<string, unknown>;
  t.equal(probe.polluted, undefined, 'Object.prototype is not polluted');
  t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});
