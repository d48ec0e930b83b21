/** api_keys SQL, bound to the caller's organisation through scoped() (cloud/tenancy/context.ts). */
import type { ScopedDb } from '../../tenancy/context.ts';
import type { ApiKeyRecord } from './schema.ts';

interface Row {
  id: string;
  org_id: string;
  role: ApiKeyRecord['role'];
  label: string | null;
  source: ApiKeyRecord['source'];
  created_at: Date | string;
  created_by: string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const COLUMNS = 'id, org_id, role, label, source, created_at, created_by, expires_at, revoked_at';
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    orgId: r.org_id,
    role: r.role,
    label: r.label,
    source: r.source,
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
  };
}

export async function insertApiKey(
  q: ScopedDb,
  key: { id: string; role: ApiKeyRecord['role']; label: string | null; keySha256: string; expiresAt: Date | null; at: Date },
): Promise<ApiKeyRecord> {
  const { rows } = await q.query<Row>(
    `INSERT INTO api_keys (id, org_id, role, key_sha256, source, label, created_by, created_at, expires_at)
     VALUES ($1, $org, $2, $3, 'api', $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [key.id, key.role, key.keySha256, key.label, q.caller.keyId, key.at, key.expiresAt],
  );
  return toRecord(rows[0]!);
}

export async function listApiKeys(q: ScopedDb): Promise<ApiKeyRecord[]> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE org_id = $org ORDER BY created_at, id`);
  return rows.map(toRecord);
}

/** Revokes the key if it is the caller's organisation's; undefined when there is no such key there. */
export async function revokeApiKey(q: ScopedDb, id: string, at: Date): Promise<{ record: ApiKeyRecord; revokedNow: boolean } | undefined> {
  const found = await q.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 AND org_id = $org FOR UPDATE`, [id]);
  const row = found.rows[0];
  if (row === undefined) return undefined;
  if (row.revoked_at !== null) return { record: toRecord(row), revokedNow: false };
  const { rows } = await q.query<Row>(
    `UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND org_id = $org RETURNING ${COLUMNS}`,
    [id, at, q.caller.keyId],
  );
  return { record: toRecord(rows[0]!), revokedNow: true };
}

/** Changes the role of a live key of the caller's organisation; the role it had, for the audit entry. */
export async function changeApiKeyRole(
  q: ScopedDb,
  id: string,
  role: ApiKeyRecord['role'],
): Promise<{ record: ApiKeyRecord; previousRole: ApiKeyRecord['role'] } | 'revoked' | undefined> {
  const found = await q.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 AND org_id = $org FOR UPDATE`, [id]);
  const row = found.rows[0];
  if (row === undefined) return undefined;
  if (row.revoked_at !== null) return 'revoked';
  const { rows } = await q.query<Row>(`UPDATE api_keys SET role = $2 WHERE id = $1 AND org_id = $org RETURNING ${COLUMNS}`, [id, role]);
  return { record: toRecord(rows[0]!), previousRole: row.role };
}
