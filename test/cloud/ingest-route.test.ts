/**
 * cloud/resources/ingest/routes.ts: what the route documents (its OpenAPI
 * entry), the 413 answer's wording, the order of its guards, and the metrics a
 * stored batch moves. Status codes and stored data are in ingest-http.test.ts.
 */
import t from 'tap';
import { MAX_INGEST_BODY_BYTES } from '../../cloud/resources/ingest/schema.ts';
import { openHarness } from './app-harness.ts';
import { batch, reading } from './fixtures.ts';

const h = await openHarness();
t.teardown(() => h.db.close());
const { a } = h;

type Operation = {
  summary: string;
  description: string;
  tags: string[];
  security: unknown[];
  requestBody: { required: boolean; content: Record<string, unknown> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};

t.test('the OpenAPI entry of POST /v1/ingest', async (t) => {
  const doc = (await (await h.get('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
  const op = doc.paths['/v1/ingest']!.post!;
  t.equal(op.summary, 'Store a batch of hub events (idempotent)');
  t.match(op.description, /^Stores each event once \(by id and by hub seq\)/);
  t.same(op.tags, ['ingest']);
  t.same(op.security, [{ bearer: [] }]);
  t.equal(op.requestBody.required, true);
  t.same(Object.keys(op.requestBody.content), ['application/json']);
  t.same(Object.keys(op.responses).sort(), ['200', '400', '401', '403', '409', '413', '415', '500']);
  t.equal(op.responses['200']!.description, 'Batch stored (or already stored)');
  t.ok(op.responses['200']!.content?.['application/json'], 'the 200 answer is JSON');
});

t.test('413 names the limit and the remedy', async (t) => {
  t.equal(MAX_INGEST_BODY_BYTES, 5 * 1024 * 1024);
  const big = JSON.stringify({ hubId: a.hubId, events: [], pad: 'x'.repeat(MAX_INGEST_BODY_BYTES) });
  const res = await h.ingest(a.hubToken, big);
  t.equal(res.status, 413);
  t.match(await res.json(), { detail: `Bodies are limited to ${MAX_INGEST_BODY_BYTES} bytes; send smaller batches` });
});

t.test('guards run size, then identity, then shape', async (t) => {
  const big = JSON.stringify({ pad: 'x'.repeat(MAX_INGEST_BODY_BYTES) });
  t.equal((await h.ingest(undefined, big)).status, 413, 'an oversized body is refused before the token is checked');
  t.equal((await h.ingest(undefined, '{"not":"a batch"}')).status, 401, 'a stranger learns nothing from validation');
  t.equal((await h.ingest(a.hubToken, '{"not":"a batch"}')).status, 400);
});

t.test('a stored batch answers the ack and moves the counters by its stored and duplicate events', async (t) => {
  const metric = async (name: string) => Number((await (await h.get('/metrics')).text()).match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
  const before = { batches: await metric('carehub_ingest_batches_total'), stored: await metric('carehub_events_stored_total'), dup: await metric('carehub_events_duplicate_total') };
  const e1 = reading(a.hubId, 1);
  const res = await h.ingest(a.hubToken, batch(a.hubId, [e1, reading(a.hubId, 2), e1]));
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /^application\/json/);
  t.match(await res.json(), { ackedSeq: 2, stored: 2, duplicates: 1 });
  t.equal(await metric('carehub_ingest_batches_total'), before.batches + 1);
  t.equal(await metric('carehub_events_stored_total'), before.stored + 2);
  t.equal(await metric('carehub_events_duplicate_total'), before.dup + 1);
});
