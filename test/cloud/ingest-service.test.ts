/**
 * The ingest service (cloud/resources/ingest/service.ts and repo.ts) without HTTP,
 * over a migrated PGlite: validation the schema cannot express, first-wins
 * de-duplication, the contiguous ack and the all-or-nothing transaction.
 */
import t from 'tap';
import type { Event } from '../../protocols/event.ts';
import { ProblemError } from '../../cloud/errors.ts';
import { createIngestService } from '../../cloud/resources/ingest/service.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { alarm, alarmUpdate, batch, countEvents, provisionTenant, reading } from './fixtures.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
const NOW = new Date('2026-11-24T21:00:00.000Z');
const service = createIngestService({ db, now: () => NOW });
let tenants = 0;
async function tenant() {
  const tn = await provisionTenant(db, `svc${++tenants}`);
  return { tn, hub: { hubId: tn.hubId, orgId: tn.orgId } };
}

async function refusal(p: Promise<unknown>): Promise<ProblemError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemError) return err;
    throw err;
  }
  throw new Error('expected a ProblemError, the call succeeded');
}

t.test('acks the highest contiguous seq and counts stored and duplicates', async (t) => {
  const { tn, hub } = await tenant();
  const e = [1, 2, 3, 4, 5].map((s) => reading(tn.hubId, s));
  t.same(await service.ingest(hub, batch(tn.hubId, [e[0]!, e[1]!, e[3]!])), { ackedSeq: 2, stored: 3, duplicates: 0, relayTime: NOW.toISOString() }, '1,2,4: ack 2');
  t.same(await service.ingest(hub, batch(tn.hubId, [e[2]!])), { ackedSeq: 4, stored: 1, duplicates: 0, relayTime: NOW.toISOString() }, '3 fills the gap: ack 4');
  t.same(await service.ingest(hub, batch(tn.hubId, [e[3]!, e[4]!])), { ackedSeq: 5, stored: 1, duplicates: 1, relayTime: NOW.toISOString() }, 'a replayed 4 is a duplicate');
  t.same(await service.ingest(hub, batch(tn.hubId, [e[0]!])), { ackedSeq: 5, stored: 0, duplicates: 1, relayTime: NOW.toISOString() }, 'an old replay changes nothing');
  t.equal(await countEvents(db), 5);
});

t.test('an ack does not jump over a gap at the start', async (t) => {
  const { tn, hub } = await tenant();
  t.same(await service.ingest(hub, batch(tn.hubId, [reading(tn.hubId, 2), reading(tn.hubId, 3)])), { ackedSeq: 0, stored: 2, duplicates: 0, relayTime: NOW.toISOString() });
});

t.test('within one batch the first event of a repeated id or seq wins', async (t) => {
  const { tn, hub } = await tenant();
  const one = reading(tn.hubId, 1);
  const sameSeq = { ...reading(tn.hubId, 1), payload: { ...one.payload, value: 50 } };
  const sameId = { ...reading(tn.hubId, 2), id: one.id };
  const ack = await service.ingest(hub, batch(tn.hubId, [one, sameSeq, sameId]));
  t.same(ack, { ackedSeq: 1, stored: 1, duplicates: 2, relayTime: NOW.toISOString() });
  const { rows } = await db.query<{ id: string; value: number }>(`SELECT id, (payload->>'value')::float AS value FROM events WHERE hub_id = $1`, [tn.hubId]);
  t.same(rows, [{ id: one.id, value: 97 }], 'the first one was stored');
});

t.test('a batch for another hub is forbidden', async (t) => {
  const { hub } = await tenant();
  const err = await refusal(service.ingest(hub, batch('hub-other', [reading('hub-other', 1)])));
  t.equal(err.code, 'forbidden');
  t.equal(err.message, `This token belongs to hub "${hub.hubId}", not "hub-other"`);
});

t.test('a hub deleted since authentication is refused', async (t) => {
  const ghost = { hubId: 'hub-ghost', orgId: 'org-ghost' };
  const err = await refusal(service.ingest(ghost, batch('hub-ghost', [reading('hub-ghost', 1)])));
  t.equal(err.code, 'unauthorized');
  t.equal(err.message, 'hub "hub-ghost" no longer exists');
});

t.test('a seq stored under another id is a conflict and the whole batch rolls back', async (t) => {
  const { tn, hub } = await tenant();
  await service.ingest(hub, batch(tn.hubId, [reading(tn.hubId, 1)]));
  const before = await countEvents(db);
  const err = await refusal(service.ingest(hub, batch(tn.hubId, [reading(tn.hubId, 2), reading(tn.hubId, 1)])));
  t.equal(err.code, 'conflict');
  t.equal(err.message, `seq already stored for other events of hub "${hub.hubId}"; was the hub reinstalled under the same id?`);
  t.same(err.errors, [{ path: 'events.seq=1', message: 'stored with a different event id' }]);
  t.equal(await countEvents(db), before, 'seq 2 was not stored either');
  t.same(await service.ingest(hub, batch(tn.hubId, [reading(tn.hubId, 3)])), { ackedSeq: 1, stored: 1, duplicates: 0, relayTime: NOW.toISOString() }, 'ack still 1');
});

t.test('every envelope field is stored in its column', async (t) => {
  const { tn, hub } = await tenant();
  const full = { ...reading(tn.hubId, 1), deviceTime: '2026-03-01T07:59:59.000Z', deviceId: 'oxi-1', roomId: 'room-101', residentId: 'res-7' };
  const bare = { ...reading(tn.hubId, 2) } as Record<string, unknown>;
  for (const k of ['deviceTime', 'deviceId', 'roomId', 'residentId']) delete bare[k];
  await service.ingest(hub, batch(tn.hubId, [full, bare as unknown as Event]));
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT id, hub_id, seq::int AS seq, kind, hub_time, device_time, device_id, room_id, resident_id, payload FROM events WHERE hub_id = $1 ORDER BY seq`,
    [tn.hubId],
  );
  t.same(rows.map((r) => ({ ...r, hub_time: new Date(r.hub_time as string).toISOString(), device_time: r.device_time === null ? null : new Date(r.device_time as string).toISOString() })), [
    { id: full.id, hub_id: tn.hubId, seq: 1, kind: 'reading', hub_time: full.hubTime, device_time: '2026-03-01T07:59:59.000Z', device_id: 'oxi-1', room_id: 'room-101', resident_id: 'res-7', payload: full.payload },
    { id: bare.id, hub_id: tn.hubId, seq: 2, kind: 'reading', hub_time: bare.hubTime, device_time: null, device_id: null, room_id: null, resident_id: null, payload: full.payload },
  ]);
  const { rows: hubRows } = await db.query<{ last_seen_at: string }>('SELECT last_seen_at FROM hubs WHERE id = $1', [tn.hubId]);
  t.equal(new Date(hubRows[0]!.last_seen_at).toISOString(), NOW.toISOString(), 'the hub was seen now');
});

t.test('each validation issue says what is wrong', async (t) => {
  const { tn, hub } = await tenant();
  const err = await refusal(
    service.ingest(hub, batch(tn.hubId, [{ ...reading('hub-zz', 1), hubTime: '2026-01-01T00:00:00+16:00', deviceTime: '2026-01-01T00:00:00+16:00', roomId: 'r\u0000' } as Event])),
  );
  t.same(err.errors, [
    { path: 'events.0.hubId', message: 'must equal the batch hubId' },
    { path: 'events.0.hubTime', message: 'out of range' },
    { path: 'events.0.deviceTime', message: 'out of range' },
    { path: 'events.0.roomId', message: 'contains NUL or an unpaired surrogate' },
  ]);
});

t.test('alarm events are projected in the same transaction', async (t) => {
  const { tn, hub } = await tenant();
  const raised = alarm(tn.hubId, 1);
  await service.ingest(hub, batch(tn.hubId, [raised, alarmUpdate(tn.hubId, 2, raised.payload.alarmId, 'acknowledged')]));
  const { rows } = await db.query<{ id: string; state: string }>('SELECT id, state FROM alarms WHERE hub_id = $1', [tn.hubId]);
  t.same(rows, [{ id: raised.payload.alarmId, state: 'acknowledged' }]);
});

// Each row: a change to event 0 of a one-event batch, the expected issue paths (empty: stored).
t.test('storage limits zod cannot express', async (t) => {
  const { tn, hub } = await tenant();
  const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : { n: nest(levels - 1) });
  const rows: Array<[string, (e: Event) => Event, string[]]> = [
    ['event of another hub', (e) => ({ ...e, hubId: 'hub-zz' }), ['events.0.hubId']],
    ['year 1 in UTC', (e) => ({ ...e, hubTime: '0001-01-01T00:00:00Z' }), []],
    ['year 0 after the offset', (e) => ({ ...e, hubTime: '0001-01-01T00:30:00+01:00' }), ['events.0.hubTime']],
    ['year 9999', (e) => ({ ...e, hubTime: '9999-12-31T22:00:00Z' }), []],
    ['year 10000 after the offset', (e) => ({ ...e, hubTime: '9999-12-31T23:30:00-01:00' }), ['events.0.hubTime']],
    ['offset +15:59', (e) => ({ ...e, hubTime: '2026-01-01T00:00:00+15:59' }), []],
    ['offset -15:59', (e) => ({ ...e, hubTime: '2026-01-01T00:00:00-15:59' }), []],
    ['offset +16:00', (e) => ({ ...e, hubTime: '2026-01-01T00:00:00+16:00' }), ['events.0.hubTime']],
    ['offset -16:00', (e) => ({ ...e, hubTime: '2026-01-01T00:00:00-16:00' }), ['events.0.hubTime']],
    ['deviceTime out of range', (e) => ({ ...e, deviceTime: '2026-01-01T00:00:00+16:00' }), ['events.0.deviceTime']],
    ['deviceTime in range', (e) => ({ ...e, deviceTime: '2026-01-01T00:00:00+15:00' }), []],
    ['NUL in a value', (e) => ({ ...e, roomId: 'room\u0000' }) as Event, ['events.0.roomId']],
    ['lone high surrogate', (e) => ({ ...e, payload: { ...e.payload, unit: 'a\ud800b' } }) as Event, ['events.0.payload.unit']],
    ['lone high surrogate at the end', (e) => ({ ...e, payload: { ...e.payload, unit: 'a\ud800' } }) as Event, ['events.0.payload.unit']],
    ['lone low surrogate', (e) => ({ ...e, payload: { ...e.payload, unit: 'a\udc00b' } }) as Event, ['events.0.payload.unit']],
    ['lone low surrogate at the start', (e) => ({ ...e, payload: { ...e.payload, unit: '\udc00' } }) as Event, ['events.0.payload.unit']],
    ['a surrogate pair is fine', (e) => ({ ...e, payload: { ...e.payload, unit: 'a\ud83d\ude00b' } }) as Event, []],
  ];
  let seq = 0;
  for (const [name, change, paths] of rows) {
    const e = change(reading(tn.hubId, ++seq));
    const p = service.ingest(hub, batch(tn.hubId, [e]));
    if (paths.length === 0) {
      t.match(await p, { stored: 1 }, `${name}: stored`);
    } else {
      const err = await refusal(p);
      t.equal(err.code, 'invalid-request', `${name}: code`);
      t.same(err.errors?.map((i) => i.path), paths, `${name}: paths`);
    }
  }
  const audit = (detail: Record<string, unknown>, s: number) =>
    ({ id: reading(tn.hubId, s).id, hubId: tn.hubId, seq: s, hubTime: NOW.toISOString(), kind: 'audit', payload: { action: 'x', actor: { kind: 'system' }, detail } }) as Event;
  // event (depth 0) > payload (1) > detail (2) > 29 more objects reach depth 31: the deepest allowed.
  t.match(await service.ingest(hub, batch(tn.hubId, [audit({ n: nest(29) }, ++seq)])), { stored: 1 }, 'an object at depth 31 is stored');
  const deep = await refusal(service.ingest(hub, batch(tn.hubId, [audit({ n: nest(30) }, ++seq)])));
  t.same(deep.errors, [{ path: `events.0.payload.detail${'.n'.repeat(30)}`, message: 'nested deeper than 32 levels' }], 'an object at depth 32 is refused');
  const numberLeaf = (levels: number): unknown => (levels === 0 ? 7 : { n: numberLeaf(levels - 1) });
  t.match(await service.ingest(hub, batch(tn.hubId, [audit({ n: numberLeaf(29), z: null, b: true }, ++seq)])), { stored: 1 }, 'numbers, booleans and null deep down are values, not nesting');
  const key = await refusal(service.ingest(hub, batch(tn.hubId, [audit({ 'a\u0000': 1 }, ++seq)])));
  t.same(key.errors, [{ path: 'events.0.payload.detail.a\u0000', message: 'key contains NUL or an unpaired surrogate' }]);
  const value = await refusal(service.ingest(hub, batch(tn.hubId, [audit({ a: ['ok', 'b\u0000'] }, ++seq)])));
  t.same(value.errors, [{ path: 'events.0.payload.detail.a.1', message: 'contains NUL or an unpaired surrogate' }], 'arrays are searched too');
  const many = await refusal(service.ingest(hub, batch(tn.hubId, Array.from({ length: 150 }, (_, i) => ({ ...reading(tn.hubId, 1000 + i), roomId: 'r\u0000' }) as Event))));
  t.equal(many.errors?.length, 100, 'at most 100 issues are listed');
  t.equal(many.errors?.[99]?.path, 'events.99.roomId', 'the first hundred, in order');
  t.equal(many.message, 'batch failed validation');
  const strangers = await refusal(service.ingest(hub, batch(tn.hubId, Array.from({ length: 150 }, (_, i) => reading('hub-zz', 2000 + i)))));
  t.equal(strangers.errors?.length, 100, 'at most 100 issues, whatever found them');
});
