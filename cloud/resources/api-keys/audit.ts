/** Key and role changes go to the organisation's audit chain (docs/access.md, docs/audit.md). */
import { appendAudit } from '../../audit/append.ts';
import type { JsonValue } from '../../audit/chain.ts';
import type { Queryable } from '../../store/database.ts';

export interface KeyAuditEntry {
  orgId: string;
  /** The API key that made the change, or 'bootstrap' for the config sync at start. */
  actor: string;
  action: 'api-key.create' | 'api-key.revoke' | 'api-key.role-change';
  keyId: string;
  detail: Record<string, JsonValue>;
}

/** Call last in the transaction that made the change (the chain head stays locked until COMMIT). */
export async function appendKeyAudit(tx: Queryable, entry: KeyAuditEntry): Promise<void> {
  await appendAudit(tx, {
    orgId: entry.orgId,
    actor: entry.actor === 'bootstrap' ? { kind: 'system', id: 'bootstrap' } : { kind: 'api-key', id: entry.actor, orgId: entry.orgId },
    action: entry.action,
    targetType: 'api-key',
    targetId: entry.keyId,
    detail: entry.detail,
  });
}
