import t from 'tap';
import { withOperationIds } from '../../cloud/http/openapi.ts';
import { openHarness } from './app-harness.ts';

const h = await openHarness();
t.teardown(() => h.db.close());

t.test('openapi.json is OpenAPI 3.1 with the routes', async (t) => {
  const res = await h.get('/openapi.json');
  t.equal(res.status, 200);
  const doc = (await res.json()) as {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    components: { securitySchemes?: Record<string, unknown> };
  };
  t.match(doc.openapi, /^3\.1\./);
  t.type(doc.info.title, 'string');
  t.type(doc.info.version, 'string');
  t.ok(doc.paths['/v1/ingest']?.post, 'POST /v1/ingest');
  t.ok(doc.paths['/v1/ingest']?.post?.requestBody, 'with a request body schema');
  t.ok(doc.paths['/v1/ingest']?.post?.responses['400'], 'documents the 400 problem');
  t.ok(doc.paths['/v1/alarms']?.get, 'GET /v1/alarms');
  t.ok(doc.components.securitySchemes?.bearer, 'bearer security scheme');
  const text = JSON.stringify(doc);
  t.match(text, /"alarm-update"/, 'event kinds come from the protocols/ schemas');
});

t.test('openapi.json names its server, licence and an operationId for every operation', async (t) => {
  const res = await h.app.request('http://relay.example.test:8787/openapi.json');
  const doc = (await res.json()) as { servers?: Array<{ url: string }>; info: { license?: { name: string } }; paths: Record<string, Record<string, { operationId?: string }>> };
  t.same(doc.servers, [{ url: 'http://relay.example.test:8787', description: 'this relay' }], 'the origin it was fetched from');
  t.type(doc.info.license?.name, 'string');
  const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
  t.notOk(ids.includes(undefined), 'every operation has an operationId');
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  t.equal(doc.paths['/v1/audit']?.get?.operationId, 'listAuditEntries', 'a declared one is kept');
  const derived = withOperationIds({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/v1/hubs/{id}/downlink': { get: {}, put: {} }, '/v1/hubs/{id}': { get: { operationId: 'getHubsById' } }, '/hubs/{id}': { get: {} } } });
  t.same(
    Object.values(derived.paths!).flatMap((ops) => Object.values(ops).map((op: { operationId?: string }) => op.operationId)),
    ['getHubsByIdDownlink', 'putHubsByIdDownlink', 'getHubsById', 'getHubsById2'],
    'otherwise derived from method and path, never repeating one',
  );
});

t.test('/docs is the Scalar page over /openapi.json, its script served by the relay (no CDN)', async (t) => {
  const res = await h.get('/docs');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  t.match(html, /<script src="\/docs\/scalar\.js">/);
  t.match(html, /\/openapi\.json/);
  t.notMatch(html, /(src|href)="https?:\/\//, 'no script or stylesheet from another host');
  const script = await h.get('/docs/scalar.js');
  t.equal(script.status, 200);
  t.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
  t.ok((await script.arrayBuffer()).byteLength > 100_000, "Scalar's standalone bundle");
});
