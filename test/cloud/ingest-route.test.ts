/**
 * cloud/resources/ingest/routes.ts: what the route documents (its OpenAPI
 * entry), the 413 answer's wording, the order of its guards, and the metrics a
 * stored batch moves. Status codes and stored data are in ingest-http.test.ts.
 */
import t from 'tap';
import { ingest } from '../../cloud/resources/ingest/routes.ts';
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
  t.same(Object.keys(op.responses).sort(), ['200', '400', '401', '403', '409', '413', '415', '429', '500', '503']);
  t.equal(op.responses['200']!.description, 'Batch stored (or already stored)');
  t.match(JSON.stringify(op.responses['200']!.content?.['application/json']), /ackedSeq/, 'the 200 answer is an IngestAck');
  t.equal(ingest.id, 'ingest', 'the resource id');
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

t.test('a "__proto__" key anywhere in the JSON body is refused with its path', async (t) => {
  const good = JSON.stringify(batch(a.hubId, [reading(a.hubId, 100)]));
  const send = (text: string, contentType = 'application/json') => h.ingest(a.hubToken, text, { 'content-type': contentType });
  const paths = async (res: Response) => {
    t.equal(res.status, 400);
    const body = (await res.json()) as { detail: string; errors: Array<{ path: string; message: string }> };
    t.equal(body.detail, 'body failed validation');
    for (const e of body.errors) t.equal(e.message, 'a "__proto__" key cannot be stored');
    return body.errors.map((e) => e.path).sort();
  };
  // Each row: body text, the paths reported.
  const rows: Array<[string, string, string[]]> = [
    ['at the top', good.replace('{"hubId"', '{"__proto__":{},"hubId"'), ['__proto__']],
    ['inside an event payload', good.replace('"payload":{', '"payload":{"__proto__":1,'), ['events.0.payload.__proto__']],
    ['twice', good.replace('{"hubId"', '{"__proto__":{"__proto__":2},"hubId"'), ['__proto__', '__proto__.__proto__']],
  ];
  for (const [name, text, expected] of rows) t.same(await paths(await send(text)), expected, name);
  t.same(await paths(await send(good.replace('{"hubId"', '{"__proto__":{},"hubId"'), 'Application/JSON; charset=utf-8')), ['__proto__'], 'any casing and parameters of the JSON media type');
  // At most 20 paths are listed.
  const many = `{"x":[${Array.from({ length: 30 }, () => '{"__proto__":0}').join(',')}]}`;
  t.equal((await paths(await send(many))).length, 20, 'at most 20 paths');
  // Deeper than the service's depth limit the walk stops: such a body is refused for its depth, not here.
  const deep = `${'{"a":'.repeat(66)}{"__proto__":0}${'}'.repeat(66)}`;
  const res = await send(deep);
  t.equal(res.status, 400);
  const deepBody = (await res.json()) as { errors?: Array<{ message: string }> };
  t.notOk(deepBody.errors?.some((e) => e.message.includes('__proto__')), 'not reported below the scan depth');
  const at64 = `${'{"a":'.repeat(64)}{"__proto__":0}${'}'.repeat(64)}`;
  t.same(await paths(await send(at64)), [`${'a.'.repeat(64)}__proto__`], 'reported at depth 64');
  // Another media type is not parsed as JSON here; the validator answers 415.
  t.equal((await send(good.replace('{"hubId"', '{"__proto__":{},"hubId"'), 'text/plain')).status, 415);
  t.equal((await send(good.replace('{"hubId"', '{"__proto__":{},"hubId"'), 'text/x-application/json')).status, 415, 'the media type must start the header');
  // Keys that merely contain the word, and a clean body, pass.
  const near = await send(good.replace('"payload":{', '"payload":{"x__proto__":1,'));
  t.equal(near.status, 400, 'an unknown key is still a validation error');
  const nearBody = (await near.json()) as { errors?: Array<{ message: string }> };
  t.notOk(nearBody.errors?.some((e) => e.message.includes('"__proto__" key')), 'but not a "__proto__" refusal');
  // null values are walked past, not looked into.
  const withNull = good.replace('"payload":{', '"deviceTime":null,"payload":{');
  t.equal((await send(withNull)).status, 400, 'a null where a string belongs is a validation error, not a crash');
  t.equal((await send(good)).status, 200, 'a clean batch is stored');
});
