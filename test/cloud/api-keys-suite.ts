/**
 * docs/access.md#api-keys and the per-request safeguards: keys made through the API (secret shown
 * once, stored hashed), listed without secrets, revoked and refused at once, expired and refused,
 * dropped from the bootstrap config and refused; each change on the audit chain. Then the per-key
 * 429 with Retry-After, request ids on answers and log lines, security headers and the body limit.
 * Run on PGlite (api-keys-http.test.ts) and on PostgreSQL (api-keys-postgres.test.ts).
 */
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/app.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { createLogger } from '../../cloud/logger.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import type { Database } from '../../cloud/store/database.ts';
import { provisionWalkOrg, walkOrg } from './access-fixtures.ts';

/** `db` is migrated and empty of these organisations; tag keeps two runs on one server apart. */
export async function apiKeysSuite(t: Test, db: Database, tag: string): Promise<void> {
  const a = walkOrg(`${tag}-a`);
  const b = walkOrg(`${tag}-b`);
  await provisionWalkOrg(db, a);
  await provisionWalkOrg(db, b);

  let clock = new Date('2026-06-01T10:00:00.000Z');
  const app = createApp({ db, logger: pino({ level: 'silent' }), now: () => clock, access: { keyRequestsPerSecond: 0 } });

  async function call(method: string, path: string, secret: string | undefined, body?: unknown) {
    const res = await app.request(path, {
      method,
      headers: { ...(secret === undefined ? {} : { authorization: `Bearer ${secret}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function auditActions(orgId: string): Promise<string[]> {
    const { rows } = await db.query<{ action: string; target_id: string }>('SELECT action, target_id FROM audit_log WHERE org_id = $1 ORDER BY seq', [orgId]);
    return rows.map((r) => `${r.action} ${r.target_id}`);
  }

  t.test('a key made through the API works, is stored hashed, listed without its secret, and refused once revoked', async (t) => {
    const created = await call('POST', '/v1/api-keys', a.keys.operator, { role: 'clinician', label: 'night shift' });
    t.equal(created.status, 201);
    const secret = created.json.key as string;
    const id = created.json.id as string;
    t.match(secret, /^chk_[A-Za-z0-9_-]{43}$/);
    t.match(created.json, { role: 'clinician', label: 'night shift', orgId: a.orgId, source: 'api', revokedAt: null, createdBy: `${a.orgId}-operator` });

    const stored = await db.query<{ key_sha256: string }>('SELECT key_sha256 FROM api_keys WHERE id = $1', [id]);
    t.equal(stored.rows[0]?.key_sha256, sha256Hex(secret), 'only the digest is stored');

    t.equal((await call('GET', '/v1/alarms', secret)).status, 200, 'the new clinician key reads alarms');
    t.equal((await call('POST', '/v1/api-keys', secret, { role: 'operator' })).status, 403, 'a clinician cannot make keys');

    const list = await call('GET', '/v1/api-keys', a.keys.auditor);
    t.equal(list.status, 200, 'an auditor lists keys');
    t.notOk(list.text.includes(secret), 'the listing never carries a secret');
    t.notOk(list.text.includes('"key"'), 'nor a key field');
    t.ok((list.json.items as Array<{ id: string }>).some((k) => k.id === id));
    t.notOk(list.text.includes(b.orgId), "no key of another organisation");

    t.equal((await call('DELETE', `/v1/api-keys/${id}`, b.keys.operator)).status, 404, "another organisation's operator: 404");
    t.equal((await call('GET', '/v1/alarms', secret)).status, 200, 'still valid after the foreign attempt');

    const revoked = await call('DELETE', `/v1/api-keys/${id}`, a.keys.operator);
    t.equal(revoked.status, 200);
    t.equal(revoked.json.revokedAt, clock.toISOString());
    const refused = await call('GET', '/v1/alarms', secret);
    t.equal(refused.status, 401, 'refused at once');
    t.match(refused.json.detail, /revoked/);
    t.equal((await call('DELETE', `/v1/api-keys/${id}`, a.keys.operator)).json.revokedAt, clock.toISOString(), 'revoking again keeps the first instant');

    t.same((await auditActions(a.orgId)).filter((x) => x.endsWith(id)), [`api-key.create ${id}`, `api-key.revoke ${id}`], 'create and one revoke are on the audit chain');
  });

  t.test('a key with an expiry is refused from that instant', async (t) => {
    const past = await call('POST', '/v1/api-keys', a.keys.operator, { role: 'auditor', expiresAt: new Date(clock.getTime() - 1000).toISOString() });
    t.equal(past.status, 400, 'an expiry in the past is refused');
    const created = await call('POST', '/v1/api-keys', a.keys.operator, { role: 'auditor', expiresAt: new Date(clock.getTime() + 60_000).toISOString() });
    t.equal(created.status, 201);
    const secret = created.json.key as string;
    t.equal((await call('GET', '/v1/api-keys', secret)).status, 200, 'valid before its expiry');
    clock = new Date(clock.getTime() + 60_000);
    const expired = await call('GET', '/v1/api-keys', secret);
    t.equal(expired.status, 401, 'refused at its expiry');
    t.match(expired.json.detail, /expired/);
  });

  t.test('a bootstrap key dropped from the config is refused after the next start', async (t) => {
    const keep = { id: 'boot-keep', orgId: a.orgId, role: 'operator' as const, keySha256: sha256Hex('boot-keep-secret-01') };
    const drop = { id: 'boot-drop', orgId: a.orgId, role: 'pharmacy' as const, keySha256: sha256Hex('boot-drop-secret-01') };
    const org = { id: a.orgId, name: 'Home', kind: 'nursing-home' as const };
    await applyBootstrap(db, { orgs: [org], hubs: [], apiKeys: [keep, drop] });
    const role = await db.query<{ role: string; kind: string }>('SELECT k.role, o.kind FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.id = $1', ['boot-drop']);
    t.same(role.rows[0], { role: 'pharmacist', kind: 'care-home' }, 'old names are stored under the new ones');
    t.equal((await call('GET', '/v1/api-keys', 'boot-drop-secret-01')).status, 403, 'valid (a pharmacist may not list keys)');

    const everyOtherKey = (await db.query<{ id: string; org_id: string; role: string; key_sha256: string }>("SELECT id, org_id, role, key_sha256 FROM api_keys WHERE source = 'bootstrap' AND id <> 'boot-drop'")).rows;
    await applyBootstrap(
      db,
      { orgs: [org], hubs: [], apiKeys: everyOtherKey.map((k) => ({ id: k.id, orgId: k.org_id, role: k.role as 'operator', keySha256: k.key_sha256 })) },
      { revokeUnlisted: true },
    );
    t.equal((await call('GET', '/v1/api-keys', 'boot-drop-secret-01')).status, 401, 'dropped from the config: refused');
    t.equal((await call('GET', '/v1/api-keys', 'boot-keep-secret-01')).status, 200, 'a listed key still works');
    t.ok((await auditActions(a.orgId)).includes('api-key.revoke boot-drop'), 'the sweep is on the audit chain');

    await applyBootstrap(db, { orgs: [org], hubs: [], apiKeys: [keep] });
    t.equal((await call('GET', '/v1/api-keys', a.keys.operator)).status, 200, 'a partial bootstrap (revokeUnlisted unset) revokes nothing');
    await applyBootstrap(db, { orgs: [org], hubs: [], apiKeys: [{ ...keep, role: 'auditor' }] });
    t.equal((await call('POST', '/v1/api-keys', 'boot-keep-secret-01', { role: 'clinician' })).status, 403, 'a role changed in the config applies');
    const actions = await auditActions(a.orgId);
    t.ok(actions.includes('api-key.create boot-keep'), 'a key the config adds is on the audit chain');
    t.ok(actions.includes('api-key.role-change boot-keep'), 'so is a role the config changes');
  });

  t.test('per-key rate limit: 429 with Retry-After, other keys unaffected', async (t) => {
    const limited = createApp({ db, logger: pino({ level: 'silent' }), now: () => clock, access: { keyRequestsPerSecond: 1, keyBurst: 2 } });
    const get = (secret: string) => limited.request('/v1/api-keys', { headers: { authorization: `Bearer ${secret}` } });
    t.equal((await get(a.keys.operator)).status, 200);
    t.equal((await get(a.keys.operator)).status, 200);
    const third = await get(a.keys.operator);
    t.equal(third.status, 429, 'the third request within the burst of 2 at 1/s');
    t.equal(third.headers.get('retry-after'), '1');
    t.equal((await get(a.keys.auditor)).status, 200, 'another key has its own bucket');
    clock = new Date(clock.getTime() + 1000);
    t.equal((await get(a.keys.operator)).status, 200, 'one second later one more');
  });

  t.test('request ids on every answer and log line; security headers; body limit', async (t) => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logged = createApp({ db, logger: createLogger('info', sink), now: () => clock, access: { keyRequestsPerSecond: 0, bodyLimitBytes: 2048 } });

    const ok = await logged.request('/v1/api-keys', { headers: { authorization: `Bearer ${a.keys.operator}` } });
    t.match(ok.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a 200 carries an id');
    t.equal(ok.headers.get('x-content-type-options'), 'nosniff');
    t.ok(ok.headers.get('strict-transport-security'), 'HSTS');
    t.equal(ok.headers.get('x-frame-options'), 'SAMEORIGIN');

    const unauth = await logged.request('/v1/api-keys');
    t.equal(unauth.status, 401);
    t.ok(unauth.headers.get('x-request-id'), 'a problem answer carries an id');
    t.ok((await logged.request('/no/such/route')).headers.get('x-request-id'), 'a 404 too');

    const mine = await logged.request('/v1/api-keys', { headers: { authorization: `Bearer ${a.keys.operator}`, 'x-request-id': 'client-chosen-0001' } });
    t.equal(mine.headers.get('x-request-id'), 'client-chosen-0001', "a client's plain token is kept");
    const injected = await logged.request('/v1/api-keys', { headers: { authorization: `Bearer ${a.keys.operator}`, 'x-request-id': 'evil"\\} id' } });
    t.not(injected.headers.get('x-request-id'), 'evil"\\} id', 'anything else is replaced');

    const created = await logged.request('/v1/api-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.keys.operator}`, 'content-type': 'application/json', 'x-request-id': 'create-req-0001' },
      body: JSON.stringify({ role: 'clinician' }),
    });
    t.equal(created.status, 201);
    const line = lines.find((l) => l.msg === 'API key created');
    t.equal(line?.reqId, 'create-req-0001', 'the service log line carries the request id');

    const big = await logged.request('/v1/api-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${a.keys.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'clinician', label: 'x'.repeat(4000) }),
    });
    t.equal(big.status, 413, 'a body over the limit: 413');
    t.equal(big.headers.get('content-type'), 'application/problem+json');
  });

  t.test("a key's role changes at once, audited; another organisation's operator gets 404", async (t) => {
    const created = await call('POST', '/v1/api-keys', a.keys.operator, { role: 'pharmacist' });
    const id = created.json.id as string;
    const secret = created.json.key as string;
    t.equal((await call('GET', '/v1/alarms', secret)).status, 403, 'a pharmacist reads no alarms');
    t.equal((await call('PATCH', `/v1/api-keys/${id}`, b.keys.operator, { role: 'operator' })).status, 404, 'not found from another organisation');
    t.equal((await call('PATCH', `/v1/api-keys/${id}`, a.keys.clinician, { role: 'operator' })).status, 403, 'a clinician may not re-role');
    const changed = await call('PATCH', `/v1/api-keys/${id}`, a.keys.operator, { role: 'clinician' });
    t.equal(changed.status, 200);
    t.equal(changed.json.role, 'clinician');
    t.equal((await call('GET', '/v1/alarms', secret)).status, 200, 'the new role applies on the next request');
    t.ok((await auditActions(a.orgId)).includes(`api-key.role-change ${id}`), 'on the audit chain');
    await call('DELETE', `/v1/api-keys/${id}`, a.keys.operator);
    t.equal((await call('PATCH', `/v1/api-keys/${id}`, a.keys.operator, { role: 'operator' })).status, 409, 'a revoked key is not revived by a role change');
  });

  t.test('concurrent revocations of one key: one audit entry, one revokedAt', async (t) => {
    const created = await call('POST', '/v1/api-keys', a.keys.operator, { role: 'clinician' });
    const id = created.json.id as string;
    const answers = await Promise.all(Array.from({ length: 6 }, () => call('DELETE', `/v1/api-keys/${id}`, a.keys.operator)));
    t.same(answers.map((x) => x.status), [200, 200, 200, 200, 200, 200]);
    t.equal(new Set(answers.map((x) => x.json.revokedAt)).size, 1, 'every answer names the same instant');
    t.same((await auditActions(a.orgId)).filter((x) => x === `api-key.revoke ${id}`), [`api-key.revoke ${id}`], 'revoked once on the chain');
  });
}
