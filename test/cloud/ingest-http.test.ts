import t, { type Test } from 'tap';
import { openHarness } from './app-harness.ts';
import { ackedSeq, alarm, batch, countEvents, reading } from './fixtures.ts';

const h = await openHarness();
t.teardown(() => h.db.close());
const { a, b } = h;

async function problem(t: Test, res: Response, status: number) {
  t.equal(res.status, status, `status ${status}`);
  t.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as { type: string; title: string; status: number; detail: string; errors?: Array<{ path: string; message: string }> };
  t.equal(body.status, status);
  t.type(body.type, 'string');
  t.type(body.title, 'string');
  t.type(body.detail, 'string');
  return body;
}

t.test('401 without or with a wrong token', async (t) => {
  const body = batch(a.hubId, [reading(a.hubId, 1)]);
  await problem(t, await h.ingest(undefined, body), 401);
  await problem(t, await h.ingest('not-a-token', body), 401);
  await problem(t, await h.ingest(a.apiKey, body), 401);
  const res = await h.app.request('/v1/ingest', { method: 'POST', headers: { authorization: `Basic ${a.hubToken}` }, body: JSON.stringify(body) });
  await problem(t, res, 401);
  t.equal(await countEvents(h.db), 0);
});

t.test('403 when the batch names another hub', async (t) => {
  const p = await problem(t, await h.ingest(a.hubToken, batch(b.hubId, [reading(b.hubId, 1)])), 403);
  t.match(p.detail, /hub-a/);
  t.equal(await countEvents(h.db), 0);
});

t.test('400 problem+json names each bad field', async (t) => {
  const good = reading(a.hubId, 1);
  const bad = { hubId: a.hubId, events: [{ ...good, seq: 0 }, { ...good, seq: 2, hubTime: 'yesterday', extra: 1 }] };
  const p = await problem(t, await h.ingest(a.hubToken, bad), 400);
  const paths = (p.errors ?? []).map((e) => e.path);
  t.ok(paths.includes('events.0.seq'), 'events.0.seq');
  t.ok(paths.includes('events.1.hubTime'), 'events.1.hubTime');
  t.ok(paths.includes('events.1.extra'), 'unknown key events.1.extra');
  for (const e of p.errors ?? []) t.type(e.message, 'string');

  const mixed = await problem(t, await h.ingest(a.hubToken, batch(a.hubId, [reading(a.hubId, 1), reading(b.hubId, 2)])), 400);
  t.same(mixed.errors?.map((e) => e.path), ['events.1.hubId'], 'every event must carry the batch hub');

  const nul = reading(a.hubId, 1);
  nul.payload.unit = 'mm\u0000Hg';
  const p3 = await problem(t, await h.ingest(a.hubToken, batch(a.hubId, [nul])), 400);
  t.same(p3.errors?.map((e) => e.path), ['events.0.payload.unit'], 'NUL is refused, not a 500');
  t.equal(await countEvents(h.db), 0, 'nothing stored');
});

t.test('400 on malformed JSON, 415 on another media type, 413 on huge bodies', async (t) => {
  await problem(t, await h.ingest(a.hubToken, '{"hubId":'), 400);
  await problem(t, await h.ingest(a.hubToken, 'hubId=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
  const big = JSON.stringify({ hubId: a.hubId, events: [], pad: 'x'.repeat(6 * 1024 * 1024) });
  await problem(t, await h.ingest(a.hubToken, big), 413);
  await problem(t, await h.ingest(a.hubToken, ''), 400);
});

t.test('replaying a batch stores each event once and answers the same ackedSeq', async (t) => {
  const body = batch(a.hubId, [reading(a.hubId, 1), alarm(a.hubId, 2), reading(a.hubId, 3)]);
  const first = await h.ingest(a.hubToken, body);
  t.equal(first.status, 200);
  const ack1 = (await first.json()) as Record<string, unknown>;
  t.match(ack1, { ackedSeq: 3, stored: 3, duplicates: 0 });
  t.ok(!Number.isNaN(Date.parse(String(ack1.relayTime))), 'relayTime is a time');

  const second = await h.ingest(a.hubToken, body);
  t.equal(second.status, 200);
  t.match(await second.json(), { ackedSeq: 3, stored: 0, duplicates: 3 });
  t.equal(await countEvents(h.db, a.hubId), 3);
  const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM alarms WHERE hub_id = $1', [a.hubId]);
  t.equal(rows[0]?.n, 1, 'the alarm is projected once');
});

t.test('metrics count batches, events, duplicates and rejections', async (t) => {
  const res = await h.get('/metrics');
  t.equal(res.status, 200);
  const text = await res.text();
  t.match(text, /^carehub_ingest_batches_total 2$/m);
  t.match(text, /^carehub_events_stored_total 3$/m);
  t.match(text, /^carehub_events_duplicate_total 3$/m);
  t.match(text, /^carehub_http_rejected_total\{status="401"\} 4$/m);
  t.match(text, /^carehub_http_rejected_total\{status="413"\} 1$/m);
});

t.test('health and unknown routes', async (t) => {
  const health = await h.get('/healthz');
  t.equal(health.status, 200);
  t.match(await health.json(), { status: 'ok', store: 'pglite' });
  await problem(t, await h.get('/v1/nothing-here'), 404);
});

t.test('a seq stored under another event id is a 409, and nothing of the batch is stored', async (t) => {
  // A reinstalled hub starting again at seq 1 under the same id: its new events must not be
  // skipped as duplicates and acknowledged.
  const before = await countEvents(h.db, a.hubId);
  const res = await h.ingest(a.hubToken, batch(a.hubId, [reading(a.hubId, 1), reading(a.hubId, 2), reading(a.hubId, 4)]));
  const body = await problem(t, res, 409);
  t.match(body, { errors: [{ path: 'events.seq=1' }, { path: 'events.seq=2' }] });
  t.equal(await countEvents(h.db, a.hubId), before, 'seq 4 was not stored either');
  t.equal(await ackedSeq(h.db, a.hubId), 3);
});
