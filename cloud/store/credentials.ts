/** Credential lookups. Both tables hold SHA-256 digests only, never the secrets. */
import type { Queryable } from './database.ts';

export interface HubIdentity {
  hubId: string;
  orgId: string;
  tokenSha256: string;
}

export interface ApiKeyIdentity {
  keyId: string;
  orgId: string;
  role: 'operator' | 'clinician' | 'pharmacy' | 'admin';
  keySha256: string;
}

export async function findHubByTokenDigest(q: Queryable, digest: string): Promise<HubIdentity | undefined> {
  const { rows } = await q.query<HubIdentity>(
    'SELECT id AS "hubId", org_id AS "orgId", token_sha256 AS "tokenSha256" FROM hubs WHERE token_sha256 = $1',
    [digest],
  );
  return rows[0];
}

export async function findApiKeyByDigest(q: Queryable, digest: string): Promise<ApiKeyIdentity | undefined> {
  const { rows } = await q.query<ApiKeyIdentity>(
    'SELECT id AS "keyId", org_id AS "orgId", role, key_sha256 AS "keySha256" FROM api_keys WHERE key_sha256 = $1',
    [digest],
  );
  return rows[0];
}
