/**
 * Applies config.bootstrap: upserts orgs, hubs and API keys, so an installer or
 * the demo can provision from a file without a running server. Idempotent;
 * a hub's acked_seq, last_seen_at, revocation and epoch survive (only identity fields are set).
 */
import type { CloudConfig } from '../config.ts';
import { appendKeyAudit, type KeyAuditEntry } from '../resources/api-keys/audit.ts';
import { normaliseOrgKind, normaliseRole } from '../tenancy/context.ts';
import type { Database, Queryable } from './database.ts';

export class BootstrapError extends Error {
  readonly code = 'TOKEN_TAKEN';
}

/**
 * The config's token is the hub's bootstrap credential (docs/provisioning.md#bootstrap-hubs): a
 * changed digest replaces the old bootstrap credential at once; an unchanged one is left as it is,
 * so a rotation's expiry of it survives a restart of the relay.
 */
async function upsertBootstrapCredential(tx: Queryable, hubId: string, digest: string): Promise<void> {
  const { rows } = await tx.query<{ hub_id: string }>('SELECT hub_id FROM hub_credentials WHERE token_sha256 = $1', [digest]);
  const owner = rows[0]?.hub_id;
  if (owner !== undefined && owner !== hubId) {
    throw new BootstrapError(`bootstrap hub "${hubId}": its token is already the credential of hub "${owner}"`);
  }
  await tx.query(`DELETE FROM hub_credentials WHERE hub_id = $1 AND source = 'bootstrap' AND token_sha256 <> $2`, [hubId, digest]);
  if (owner === undefined) {
    await tx.query(`INSERT INTO hub_credentials (token_sha256, hub_id, source) VALUES ($1, $2, 'bootstrap')`, [digest, hubId]);
  }
}

/** A bootstrap key no longer in the config is refused at once (docs/access.md#api-keys), not left valid. */
async function revokeDroppedBootstrapKeys(tx: Queryable, listed: string[]): Promise<void> {
  const { rows } = await tx.query<{ id: string; org_id: string }>(
    `UPDATE api_keys SET revoked_at = now(), revoked_by = 'bootstrap'
     WHERE source = 'bootstrap' AND revoked_at IS NULL AND NOT (id = ANY($1::text[]))
     RETURNING id, org_id`,
    [listed],
  );
  for (const r of rows) await appendKeyAudit(tx, { orgId: r.org_id, actor: 'bootstrap', action: 'api-key.revoke', keyId: r.id, detail: { reason: 'not in the bootstrap config' } });
}

export interface ApplyBootstrapOptions {
  /**
   * Revoke bootstrap keys the config no longer lists. The relay's start passes true: the config is
   * then the whole truth. Off by default so a partial bootstrap (a test fixture adding one
   * organisation) does not revoke the keys of another.
   */
  revokeUnlisted?: boolean;
}

export async function applyBootstrap(db: Database, bootstrap: CloudConfig['bootstrap'], options: ApplyBootstrapOptions = {}): Promise<void> {
  await db.transaction(async function upsertAll(tx) {
    for (const o of bootstrap.orgs) {
      await tx.query(
        `INSERT INTO orgs (id, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind`,
        [o.id, o.name, normaliseOrgKind(o.kind)],
      );
    }
    for (const h of bootstrap.hubs) {
      await tx.query(
        `INSERT INTO hubs (id, org_id) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id`,
        [h.id, h.orgId],
      );
      await upsertBootstrapCredential(tx, h.id, h.tokenSha256);
    }
    const changes: KeyAuditEntry[] = [];
    for (const k of bootstrap.apiKeys) {
      // A key listed in the config is valid (again). A key made through the API keeps its own row
      // even if the config names its id. The CTE reads the row as it was, for the audit entries.
      const role = normaliseRole(k.role);
      const { rows } = await tx.query<{ old_role: string | null; was_revoked: boolean | null }>(
        `WITH old AS (SELECT role, revoked_at IS NOT NULL AS was_revoked FROM api_keys WHERE id = $1)
         INSERT INTO api_keys (id, org_id, role, key_sha256, source) VALUES ($1, $2, $3, $4, 'bootstrap')
         ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id, role = EXCLUDED.role, key_sha256 = EXCLUDED.key_sha256,
           revoked_at = NULL, revoked_by = NULL
           WHERE api_keys.source = 'bootstrap'
         RETURNING (SELECT role FROM old) AS old_role, (SELECT was_revoked FROM old) AS was_revoked`,
        [k.id, k.orgId, role, k.keySha256],
      );
      const row = rows[0];
      if (row === undefined) continue;
      const base = { orgId: k.orgId, actor: 'bootstrap', keyId: k.id } as const;
      if (row.old_role === null || row.was_revoked === true) changes.push({ ...base, action: 'api-key.create', detail: { role, source: 'bootstrap' } });
      else if (row.old_role !== role) changes.push({ ...base, action: 'api-key.role-change', detail: { from: row.old_role, to: role } });
    }
    if (options.revokeUnlisted === true) await revokeDroppedBootstrapKeys(tx, bootstrap.apiKeys.map((k) => k.id));
    // Last in the transaction: appending holds the organisation's chain head until COMMIT.
    for (const entry of changes) await appendKeyAudit(tx, entry);
  });
}
