/**
 * Which residents a caller sees through the facade (docs/fhir.md#tenancy): its own organisation's,
 * and for a hospital those with a referral to it that is open now (the hook of cloud/tenancy/context.ts,
 * canReadResident; a closed referral hides them at once). Every query names `$org`, which
 * `scoped(db, caller)` binds to the caller's organisation.
 */
import type { Caller } from '../tenancy/context.ts';

export function residentVisibleSql(caller: Caller, alias: string): string {
  if (caller.orgKind !== 'hospital') return `${alias}.org_id = $org`;
  // referral_access.resident_id is text (it does not depend on the records migration): compare as text.
  return `(${alias}.org_id = $org OR EXISTS (SELECT 1 FROM referral_access ra
    WHERE ra.resident_id = ${alias}.id::text AND ra.owner_org_id = ${alias}.org_id AND ra.to_org_id = $org AND ra.closed_at IS NULL))`;
}
