/**
 * The relay store contract (docs/architecture.md#the-seams), run against every Database
 * implementation: PGlite always, PostgreSQL when DATABASE_URL is set.
 */
import type { Test } from 'tap';
import { readMigrations, runMigrations } from '../../cloud/store/migrate.ts';
import type { Database } from '../../cloud/store/database.ts';
import { createIngestService } from '../../cloud/resources/ingest/service.ts';
import { createAlarmsService } from '../../cloud/resources/alarms/service.ts';
import { ackedSeq, alarm, alarmUpdate, batch, countEvents, provisionTenant, reading } from './fixtures.ts';

const NOW = new Date('2026-03-01T09:00:00.000Z');

/** `db` must already be migrated; the suite leaves data behind but uses unique ids per subtest. */
export function storeContract(t: Test, db: Database): void {
  const ingest = createIngestService({ db, now: () => NOW });
  const alarms = createAlarmsService({ db });

  t.test('migrations are idempotent', async (t) => {
    t.same(await runMigrations(db), [], 'a second run applies nothing');
    t.same(await runMigrations(db), [], 'nor a third');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    t.equal(rows[0]?.n, readMigrations().length, 'one row per migration file');
  });

  t.test('a failed transaction leaves nothing behind', async (t) => {
    const tenant = await provisionTenant(db, 'rollback');
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO orgs (id, name, kind) VALUES ($1, $2, $3)', ['org-ghost', 'Ghost', 'hospital']);
        await tx.query(
          `INSERT INTO events (id, hub_id, seq, kind, hub_time, payload) VALUES ($1, $2, 1, 'reading', now(), '{}')`,
          [reading(tenant.hubId, 1).id, tenant.hubId],
        );
        throw new Error('boom');
      }),
      /boom/,
    );
    const { rows } = await db.query('SELECT 1 FROM orgs WHERE id = $1', ['org-ghost']);
    t.equal(rows.length, 0, 'org insert rolled back');
    t.equal(await countEvents(db, tenant.hubId), 0, 'event insert rolled back');
  });

  t.test('a transaction that fails in SQL rolls back earlier statements', async (t) => {
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO orgs (id, name, kind) VALUES ($1, $2, $3)', ['org-ghost2', 'Ghost', 'hospital']);
        await tx.query('INSERT INTO orgs (id, name, kind) VALUES ($1, $2, $3)', ['org-bad', 'Bad', 'not-a-kind']);
      }),
    );
    const { rows } = await db.query('SELECT 1 FROM orgs WHERE id = $1', ['org-ghost2']);
    t.equal(rows.length, 0);
  });

  t.test('ingest is idempotent', async (t) => {
    const tenant = await provisionTenant(db, 'idem');
    const hub = { hubId: tenant.hubId, orgId: tenant.orgId };
    const b = batch(tenant.hubId, [reading(tenant.hubId, 1), reading(tenant.hubId, 2), reading(tenant.hubId, 3)]);
    const first = await ingest.ingest(hub, b);
    t.same(first, { ackedSeq: 3, stored: 3, duplicates: 0, relayTime: NOW.toISOString() });
    const again = await ingest.ingest(hub, b);
    t.same(again, { ackedSeq: 3, stored: 0, duplicates: 3, relayTime: NOW.toISOString() }, 'replay stores nothing, same ack');
    t.equal(await countEvents(db, tenant.hubId), 3);

    // Same seq under a new id (a reinstalled hub restarting at 1) is refused, never acknowledged as a duplicate.
    await t.rejects(ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 2)])), { code: 'conflict' });
    t.equal(await countEvents(db, tenant.hubId), 3);

    // Repeats inside one batch count once.
    const e4 = reading(tenant.hubId, 4);
    const within = await ingest.ingest(hub, batch(tenant.hubId, [e4, e4, reading(tenant.hubId, 5)]));
    t.same([within.stored, within.duplicates, within.ackedSeq], [2, 1, 5]);
    t.equal(await countEvents(db, tenant.hubId), 5);
  });

  t.test('concurrent deliveries of the same batch store it once', async (t) => {
    const tenant = await provisionTenant(db, 'race');
    const hub = { hubId: tenant.hubId, orgId: tenant.orgId };
    const b = batch(tenant.hubId, [reading(tenant.hubId, 1), alarm(tenant.hubId, 2), reading(tenant.hubId, 3)]);
    const acks = await Promise.all([ingest.ingest(hub, b), ingest.ingest(hub, b), ingest.ingest(hub, b), ingest.ingest(hub, b)]);
    t.equal(acks.reduce((n, a) => n + a.stored, 0), 3, 'stored once in total');
    t.same(new Set(acks.map((a) => a.ackedSeq)), new Set([3]), 'every answer acks 3');
    t.equal(await countEvents(db, tenant.hubId), 3);
  });

  t.test('acked_seq is the highest contiguous seq', async (t) => {
    const tenant = await provisionTenant(db, 'gaps');
    const hub = { hubId: tenant.hubId, orgId: tenant.orgId };
    const withGap = await ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 1), reading(tenant.hubId, 2), reading(tenant.hubId, 4)]));
    t.equal(withGap.ackedSeq, 2, '1,2,4 ⇒ 2');
    t.equal(withGap.stored, 3, 'the event after the gap is kept');
    const filled = await ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 3)]));
    t.equal(filled.ackedSeq, 4, 'then 3 ⇒ 4');
    const ahead = await ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 7), reading(tenant.hubId, 6)]));
    t.equal(ahead.ackedSeq, 4, '6,7 without 5 ⇒ still 4');
    const five = await ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 5)]));
    t.equal(five.ackedSeq, 7);
    t.equal(await ackedSeq(db, tenant.hubId), 7, 'stored in hubs.acked_seq');
  });

  t.test('the first batch not starting at 1 acks 0', async (t) => {
    const tenant = await provisionTenant(db, 'late');
    const ack = await ingest.ingest({ hubId: tenant.hubId, orgId: tenant.orgId }, batch(tenant.hubId, [reading(tenant.hubId, 2)]));
    t.equal(ack.ackedSeq, 0);
  });

  t.test('alarm projection follows seq order, whatever the arrival order', async (t) => {
    const tenant = await provisionTenant(db, 'order');
    const hub = { hubId: tenant.hubId, orgId: tenant.orgId };
    const raised = alarm(tenant.hubId, 1);
    const id = raised.payload.alarmId;
    // The resolve (seq 3) arrives before the acknowledge (seq 2) and the alarm itself.
    await ingest.ingest(hub, batch(tenant.hubId, [alarmUpdate(tenant.hubId, 3, id, 'resolved')]));
    await ingest.ingest(hub, batch(tenant.hubId, [raised, alarmUpdate(tenant.hubId, 2, id, 'acknowledged')]));
    const [item] = await alarms.list({ keyId: 'k', orgId: tenant.orgId, role: 'operator' }, { limit: 10 });
    t.equal(item?.state, 'resolved');
    t.same(item?.lifecycle.map((l) => [l.seq, l.state]), [[1, 'active'], [2, 'acknowledged'], [3, 'resolved']]);
    t.ok(item?.acknowledgedAt && item.resolvedAt, 'both timestamps set');
  });

  t.test('tenancy: an org sees only its own alarms', async (t) => {
    const a = await provisionTenant(db, 'tenant-a');
    const b = await provisionTenant(db, 'tenant-b');
    const raised = alarm(a.hubId, 1);
    await ingest.ingest({ hubId: a.hubId, orgId: a.orgId }, batch(a.hubId, [raised]));
    const seenByA = await alarms.list({ keyId: 'ka', orgId: a.orgId, role: 'operator' }, { limit: 100 });
    t.same(seenByA.map((x) => x.id), [raised.payload.alarmId]);
    const seenByB = await alarms.list({ keyId: 'kb', orgId: b.orgId, role: 'operator' }, { limit: 100 });
    t.same(seenByB, [], "org B's key sees none of org A's alarms");
    const byHub = await alarms.list({ keyId: 'kb', orgId: b.orgId, role: 'operator' }, { limit: 100, hubId: a.hubId });
    t.same(byHub, [], 'not even when filtering by the other hub');

    // A hub of org B cannot move org A's alarm by naming its id.
    await ingest.ingest({ hubId: b.hubId, orgId: b.orgId }, batch(b.hubId, [alarmUpdate(b.hubId, 1, raised.payload.alarmId, 'resolved')]));
    const after = await alarms.list({ keyId: 'ka', orgId: a.orgId, role: 'operator' }, { limit: 100 });
    t.equal(after[0]?.state, 'active', "another org's hub cannot change the alarm");
    t.equal(after[0]?.lifecycle.length, 1);
  });
}
