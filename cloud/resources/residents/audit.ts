/**
 * Writes to residents' records go to the organisation's audit chain (docs/records.md#audit,
 * docs/audit.md). The detail names which fields changed, never their values: a name or a note in
 * the audit log would outlive its correction.
 */
import { appendAudit } from '../../audit/append.ts';
import type { Queryable } from '../../store/database.ts';
import type { Caller } from '../../tenancy/context.ts';

export type RecordAuditAction =
  | 'resident.create'
  | 'resident.update'
  | 'room.create'
  | 'room.update'
  | 'bed.create'
  | 'device.create'
  | 'device.update'
  | 'care-note.create'
  | 'care-note.update';

/** Call last in the transaction that made the change (the chain head stays locked until COMMIT). */
export async function appendRecordAudit(tx: Queryable, caller: Caller, action: RecordAuditAction, targetId: string, fields: readonly string[]): Promise<void> {
  await appendAudit(tx, {
    orgId: caller.orgId,
    actor: { kind: 'api-key', id: caller.keyId, orgId: caller.orgId },
    action,
    targetType: action.slice(0, action.indexOf('.')),
    targetId,
    detail: { fields: [...fields].sort() },
  });
}
