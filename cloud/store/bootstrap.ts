/**
 * Applies config.bootstrap: upserts orgs, hubs and API keys, so an installer or
 * the demo can provision from a file without a running server. Idempotent;
 * a hub's acked_seq, last_seen_at, revocation and epoch survive (only identity fields are set).
 */
import type { CloudConfig } from '../config.ts';
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
        `INSERT INTO hubs (id, org_id) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET org_id = EXCLUDED.org_id`,
        [h.id, h.orgId],
      );
      await upsertBootstrapCredential(tx, h.id, h.tokenSha256);
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
