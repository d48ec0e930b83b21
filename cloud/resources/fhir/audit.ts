/**
 * Reads of a resident's record by another organisation (a hospital through a referral) append one
 * audit entry per resident to the owner's chain (docs/audit.md, docs/fhir.md#audit), before the
 * answer leaves: a read that cannot be recorded is not answered.
 */
import { appendAuditEntries } from '../../audit/append.ts';
import type { FhirResource } from '../../fhir/types.ts';
import type { Database } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';

/** The residents a set of resources is about: Patients themselves, and the subject of everything else. */
function residentIdsOf(resources: readonly FhirResource[]): string[] {
  const ids = new Set<string>();
  for (const r of resources) {
    if (r.resourceType === 'Patient' && r.id) ids.add(r.id);
    const subject = (r.subject ?? r.patient) as { reference?: string } | undefined;
    if (subject?.reference?.startsWith('Patient/')) ids.add(subject.reference.slice('Patient/'.length));
  }
  return [...ids];
}

export async function auditForeignReads(db: Database, caller: Caller, interaction: 'read' | 'search' | 'everything', resources: readonly FhirResource[]): Promise<void> {
  // Only a hospital sees another organisation's residents (cloud/fhir/visibility.ts).
  if (caller.orgKind !== 'hospital') return;
  const ids = residentIdsOf(resources);
  if (ids.length === 0) return;
  await db.transaction(async (tx) => {
    const { rows } = await scoped(tx, caller).query<{ id: string; org_id: string }>(
      'SELECT id::text AS id, org_id FROM residents WHERE id = ANY($1::uuid[]) AND org_id <> $org ORDER BY id',
      [ids],
    );
    if (rows.length === 0) return;
    const count = (id: string) => resources.filter((r) => r.id === id || residentIdsOf([r]).includes(id)).length;
    await appendAuditEntries(
      tx,
      rows.map((row) => ({
        orgId: row.org_id,
        actor: { kind: 'api-key' as const, id: caller.keyId, orgId: caller.orgId },
        action: 'resident.read',
        targetType: 'resident',
        targetId: row.id,
        detail: { via: 'fhir', interaction, resources: count(row.id) },
      })),
    );
  });
}
