/**
 * Records through the REST API (docs/records.md), run on PGlite and on PostgreSQL: ETag/If-Match,
 * Idempotency-Key, tenancy, observations projected from ingested events, vitals raw and bucketed with
 * cursor paging, and monthly partitions created ahead.
 */
import { pino } from 'pino';
import type { Test } from 'tap';
import { createApp } from '../../cloud/main.ts';
import { pruneIdempotencyKeys } from '../../cloud/http/idempotency.ts';
import { verifyAuditChains } from '../../cloud/audit/verify.ts';
import { ensureObservationPartitions } from '../../cloud/resources/observations/partitions.ts';
import type { Database } from '../../cloud/store/database.ts';
import type { Event, EventOf } from '../../protocols/event.ts';
import { newId, provisionTenant, type Tenant } from './fixtures.ts';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');

function readingAt(hubId: string, seq: number, ms: number, value: number, residentId: string): EventOf<'reading'> {
  return {
    id: newId(ms - T0),
    hubId,
    seq,
    kind: 'reading',
    hubTime: new Date(ms).toISOString(),
    deviceId: 'oxi-1',
    residentId,
    payload: { metric: 'spo2', loinc: '59408-5', value, unit: '%' },
  };
}

export function recordsContract(t: Test, db: Database, tag: string): void {
  const app = createApp({ db, logger: pino({ level: 'silent' }) });
  let a: Tenant;
  let b: Tenant;
  let seq = 0;

  function call(method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return Promise.resolve(
      app.request(path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
  }
  async function ingest(tenant: Tenant, events: Event[]): Promise<void> {
    const res = await call('POST', '/v1/ingest', tenant.hubToken, { hubId: tenant.hubId, events });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
  function nextSeq(): number {
    seq += 1;
    return seq;
  }
  const person = { familyName: 'Okafor', givenName: 'Ada', birthDate: '1938-04-02' };

  t.before(async () => {
    a = await provisionTenant(db, `${tag}-ra`);
    b = await provisionTenant(db, `${tag}-rb`);
  });

  t.test('PATCH needs the ETag it read: 200 with a new one, 412 when stale, 428 without', async (t) => {
    const created = await call('POST', '/v1/residents', a.apiKey, person);
    t.equal(created.status, 201);
    t.equal(created.headers.get('etag'), '"1"');
    const { id } = (await created.json()) as { id: string };

    const ok = await call('PATCH', `/v1/residents/${id}`, a.apiKey, { givenName: 'Adaeze' }, { 'if-match': '"1"' });
    t.equal(ok.status, 200);
    t.equal(ok.headers.get('etag'), '"2"');
    t.equal(((await ok.json()) as { givenName: string }).givenName, 'Adaeze');

    const stale = await call('PATCH', `/v1/residents/${id}`, a.apiKey, { givenName: 'Lost' }, { 'if-match': '"1"' });
    t.equal(stale.status, 412);
    t.match(((await stale.json()) as { detail: string }).detail, /version "2"/);

    const bare = await call('PATCH', `/v1/residents/${id}`, a.apiKey, { givenName: 'Lost' });
    t.equal(bare.status, 428);

    const read = await call('GET', `/v1/residents/${id}`, a.apiKey);
    t.equal(read.headers.get('etag'), '"2"');
    t.equal(((await read.json()) as { givenName: string }).givenName, 'Adaeze', 'the stale write changed nothing');
  });

  t.test('record writes join the organisation audit chain, naming fields, never values', async (t) => {
    const created = (await (await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Audited' })).json()) as { id: string };
    t.equal((await call('PATCH', `/v1/residents/${created.id}`, a.apiKey, { givenName: 'Ama' }, { 'if-match': '"1"' })).status, 200);
    const note = (await (await call('POST', `/v1/residents/${created.id}/care-notes`, a.apiKey, { note: 'secret words' })).json()) as { id: string };
    const { rows } = await db.query<{ action: string; target_id: string; detail: unknown }>(
      `SELECT action, target_id, detail FROM audit_log WHERE org_id = $1 AND target_id IN ($2, $3) ORDER BY seq`,
      [a.orgId, created.id, note.id],
    );
    t.same(rows.map((r) => [r.action, r.target_id]), [
      ['resident.create', created.id],
      ['resident.update', created.id],
      ['care-note.create', note.id],
    ]);
    t.notMatch(JSON.stringify(rows), /Audited|Ama|secret words/, 'no names or note text in the audit log');
    const verified = await verifyAuditChains(db, { orgId: a.orgId });
    t.ok(verified.ok, 'the chain still verifies');
  });

  t.test('Idempotency-Key: a retry replays the first answer and creates once, also when two race', async (t) => {
    const key = { 'idempotency-key': `${tag}-retry-1` };
    const first = await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Retry' }, key);
    const again = await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Retry' }, key);
    t.equal(first.status, 201);
    t.equal(again.status, 201);
    t.same(await again.json(), await first.json(), 'same answer');

    const reused = await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Other' }, key);
    t.equal(reused.status, 409, 'a key reused for another body is refused');

    const race = { 'idempotency-key': `${tag}-race-1` };
    const [x, y] = await Promise.all([
      call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Race' }, race),
      call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Race' }, race),
    ]);
    t.same([x.status, y.status], [201, 201]);
    t.equal(((await x.json()) as { id: string }).id, ((await y.json()) as { id: string }).id, 'both answers name one resident');

    const { rows } = await db.query<{ family_name: string; n: number }>(
      `SELECT family_name, count(*)::int AS n FROM residents WHERE org_id = $1 AND family_name IN ('Retry', 'Race', 'Other') GROUP BY 1 ORDER BY 1`,
      [a.orgId],
    );
    t.same(rows, [{ family_name: 'Race', n: 1 }, { family_name: 'Retry', n: 1 }]);
  });

  t.test('pruned Idempotency-Keys are forgotten: the key may name a new request', async (t) => {
    const key = { 'idempotency-key': `${tag}-prune-1` };
    t.equal((await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Prune' }, key)).status, 201);
    t.ok((await pruneIdempotencyKeys(db, new Date(Date.now() + 3_600_000))) >= 1, 'older than the cut-off: removed');
    t.equal((await call('POST', '/v1/residents', a.apiKey, { ...person, familyName: 'Pruned' }, key)).status, 201);
  });

  t.test("another organisation's resident is 404, its vitals too; a bad body is 400", async (t) => {
    const created = await call('POST', '/v1/residents', a.apiKey, person);
    const { id } = (await created.json()) as { id: string };
    t.equal((await call('GET', `/v1/residents/${id}`, b.apiKey)).status, 404);
    t.equal((await call('GET', `/v1/residents/${id}/vitals?metric=spo2`, b.apiKey)).status, 404);
    t.equal((await call('PATCH', `/v1/residents/${id}`, b.apiKey, { givenName: 'X' }, { 'if-match': '"1"' })).status, 404);
    const list = (await (await call('GET', '/v1/residents?limit=500', b.apiKey)).json()) as { items: Array<{ id: string }> };
    t.notOk(list.items.some((r) => r.id === id), "not in the other organisation's list");
    const bad = await call('POST', '/v1/residents', a.apiKey, { ...person, birthDate: '02/04/1938', extra: 1 });
    t.equal(bad.status, 400);
  });

  t.test('readings become observations; vitals raw pages and hourly buckets add up', async (t) => {
    const hubResident = `res-${tag}-1`;
    const created = await call('POST', '/v1/residents', a.apiKey, { ...person, identifiers: [{ system: `urn:carehub:hub:${a.hubId}`, value: hubResident }] });
    const { id } = (await created.json()) as { id: string };
    // Three hours of one reading a minute: values 90..99 repeating.
    const events: Event[] = [];
    for (let i = 0; i < 180; i += 1) events.push(readingAt(a.hubId, nextSeq(), T0 + i * 60_000, 90 + (i % 10), hubResident));
    for (let i = 0; i < events.length; i += 60) await ingest(a, events.slice(i, i + 60));
    const staff: EventOf<'observation'> = {
      id: newId(5000),
      hubId: a.hubId,
      seq: nextSeq(),
      kind: 'observation',
      hubTime: new Date(T0 + 30 * 60_000).toISOString(),
      residentId: hubResident,
      payload: { acvpu: 'C', o2: true, by: { kind: 'panel', id: 'nurse' } },
    };
    // A pulse counted by hand on the panel's observation form: a reading with enteredBy.
    const manual = readingAt(a.hubId, nextSeq(), T0 + 45 * 60_000, 72, hubResident);
    manual.payload = { metric: 'heart-rate', loinc: '8867-4', value: 72, unit: '/min', enteredBy: { kind: 'panel', id: 'nurse' } };
    await ingest(a, [staff, manual]);

    const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 3 * 3_600_000).toISOString()}`;
    const seen: Array<{ at: string; value: number }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call('GET', `/v1/residents/${id}/vitals?metric=spo2&${range}&limit=70${cursor ? `&cursor=${cursor}` : ''}`, a.apiKey);
      t.equal(res.status, 200);
      const page = (await res.json()) as { items: Array<{ at: string; value: number; loinc: string; unit: string }>; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    t.equal(pages, 3, '180 values in pages of 70');
    t.equal(seen.length, 180, 'every reading once');
    t.same(seen.map((s) => s.at), events.map((e) => e.hubTime), 'in hub time order, none repeated');

    const hourly = await call('GET', `/v1/residents/${id}/vitals?metric=spo2&${range}&bucket=hour&limit=2`, a.apiKey);
    const h1 = (await hourly.json()) as { buckets: Array<{ start: string; min: number; max: number; mean: number; count: number }>; nextCursor: string };
    t.same(h1.buckets.map((x) => [x.start, x.min, x.max, x.count]), [
      ['2026-03-01T08:00:00.000Z', 90, 99, 60],
      ['2026-03-01T09:00:00.000Z', 90, 99, 60],
    ]);
    t.equal(h1.buckets[0]!.mean, 94.5);
    const h2 = (await (await call('GET', `/v1/residents/${id}/vitals?metric=spo2&${range}&bucket=hour&limit=2&cursor=${h1.nextCursor}`, a.apiKey)).json()) as typeof h1;
    t.same(h2.buckets.map((x) => [x.start, x.count]), [['2026-03-01T10:00:00.000Z', 60]]);
    t.equal(h2.nextCursor, null);

    const acvpu = (await (await call('GET', `/v1/residents/${id}/vitals?metric=consciousness&${range}`, a.apiKey)).json()) as { items: Array<{ code: string; enteredBy: unknown }> };
    t.same(acvpu.items.map((x) => x.code), ['C'], 'a staff entry is an observation too');
    const o2 = (await (await call('GET', `/v1/residents/${id}/vitals?metric=on-oxygen&${range}`, a.apiKey)).json()) as { items: Array<{ code: string; value: number }> };
    t.same(o2.items.map((x) => [x.code, x.value]), [['oxygen', 1]]);
    const pulse = (await (await call('GET', `/v1/residents/${id}/vitals?metric=heart-rate&${range}`, a.apiKey)).json()) as { items: Array<{ value: number; unit: string; loinc: string; enteredBy: unknown }> };
    t.same(pulse.items.map((x) => [x.value, x.unit, x.loinc, x.enteredBy]), [[72, '/min', '8867-4', { kind: 'panel', id: 'nurse' }]], 'a manual vital keeps who entered it');
  });

  t.test('readings sent before the resident was registered are linked when the identifier is added', async (t) => {
    const hubResident = `res-${tag}-late`;
    await ingest(a, [readingAt(a.hubId, nextSeq(), T0 + 3_600_000, 88, hubResident)]);
    const created = await call('POST', '/v1/residents', a.apiKey, { ...person, identifiers: [{ system: `urn:carehub:hub:${a.hubId}`, value: hubResident }] });
    const { id } = (await created.json()) as { id: string };
    const vitals = (await (await call('GET', `/v1/residents/${id}/vitals?metric=spo2&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`, a.apiKey)).json()) as { items: Array<{ value: number }> };
    t.same(vitals.items.map((x) => x.value), [88]);
    // Another organisation naming the same hub resident id links nothing of ours.
    const other = await call('POST', '/v1/residents', b.apiKey, { ...person, identifiers: [{ system: `urn:carehub:hub:${a.hubId}`, value: hubResident }] });
    const otherId = ((await other.json()) as { id: string }).id;
    const none = (await (await call('GET', `/v1/residents/${otherId}/vitals?metric=spo2&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`, b.apiKey)).json()) as { items: unknown[] };
    t.same(none.items, []);
  });

  t.test('rooms and beds: a bed places the resident in its room; a device binding names the resident of its readings', async (t) => {
    const room = await call('POST', '/v1/rooms', a.apiKey, { id: `${tag}-r101`, name: 'Room 101', floor: '1' });
    t.equal(room.status, 201);
    t.equal((await call('POST', `/v1/rooms/${tag}-r101/beds`, a.apiKey, { id: `${tag}-r101-a`, label: 'A' })).status, 201);
    t.equal((await call('POST', `/v1/rooms/${tag}-r101/beds`, b.apiKey, { id: `${tag}-r101-b`, label: 'B' })).status, 404, "another organisation's room");
    const renamed = await call('PATCH', `/v1/rooms/${tag}-r101`, a.apiKey, { name: 'Rose room' }, { 'if-match': '"1"' });
    t.equal(renamed.status, 200);
    t.equal((await call('PATCH', `/v1/rooms/${tag}-r101`, a.apiKey, { name: 'Lost' }, { 'if-match': '"1"' })).status, 412);

    const placed = (await (await call('POST', '/v1/residents', a.apiKey, { ...person, bedId: `${tag}-r101-a` })).json()) as { id: string; roomId: string };
    t.equal(placed.roomId, `${tag}-r101`, 'the room comes from the bed');
    t.equal((await call('POST', '/v1/residents', b.apiKey, { ...person, roomId: `${tag}-r101` })).status, 400, "another organisation's room is unknown");

    const bound = await call('POST', '/v1/devices', a.apiKey, { hubId: a.hubId, id: 'oxi-bound', kind: 'pulse-oximeter', residentId: placed.id, roomId: `${tag}-r101` });
    t.equal(bound.status, 201);
    t.equal((await call('POST', '/v1/devices', b.apiKey, { hubId: a.hubId, id: 'oxi-x', kind: 'pulse-oximeter' })).status, 400, "another organisation's hub");
    t.equal((await call('POST', '/v1/devices', b.apiKey, { hubId: b.hubId, id: 'oxi-x', kind: 'pulse-oximeter', residentId: placed.id })).status, 400, "another organisation's resident");
    const reading = readingAt(a.hubId, nextSeq(), T0 + 7_200_000, 93, 'ignored');
    delete (reading as { residentId?: string }).residentId;
    reading.deviceId = 'oxi-bound';
    await ingest(a, [reading]);
    const vitals = (await (await call('GET', `/v1/residents/${placed.id}/vitals?metric=spo2&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z`, a.apiKey)).json()) as { items: Array<{ value: number; deviceId: string }> };
    t.same(vitals.items.map((x) => [x.value, x.deviceId]), [[93, 'oxi-bound']]);
  });

  t.test('care notes: written, listed newest first, corrected with If-Match, invisible to another organisation', async (t) => {
    const { id } = (await (await call('POST', '/v1/residents', a.apiKey, person)).json()) as { id: string };
    const first = await call('POST', `/v1/residents/${id}/care-notes`, a.apiKey, { note: 'Slept well' });
    t.equal(first.status, 201);
    const note = (await first.json()) as { id: string };
    await call('POST', `/v1/residents/${id}/care-notes`, a.apiKey, { note: 'Ate breakfast' });
    const list = (await (await call('GET', `/v1/residents/${id}/care-notes`, a.apiKey)).json()) as { items: Array<{ note: string }> };
    t.same(list.items.map((n) => n.note), ['Ate breakfast', 'Slept well']);
    t.equal((await call('PATCH', `/v1/care-notes/${note.id}`, a.apiKey, { note: 'Slept badly' }, { 'if-match': '"1"' })).status, 200);
    t.equal((await call('PATCH', `/v1/care-notes/${note.id}`, a.apiKey, { note: 'Lost' }, { 'if-match': '"1"' })).status, 412);
    t.equal((await call('GET', `/v1/residents/${id}/care-notes`, b.apiKey)).status, 404);
    t.equal((await call('POST', `/v1/residents/${id}/care-notes`, b.apiKey, { note: 'x' })).status, 404);
    t.equal((await call('PATCH', `/v1/care-notes/${note.id}`, b.apiKey, { note: 'x' }, { 'if-match': '"2"' })).status, 404);
  });

  t.test('partitions are created ahead, once; rows already in the default partition move into their month', async (t) => {
    const hubResident = `res-${tag}-future`;
    // A hub clock far ahead: no partition yet for that month, so the default takes it.
    const future = Date.parse('2031-07-10T12:00:00.000Z');
    await ingest(a, [readingAt(a.hubId, nextSeq(), future, 91, hubResident)]);
    const where = async () =>
      (await db.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM observations WHERE hub_resident_id = $1`, [hubResident])).rows.map((r) => r.part);
    t.same(await where(), ['observations_default']);

    const created = await ensureObservationPartitions(db, new Date('2031-06-20T00:00:00Z'), 2);
    t.same(created, ['observations_y2031m06', 'observations_y2031m07', 'observations_y2031m08']);
    t.same(await ensureObservationPartitions(db, new Date('2031-06-20T00:00:00Z'), 2), [], 'a second run creates nothing');
    t.same(await where(), ['observations_y2031m07'], 'moved out of the default');
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'observations'::regclass AND inhrelid::regclass::text LIKE 'observations_y2031%'`,
    );
    t.equal(rows[0]!.n, 3, 'attached as partitions');
  });
}
