/**
 * Applies config.bootstrap: upserts orgs, hubs and API keys, so an installer or
 * the demo can provision from a file without a running server. Idempotent;
 * a hub's acked_seq and last_seen_at survive (only identity fields are set).
 */
import type { CloudConfig } from '../config.ts';
import type { Database } from './database.ts';

export async function applyBootstrap(db: Database, bootstrap: CloudConfig['bootstrap']): Promise<void> {
  await db.transaction(async function upsertAll(tx) {
    for (const o of bootstrap.orgs) {
      await tx.query(
        `INSERT INTO orgs (id, name, kind) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind`,
        [o.id, o.name, o.kind],
      );
    }
    for (const h of bootstrap.hubs) {
      await tx.query(
        `INSERT INTO hubs (id, org_id, token_sha256) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id, token_sha256 = EXCLUDED.token_sha256`,
        [h.id, h.orgId, h.tokenSha256],
      );
    }
    for (const k of bootstrap.apiKeys) {
      await tx.query(
        `INSERT INTO api_keys (id, org_id, role, key_sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id, role = EXCLUDED.role, key_sha256 = EXCLUDED.key_sha256`,
        [k.id, k.orgId, k.role, k.keySha256],
      );
    }
  });
}
