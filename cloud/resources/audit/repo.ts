/** SQL of GET /v1/audit: the caller's own chain only (scoped: `$org` is the caller's organisation). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { AuditEntry } from './schema.ts';

interface Row {
  id: string;
  seq: string | number;
  at: Date | string;
  actor: AuditEntry['actor'];
  action: string;
  target_type: string;
  target_id: string;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Entries of the caller's chain with seq below `beforeSeq` (all when undefined), newest first. */
export async function listAuditEntries(db: ScopedDb, filter: { action?: string; beforeSeq?: number; limit: number }): Promise<AuditEntry[]> {
  const params: unknown[] = [filter.limit];
  let where = 'org_id = $org';
  if (filter.action !== undefined) {
    params.push(filter.action);
    where += ` AND action = $${params.length}`;
  }
  if (filter.beforeSeq !== undefined) {
    params.push(filter.beforeSeq);
    where += ` AND seq < $${params.length}`;
  }
  const { rows } = await db.query<Row>(
    `SELECT id::text AS id, seq, at, actor, action, target_type, target_id, detail, prev_hash, hash
       FROM audit_log WHERE ${where} ORDER BY seq DESC LIMIT $1`,
    params,
  );
  return rows.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}
