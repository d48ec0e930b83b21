/**
 * What the route walk (access-routes.test.ts) needs to call every route as the owner would: two
 * organisations with one API key per role, the records of organisation A that path parameters name,
 * and a valid body per write route. A new route with a path parameter or a body adds a line here;
 * without one the walk fails and says which line is missing.
 */
import { sha256Hex } from '../../cloud/crypto.ts';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import type { Database } from '../../cloud/store/database.ts';
import { ROLES, type Role } from '../../cloud/tenancy/context.ts';

export interface WalkOrg {
  orgId: string;
  hubId: string;
  hubToken: string;
  /** Secret of this organisation's key of each role. */
  keys: Record<Role, string>;
}

export function walkOrg(tag: string): WalkOrg {
  return {
    orgId: `org-${tag}`,
    hubId: `hub-${tag}`,
    hubToken: `hub-token-${tag}-0123456789`,
    keys: Object.fromEntries(ROLES.map((r) => [r, `key-${tag}-${r}-0123456789`])) as Record<Role, string>,
  };
}

export async function provisionWalkOrg(db: Database, org: WalkOrg): Promise<void> {
  await applyBootstrap(db, {
    orgs: [{ id: org.orgId, name: `Home ${org.orgId}`, kind: 'care-home' }],
    hubs: [{ id: org.hubId, orgId: org.orgId, tokenSha256: sha256Hex(org.hubToken) }],
    apiKeys: ROLES.map((role) => ({ id: `${org.orgId}-${role}`, orgId: org.orgId, role, keySha256: sha256Hex(org.keys[role]) })),
  });
}

/** Records of organisation A that path parameters name; run after both organisations exist. */
export const SEEDS: Array<(db: Database, a: WalkOrg) => Promise<void>> = [
  async function seedSpareApiKey(db, a) {
    await db.query(`INSERT INTO api_keys (id, org_id, role, key_sha256, source) VALUES ('spare-key-a', $1, 'clinician', $2, 'api')`, [
      a.orgId,
      sha256Hex('spare-key-a-secret-0123'),
    ]);
  },
];

/** Path parameters by route path: ids of organisation A's records (SEEDS or provisionWalkOrg made them). */
export const PATH_PARAMS: Record<string, (a: WalkOrg) => Record<string, string>> = {
  '/v1/hubs/{id}': (a) => ({ id: a.hubId }),
  '/v1/hubs/{id}/claims': (a) => ({ id: a.hubId }),
  '/v1/hubs/{id}/rotate': (a) => ({ id: a.hubId }),
  '/v1/hubs/{id}/revoke': (a) => ({ id: a.hubId }),
  '/v1/hubs/{id}/downlink': (a) => ({ id: a.hubId }),
  '/v1/api-keys/{id}': () => ({ id: 'spare-key-a' }),
};

/** A valid body per `METHOD /path` (upper-case method) of a route that takes one. */
export const BODIES: Record<string, (a: WalkOrg) => unknown> = {
  'POST /v1/hubs': () => ({ id: `hub-walk-${Math.random().toString(36).slice(2, 10)}` }),
  'POST /v1/hubs/{id}/claims': () => ({}),
  'POST /v1/hubs/{id}/rotate': () => ({}),
  'PUT /v1/hubs/{id}/downlink': () => ({ rooms: [], residents: [], devices: [] }),
  'POST /v1/api-keys': () => ({ role: 'clinician', label: 'walk' }),
};
