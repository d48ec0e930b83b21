/**
 * Credential lookups. The tables hold SHA-256 digests only, never the secrets. A hub may hold
 * several credentials (a rotation's overlap, docs/provisioning.md#rotation); each row says when
 * it stops working, and the hub row whether the hub is revoked.
 */
import type { OrgKind, Role } from '../tenancy/context.ts';
import type { Queryable } from './database.ts';

export interface HubIdentity {
  hubId: string;
  orgId: string;
  tokenSha256: string;
  /** The hub is revoked: every credential of it is refused. */
  revokedAt: Date | null;
  /** This credential was replaced and is refused from this instant (null: no end). */
  expiresAt: Date | null;
}

export interface ApiKeyIdentity {
  keyId: string;
  orgId: string;
  orgKind: OrgKind;
  role: Role;
  keySha256: string;
  /** Revoked through DELETE /v1/api-keys/{id} or dropped from the bootstrap config: refused at once. */
  revokedAt: Date | null;
  /** Refused from this instant (null: no expiry). */
  expiresAt: Date | null;
}

/** PGlite answers timestamptz as Date, pg too; a string is parsed for safety. */
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

export async function findHubByTokenDigest(q: Queryable, digest: string): Promise<HubIdentity | undefined> {
  const { rows } = await q.query<{ hubId: string; orgId: string; tokenSha256: string; revokedAt: unknown; expiresAt: unknown }>(
    `SELECT h.id AS "hubId", h.org_id AS "orgId", c.token_sha256 AS "tokenSha256",
            h.revoked_at AS "revokedAt", c.expires_at AS "expiresAt"
     FROM hub_credentials c JOIN hubs h ON h.id = c.hub_id
     WHERE c.token_sha256 = $1`,
    [digest],
  );
  const row = rows[0];
  return row === undefined ? undefined : { ...row, revokedAt: toDate(row.revokedAt), expiresAt: toDate(row.expiresAt) };
}

export async function findApiKeyByDigest(q: Queryable, digest: string): Promise<ApiKeyIdentity | undefined> {
  const { rows } = await q.query<Omit<ApiKeyIdentity, 'revokedAt' | 'expiresAt'> & { revokedAt: unknown; expiresAt: unknown }>(
    `SELECT k.id AS "keyId", k.org_id AS "orgId", o.kind AS "orgKind", k.role, k.key_sha256 AS "keySha256",
            k.revoked_at AS "revokedAt", k.expires_at AS "expiresAt"
     FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.key_sha256 = $1`,
    [digest],
  );
  const row = rows[0];
  return row === undefined ? undefined : { ...row, revokedAt: toDate(row.revokedAt), expiresAt: toDate(row.expiresAt) };
}
