/**
 * cloud/http/auth.ts in isolation: a small Hono app and an in-memory credential
 * table behind the Queryable interface (the SQL itself is covered by the HTTP
 * tests over PGlite). Fast enough to run for every mutant.
 */
import t from 'tap';
import { Hono } from 'hono';
import { sha256Hex } from '../../cloud/crypto.ts';
import { ProblemError } from '../../cloud/errors.ts';
import { requireApiKey, requireHub } from '../../cloud/http/auth.ts';
import type { AppEnv } from '../../cloud/http/env.ts';
import type { Database } from '../../cloud/store/database.ts';

const HUB_TOKEN = 'hub-token-a';
const API_KEY = 'api-key-a';
const NOON = new Date('2026-03-01T12:00:00.000Z');

/** Rows by digest, as the hubs / api_keys tables would answer them. */
function fakeDb(
  overrides: { hubDigest?: string; keyDigest?: string; revokedAt?: Date; expiresAt?: Date; role?: string } = {},
): Database & { digests: string[] } {
  const digests: string[] = [];
  const hub = {
    hubId: 'hub-a',
    orgId: 'org-a',
    tokenSha256: overrides.hubDigest ?? sha256Hex(HUB_TOKEN),
    revokedAt: overrides.revokedAt ?? null,
    expiresAt: overrides.expiresAt ?? null,
  };
  const key = { keyId: 'key-a', orgId: 'org-a', role: overrides.role ?? 'clinician', keySha256: overrides.keyDigest ?? sha256Hex(API_KEY) };
  const db = {
    digests,
    async query(sql: string, params: unknown[] = []) {
      const digest = params[0] as string;
      digests.push(digest);
      // The lookup answers by the real digest even when the stored one is overridden: the
      // constant-time re-check in auth.ts is what must refuse a row whose digest differs.
      if (/FROM hub_credentials/.test(sql)) return { rows: digest === sha256Hex(HUB_TOKEN) ? [hub] : [], rowCount: 0 };
      if (/FROM api_keys/.test(sql)) return { rows: digest === sha256Hex(API_KEY) ? [key] : [], rowCount: 0 };
      throw new Error(`unexpected SQL ${sql}`);
    },
  };
  return db as unknown as Database & { digests: string[] };
}

function app(db: Database) {
  const a = new Hono<AppEnv>();
  a.onError((err, c) => {
    if (err instanceof ProblemError) return c.json({ code: err.code, detail: err.message }, err.status as 401);
    return c.json({ code: 'internal', detail: String(err) }, 500);
  });
  a.get('/hub', requireHub(db), (c) => c.json(c.get('hub')));
  a.get('/key', requireApiKey(db), (c) => c.json(c.get('principal')));
  a.get('/operator', requireApiKey(db, ['operator', 'auditor']), (c) => c.json(c.get('principal')));
  a.get('/hub-at-noon', requireHub(db, () => NOON), (c) => c.json(c.get('hub')));
  return a;
}

async function call(db: Database, path: string, authorization?: string) {
  const res = await app(db).request(path, { headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

t.test('a valid hub token sets exactly the hub identity', async (t) => {
  const db = fakeDb();
  t.same(await call(db, '/hub', `Bearer ${HUB_TOKEN}`), { status: 200, body: { hubId: 'hub-a', orgId: 'org-a' } });
  t.same(db.digests, [sha256Hex(HUB_TOKEN)], 'the table is searched by the SHA-256 of the token, never the token');
});

t.test('a valid API key sets exactly the principal', async (t) => {
  t.same(await call(fakeDb(), '/key', `Bearer ${API_KEY}`), { status: 200, body: { keyId: 'key-a', orgId: 'org-a', role: 'clinician' } });
});

// Each row: Authorization header, accepted? Everything refused is a 401 with code unauthorized.
const headerRows: Array<[string, string | undefined, boolean]> = [
  ['canonical', `Bearer ${HUB_TOKEN}`, true],
  ['scheme in lower case', `bearer ${HUB_TOKEN}`, true],
  ['scheme in upper case', `BEARER ${HUB_TOKEN}`, true],
  ['several spaces after the scheme', `Bearer   ${HUB_TOKEN}`, true],
  ['trailing spaces', `Bearer ${HUB_TOKEN}  `, true],
  ['no header', undefined, false],
  ['empty header', '', false],
  ['scheme only', 'Bearer', false],
  ['scheme and space only', 'Bearer ', false],
  ['Basic scheme', `Basic ${HUB_TOKEN}`, false],
  ['no space after the scheme', `Bearer${HUB_TOKEN}`, false],
  ['tab instead of space', `Bearer\t${HUB_TOKEN}`, false],
  ['text before the scheme', `x Bearer ${HUB_TOKEN}`, false],
  ['a second word after the token', `Bearer ${HUB_TOKEN} extra`, false],
  ['wrong token', 'Bearer hub-token-b', false],
  ['the token with one more character', `Bearer ${HUB_TOKEN}x`, false],
  ['the API key where a hub token is needed', `Bearer ${API_KEY}`, false],
];

t.test('Authorization header forms', async (t) => {
  for (const [name, header, accepted] of headerRows) {
    const r = await call(fakeDb(), '/hub', header);
    t.equal(r.status, accepted ? 200 : 401, name);
    if (!accepted) t.equal(r.body.code, 'unauthorized', `${name}: code`);
  }
});

t.test('the two refusals say what is wrong and which credential is meant', async (t) => {
  t.same((await call(fakeDb(), '/hub')).body, { code: 'unauthorized', detail: 'Authorization: Bearer <hub token> is required' });
  t.same((await call(fakeDb(), '/hub', 'Bearer nope')).body, { code: 'unauthorized', detail: 'The hub token is not valid' });
  t.same((await call(fakeDb(), '/key')).body, { code: 'unauthorized', detail: 'Authorization: Bearer <API key> is required' });
  t.same((await call(fakeDb(), '/key', 'Bearer nope')).body, { code: 'unauthorized', detail: 'The API key is not valid' });
});

t.test('secrets: printable ASCII up to 512 characters', async (t) => {
  const db = fakeDb();
  const long = 'x'.repeat(512);
  t.equal((await call(db, '/hub', `Bearer ${long}`)).status, 401, '512 characters is looked up (and not found)');
  t.same(db.digests, [sha256Hex(long)], 'a 512-character secret is hashed and looked up');
  const db2 = fakeDb();
  t.equal((await call(db2, '/hub', `Bearer ${'x'.repeat(513)}`)).status, 401);
  t.same(db2.digests, [], 'a 513-character secret is refused before any lookup');
  const db3 = fakeDb();
  t.equal((await call(db3, '/hub', 'Bearer caf\u00e9')).status, 401, 'non-ASCII');
  t.same(db3.digests, [], 'a non-ASCII secret is refused before any lookup');
  const db4 = fakeDb();
  t.equal((await call(db4, '/hub', 'Bearer !~')).status, 401);
  t.same(db4.digests, [sha256Hex('!~')], 'the first and last printable characters are allowed');
});

t.test('a row whose stored digest differs from the token digest is refused', async (t) => {
  t.equal((await call(fakeDb({ hubDigest: sha256Hex('other') }), '/hub', `Bearer ${HUB_TOKEN}`)).status, 401, 'hub');
  t.equal((await call(fakeDb({ keyDigest: sha256Hex('other') }), '/key', `Bearer ${API_KEY}`)).status, 401, 'API key');
});

t.test('a revoked hub, or a credential past the end of its rotation overlap, is refused and told why', async (t) => {
  const revoked = await call(fakeDb({ revokedAt: new Date('2026-03-01T09:00:00.000Z') }), '/hub', `Bearer ${HUB_TOKEN}`);
  t.same(revoked, {
    status: 401,
    body: { code: 'unauthorized', detail: 'Hub "hub-a" is revoked (since 2026-03-01T09:00:00.000Z); an operator\'s claim code re-provisions it' },
  });
  const ended = await call(fakeDb({ expiresAt: NOON }), '/hub-at-noon', `Bearer ${HUB_TOKEN}`);
  t.equal(ended.status, 401, 'refused from the very instant it expires');
  t.match(ended.body.detail, /replaced by a newer credential and stopped working at 2026-03-01T12:00:00.000Z/);
  const overlap = await call(fakeDb({ expiresAt: new Date(NOON.getTime() + 1) }), '/hub-at-noon', `Bearer ${HUB_TOKEN}`);
  t.equal(overlap.status, 200, 'still inside the overlap a millisecond before');
});

t.test('a route for some roles refuses a valid key of another role with 403', async (t) => {
  const clinician = await call(fakeDb(), '/operator', `Bearer ${API_KEY}`);
  t.equal(clinician.status, 403);
  t.match(clinician.body.detail, /role operator or auditor; this key's role is clinician/);
  t.equal((await call(fakeDb({ role: 'auditor' }), '/operator', `Bearer ${API_KEY}`)).status, 200);
  t.equal((await call(fakeDb({ role: 'operator' }), '/operator', `Bearer ${API_KEY}`)).status, 200);
  t.equal((await call(fakeDb({ role: 'operator' }), '/operator', 'Bearer nope')).status, 401, 'identity first, then role');
});
