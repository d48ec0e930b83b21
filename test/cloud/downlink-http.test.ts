/** The downlink routes (docs/downlink.md): versions, validation, ETag and long-poll, tenancy, hub reports. */
import t from 'tap';
import { pino } from 'pino';
import { createApp } from '../../cloud/main.ts';
import { sha256Hex } from '../../cloud/crypto.ts';
import { runMigrations } from '../../cloud/store/migrate.ts';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';
import { createScratchDatabase } from '../support/postgres.ts';
import { openHarness } from './app-harness.ts';
import { provisionTenant } from './fixtures.ts';
import { createDownlinkService } from '../../cloud/resources/downlink/service.ts';

/** The real PostgreSQL when DATABASE_URL is set (as CI runs), PGlite otherwise. */
async function openStore() {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const harness = await openHarness();
    t.teardown(() => harness.db.close());
    return harness;
  }
  const db = createPostgresDatabase({ connectionString: await createScratchDatabase(t, serverUrl, 'downlink'), max: 4 });
  t.teardown(() => db.close());
  await runMigrations(db);
  return { db, app: createApp({ db, logger: pino({ level: 'silent' }) }), a: await provisionTenant(db, 'a'), b: await provisionTenant(db, 'b') };
}

const h = await openStore();
const { a, b } = h;

const CLINICIAN_KEY = 'api-key-clinician-a';
await h.db.query(`INSERT INTO api_keys (id, org_id, role, key_sha256) VALUES ('key-clin-a', $1, 'clinician', $2)`, [a.orgId, sha256Hex(CLINICIAN_KEY)]);

const content = {
  rooms: [{ id: 'room-201', name: 'Room 201' }],
  residents: [{ id: 'res-7', name: 'Ada Lovelace', spo2Scale: 2, thresholds: { 'heart-rate': { above: 120 } } }],
  devices: [{ id: 'oxi-1', roomId: 'room-201', residentId: 'res-7' }],
};

function send(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}, app = h.app): Promise<Response> {
  return Promise.resolve(
    app.request(path, {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
        ...headers,
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    }),
  );
}

async function currentVersion(hubId: string): Promise<number | null> {
  const { rows } = await h.db.query<{ version: number }>('SELECT version FROM hub_downlinks WHERE hub_id = $1', [hubId]);
  return rows[0] ? Number(rows[0].version) : null;
}

t.test('an operator writes versions 1 and 2 and reads the current one back', async (t) => {
  const first = await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, content);
  t.equal(first.status, 200);
  const v1 = (await first.json()) as { version: number; etag: string; content: unknown; updatedBy: string; hubReport: unknown };
  t.equal(v1.version, 1);
  t.same(v1.content, content);
  t.equal(v1.updatedBy, 'key-a');
  t.same(v1.hubReport, { appliedVersion: null, appliedAt: null, refusedVersion: null, refusedErrors: [], refusedAt: null });

  const second = (await (await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, { ...content, rooms: [] })).json()) as { version: number; etag: string };
  t.equal(second.version, 2);
  t.not(second.etag, v1.etag, 'a new version has a new ETag');

  const read = await send('GET', `/v1/hubs/${a.hubId}/downlink`, a.apiKey);
  t.equal(read.status, 200);
  t.match(await read.json(), { hubId: a.hubId, version: 2, etag: second.etag, content: { rooms: [], devices: content.devices } });
});

t.test('an invalid document is refused whole with every issue, and the stored version stays', async (t) => {
  const before = await currentVersion(a.hubId);
  const bad = {
    rooms: [{ id: 'room-1', name: 'One' }, { id: 'room-1', name: 'Again' }],
    residents: [{ id: 'res-1', spo2Scale: 3 }],
    devices: [{ id: 'oxi-1', roomId: 'room-1' }],
    transports: {},
  };
  const res = await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, bad);
  t.equal(res.status, 400);
  const problem = (await res.json()) as { errors: Array<{ path: string; message: string }> };
  const paths = problem.errors.map((e) => e.path).sort();
  t.same(paths, ['devices.0.residentId', 'residents.0.spo2Scale', 'transports'].sort());
  t.equal(await currentVersion(a.hubId), before, 'nothing written');

  const dup = await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, { rooms: [{ id: 'r', name: 'x' }, { id: 'r', name: 'y' }] });
  t.equal(dup.status, 400);
  t.match(await dup.json(), { errors: [{ path: 'rooms.1.id', message: 'duplicate id "r"' }] });
  t.equal(await currentVersion(a.hubId), before, 'nothing written');

  t.equal((await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, '{"rooms": [')).status, 400, 'not JSON');
});

t.test('tenancy: another organisation, a hub token and a clinician key cannot touch a hub downlink', async (t) => {
  t.equal((await send('PUT', `/v1/hubs/${a.hubId}/downlink`, b.apiKey, content)).status, 404, "another org's hub looks absent");
  t.equal((await send('GET', `/v1/hubs/${a.hubId}/downlink`, b.apiKey)).status, 404);
  t.equal((await send('GET', `/v1/hubs/no-such-hub/downlink`, a.apiKey)).status, 404);
  t.equal((await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.hubToken, content)).status, 401, 'a hub token is not an API key');
  t.equal((await send('GET', `/v1/hubs/${a.hubId}/downlink`, b.hubToken)).status, 401, "hub b cannot read hub a's downlink");
  t.equal((await send('PUT', `/v1/hubs/${a.hubId}/downlink`, CLINICIAN_KEY, content)).status, 403);
  t.equal((await send('GET', `/v1/hubs/${a.hubId}/downlink`, undefined)).status, 401);
  t.equal(await currentVersion(b.hubId), null, 'hub b still has no downlink');
});

t.test('a hub reads only its own downlink, by ETag', async (t) => {
  const res = await send('GET', '/v1/downlink', a.hubToken);
  t.equal(res.status, 200);
  const etag = res.headers.get('etag');
  t.ok(etag);
  const doc = (await res.json()) as { hubId: string; version: number };
  t.equal(doc.hubId, a.hubId);
  t.equal(doc.version, await currentVersion(a.hubId));

  const again = await send('GET', '/v1/downlink', a.hubToken, undefined, { 'if-none-match': etag! });
  t.equal(again.status, 304);
  t.equal(again.headers.get('etag'), etag);
  t.equal((await send('GET', '/v1/downlink', a.hubToken, undefined, { 'if-none-match': `"0-x", W/${etag!}` })).status, 304, 'a list, weak tags too');
  t.equal((await send('GET', '/v1/downlink', a.hubToken, undefined, { 'if-none-match': '"0-stale"' })).status, 200);

  t.equal((await send('GET', '/v1/downlink', b.hubToken)).status, 404, "hub b has none, and never sees hub a's");
  t.equal((await send('GET', `/v1/downlink?hubId=${a.hubId}`, b.hubToken)).status, 400, 'no way to name another hub');
  t.equal((await send('GET', '/v1/downlink', a.apiKey)).status, 401, 'an API key is not a hub token');
  t.equal((await send('GET', '/v1/downlink?wait=31', a.hubToken)).status, 400);
});

t.test('long-poll: a held request answers as soon as a new version is written', async (t) => {
  const etag = (await send('GET', '/v1/downlink', a.hubToken)).headers.get('etag')!;
  const held = send('GET', '/v1/downlink?wait=20', a.hubToken, undefined, { 'if-none-match': etag });
  let settled = false;
  void held.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(settled, 'still held while nothing changed');
  const put = (await (await send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, content)).json()) as { version: number };
  const res = await held;
  t.equal(res.status, 200);
  t.equal(((await res.json()) as { version: number }).version, put.version);

  const started = Date.now();
  const idle = await send('GET', '/v1/downlink?wait=1', a.hubToken, undefined, { 'if-none-match': res.headers.get('etag')! });
  t.equal(idle.status, 304, 'nothing new within the wait');
  t.ok(Date.now() - started >= 900, 'held for the wait');
});

t.test('a relay shutting down answers held long-polls at once', async (t) => {
  const closing = new AbortController();
  const app = createApp({ db: h.db, logger: pino({ level: 'silent' }), closing: closing.signal });
  const etag = (await send('GET', '/v1/downlink', a.hubToken, undefined, {}, app)).headers.get('etag')!;
  const held = send('GET', '/v1/downlink?wait=30', a.hubToken, undefined, { 'if-none-match': etag }, app);
  await new Promise((r) => setTimeout(r, 50));
  const started = Date.now();
  closing.abort();
  const answer = await held;
  t.equal(answer.status, 304);
  t.equal(answer.headers.get('connection'), 'close', 'and closes the connection, so a polling hub cannot hold the close open');
  const late = await send('GET', '/v1/downlink?wait=30', a.hubToken, undefined, { 'if-none-match': etag }, app);
  t.equal(late.status, 304, 'a poll arriving while it closes is answered at once');
  t.equal(late.headers.get('connection'), 'close');
  t.ok(Date.now() - started < 2_500, "did not wait for the store's next re-check, nor the 30 s");
});

t.test('the hub reports applied and refused versions; the operator sees them', async (t) => {
  const version = (await currentVersion(a.hubId))!;
  t.equal((await send('POST', '/v1/downlink/report', a.hubToken, { version, outcome: 'applied' })).status, 204);
  const errors = [{ path: 'devices.0.id', message: 'unknown device "x"' }];
  t.equal((await send('POST', '/v1/downlink/report', a.hubToken, { version, outcome: 'refused', errors })).status, 204);
  const read = (await (await send('GET', `/v1/hubs/${a.hubId}/downlink`, a.apiKey)).json()) as { hubReport: Record<string, unknown> };
  t.match(read.hubReport, { appliedVersion: version, refusedVersion: version, refusedErrors: errors });
  t.type(read.hubReport.refusedAt, 'string');

  t.equal((await send('POST', '/v1/downlink/report', a.hubToken, { version: version + 5, outcome: 'applied' })).status, 409, 'a version never sent');
  t.equal((await send('POST', '/v1/downlink/report', b.hubToken, { version: 1, outcome: 'applied' })).status, 409, "hub b cannot report on hub a's");
  t.equal((await send('POST', '/v1/downlink/report', a.hubToken, { version, outcome: 'maybe' })).status, 400);
});

t.test('writes at the same moment each get their own version', async (t) => {
  const before = (await currentVersion(a.hubId))!;
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => send('PUT', `/v1/hubs/${a.hubId}/downlink`, a.apiKey, { rooms: [{ id: `room-${i}`, name: `Room ${i}` }] })),
  );
  const versions = await Promise.all(answers.map(async (res) => ((await res.json()) as { version: number }).version));
  t.same([...versions].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6].map((n) => before + n));
  t.equal(await currentVersion(a.hubId), before + 6);
});

t.test('a write on this replica wakes a held long-poll at once, without waiting for the re-check', async (t) => {
  // Re-checks far apart: only the wake-up can answer within the wait.
  const service = createDownlinkService({ db: h.db, now: () => new Date(), recheckMs: 60_000 });
  const principal = { keyId: 'key-a', orgId: a.orgId, role: 'operator' as const };
  const hub = { hubId: a.hubId, orgId: a.orgId };
  const current = await service.getOwn(hub, [], 0);
  if (current.kind !== 'document') throw new Error('hub a has a downlink by now');
  const held = service.getOwn(hub, [current.etag], 20);
  await new Promise((r) => setTimeout(r, 50));
  const written = await service.put(principal, a.hubId, { rooms: [], residents: [], devices: [] });
  const answer = await Promise.race([held, new Promise<'still held'>((r) => setTimeout(() => r('still held'), 15_000))]);
  t.match(answer, { kind: 'document', document: { version: written.version } });
});

t.test('a write on another replica reaches a held long-poll at its next re-check', async (t) => {
  // Two services on one store, as two relay replicas behind a load balancer: no shared memory.
  const held = createDownlinkService({ db: h.db, now: () => new Date(), recheckMs: 200 });
  const writer = createDownlinkService({ db: h.db, now: () => new Date(), recheckMs: 60_000 });
  const hub = { hubId: a.hubId, orgId: a.orgId };
  const current = await held.getOwn(hub, [], 0);
  if (current.kind !== 'document') throw new Error('hub a has a downlink by now');
  const waiting = held.getOwn(hub, [current.etag], 20);
  const written = await writer.put({ keyId: 'key-a', orgId: a.orgId, role: 'operator' }, a.hubId, { rooms: [{ id: 'room-9', name: 'Nine' }], residents: [], devices: [] });
  const answer = await Promise.race([waiting, new Promise<'still held'>((r) => setTimeout(() => r('still held'), 15_000))]);
  t.match(answer, { kind: 'document', document: { version: written.version, content: { rooms: [{ id: 'room-9' }] } } });
});
