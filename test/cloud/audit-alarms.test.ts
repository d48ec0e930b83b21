/**
 * Alarm writes at ingest land in the audit chain (docs/audit.md#alarms-at-ingest): one entry per batch that
 * raised or changed alarms, naming each alarm and its seq; a batch of readings only appends nothing.
 */
import t from 'tap';
import { verifyAuditChains } from '../../cloud/audit/verify.ts';
import { createIngestService } from '../../cloud/resources/ingest/service.ts';
import { openMigratedPglite } from '../support/pglite-template.ts';
import { alarm, alarmUpdate, batch, provisionTenant, reading } from './fixtures.ts';

t.test('one audit entry per batch that changed alarms', async (t) => {
  const db = await openMigratedPglite();
  t.teardown(() => db.close());
  const tenant = await provisionTenant(db, 'audit');
  const hub = { hubId: tenant.hubId, orgId: tenant.orgId };
  const ingest = createIngestService({ db, now: () => new Date('2026-03-01T09:00:00.000Z') });

  // Provisioning audits its key creation; only what ingest adds counts here.
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;
  const before = await count();
  await ingest.ingest(hub, batch(tenant.hubId, [reading(tenant.hubId, 1), reading(tenant.hubId, 2)]));
  t.equal(await count(), before, 'readings only: no entry');

  const raised = alarm(tenant.hubId, 3);
  await ingest.ingest(hub, batch(tenant.hubId, [raised, alarmUpdate(tenant.hubId, 4, raised.payload.alarmId, 'acknowledged'), reading(tenant.hubId, 5)]));
  // A replay stores nothing new, so it records nothing.
  await ingest.ingest(hub, batch(tenant.hubId, [raised]));
  const { rows } = await db.query<{ org_id: string; seq: number; action: string; actor: unknown; target_id: string; detail: unknown }>(
    `SELECT org_id, seq, action, actor, target_id, detail FROM audit_log WHERE action = 'alarm.write' ORDER BY id`,
  );
  t.same(rows, [
    {
      org_id: tenant.orgId,
      seq: before + 1,
      action: 'alarm.write',
      actor: { kind: 'hub', id: tenant.hubId, orgId: tenant.orgId },
      target_id: tenant.hubId,
      detail: {
        raised: [{ alarmId: raised.payload.alarmId, seq: 3, type: 'call', priority: 'high' }],
        updated: [{ alarmId: raised.payload.alarmId, seq: 4, state: 'acknowledged' }],
      },
    },
  ]);
  t.same(await verifyAuditChains(db), { ok: true, entries: before + 1, chains: 1 });
});
