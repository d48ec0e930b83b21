import t from 'tap';
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

t.test('/docs is self-contained HTML listing the operations', async (t) => {
  const res = await h.get('/docs');
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const html = await res.text();
  t.match(html, /^<!doctype html>/i);
  t.match(html, /POST<\/span> <code>\/v1\/ingest<\/code>/);
  t.match(html, /GET<\/span> <code>\/v1\/alarms<\/code>/);
  t.notMatch(html, /https?:\/\//, 'no external URLs');
  t.notMatch(html, /<script|<link|@import|url\(/i, 'no scripts, stylesheets or fetched assets');
});
