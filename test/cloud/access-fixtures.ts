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

/** Ids of organisation A's records (docs/records.md). */
const WALK_RESIDENT = '01900000-0000-7000-8000-0000000000a1';
const WALK_NOTE = '01900000-0000-7000-8000-0000000000a2';
const WALK_REFERRAL = '01900000-0000-7000-8000-0000000000a3';
const WALK_PRESCRIPTION = '01900000-0000-7000-8000-0000000000a3';
const WALK_DELIVERY = '01900000-0000-7000-8000-0000000000a4';
const walkId = () => Math.random().toString(36).slice(2, 10);

/** Records of organisation A that path parameters name; run after both organisations exist. */
export const SEEDS: Array<(db: Database, a: WalkOrg) => Promise<void>> = [
  async function seedSpareApiKey(db, a) {
    await db.query(`INSERT INTO api_keys (id, org_id, role, key_sha256, source) VALUES ('spare-key-a', $1, 'clinician', $2, 'api')`, [
      a.orgId,
      sha256Hex('spare-key-a-secret-0123'),
    ]);
  },
  async function seedRecords(db, a) {
    await db.query(`INSERT INTO rooms (org_id, id, name) VALUES ($1, 'walk-room', 'Walk room')`, [a.orgId]);
    await db.query(`INSERT INTO beds (org_id, room_id, id, label) VALUES ($1, 'walk-room', 'walk-bed', 'A')`, [a.orgId]);
    await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($2, $1, 'Walk', 'Ada', '1940-01-01')`, [a.orgId, WALK_RESIDENT]);
    await db.query(`INSERT INTO devices (org_id, hub_id, id, kind) VALUES ($1, $2, 'walk-oxi', 'pulse-oximeter')`, [a.orgId, a.hubId]);
    await db.query(`INSERT INTO care_notes (id, org_id, resident_id, author, text) VALUES ($2, $1, $3, 'walk', 'x')`, [a.orgId, WALK_NOTE, WALK_RESIDENT]);
  },
  async function seedReferral(db, a) {
    await db.query(`INSERT INTO orgs (id, name, kind) VALUES ('walk-hospital', 'Walk General', 'hospital')`);
    await db.query(
      `INSERT INTO referrals (id, direction, home_org_id, hospital_org_id, resident_id, state, priority, reason, service, created_by, created_at, updated_at)
       VALUES ($2, 'referral', $1, 'walk-hospital', $3, 'draft', 'routine', 'walk', 'walk', 'walk', now(), now())`,
      [a.orgId, WALK_REFERRAL, WALK_RESIDENT],
    );
  },
  async function seedPharmacy(db, a) {
    await db.query(`INSERT INTO orgs (id, name, kind) VALUES ('walk-pharmacy', 'Walk pharmacy', 'pharmacy') ON CONFLICT DO NOTHING`);
    await db.query(
      `INSERT INTO prescriptions (id, org_id, resident_id, pharmacy_org_id, medication_name, medication_system, medication_code, dose, dose_unit,
         times_per_day, quantity_per_fill, repeats, valid_from, valid_until, lead_time_days, prescriber)
       VALUES ($2, $1, $3, 'walk-pharmacy', 'Walk', 'http://snomed.info/sct', '1', 1, 'tablet', 1, 28, 1, '2026-01-01', '2026-12-31', 3, 'walk')`,
      [a.orgId, WALK_PRESCRIPTION, WALK_RESIDENT],
    );
    await db.query(`INSERT INTO deliveries (id, prescription_id, org_id, pharmacy_org_id, fill_no, due_day) VALUES ($2, $3, $1, 'walk-pharmacy', 1, '2026-01-01')`, [
      a.orgId,
      WALK_DELIVERY,
      WALK_PRESCRIPTION,
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
  '/v1/residents/{id}': () => ({ id: WALK_RESIDENT }),
  '/v1/residents/{id}/vitals': () => ({ id: WALK_RESIDENT }),
  '/v1/residents/{id}/care-notes': () => ({ id: WALK_RESIDENT }),
  '/v1/care-notes/{id}': () => ({ id: WALK_NOTE }),
  '/v1/referrals/{id}': () => ({ id: WALK_REFERRAL }),
  '/v1/referrals/{id}/transitions': () => ({ id: WALK_REFERRAL }),
  '/v1/referrals/{id}/back-referrals': () => ({ id: WALK_REFERRAL }),
  '/v1/rooms/{id}': () => ({ id: 'walk-room' }),
  '/v1/rooms/{id}/beds': () => ({ id: 'walk-room' }),
  '/v1/devices/{hubId}/{id}': (a) => ({ hubId: a.hubId, id: 'walk-oxi' }),
  '/v1/deliveries/{id}/transitions': () => ({ id: WALK_DELIVERY }),
};

/** A valid body per `METHOD /path` (upper-case method) of a route that takes one. */
export const BODIES: Record<string, (a: WalkOrg) => unknown> = {
  'POST /v1/hubs': () => ({ id: `hub-walk-${Math.random().toString(36).slice(2, 10)}` }),
  'POST /v1/hubs/{id}/claims': () => ({}),
  'POST /v1/hubs/{id}/rotate': () => ({}),
  'PUT /v1/hubs/{id}/downlink': () => ({ rooms: [], residents: [], devices: [] }),
  'POST /v1/api-keys': () => ({ role: 'clinician', label: 'walk' }),
  'PATCH /v1/api-keys/{id}': () => ({ role: 'auditor' }),
  'POST /v1/residents': () => ({ familyName: 'Walk', givenName: 'Bo', birthDate: '1941-02-03' }),
  'PATCH /v1/residents/{id}': () => ({ givenName: 'Cy' }),
  'POST /v1/residents/{id}/care-notes': () => ({ note: 'walk' }),
  'PATCH /v1/care-notes/{id}': () => ({ note: 'walk again' }),
  'POST /v1/referrals': () => ({ residentId: WALK_RESIDENT, hospitalOrgId: 'walk-hospital', reason: 'walk', priority: 'routine', service: 'walk', draft: true }),
  'POST /v1/referrals/{id}/transitions': () => ({ to: 'cancelled' }),
  'POST /v1/referrals/{id}/back-referrals': () => ({ reason: 'walk', service: 'rehabilitation', dischargeNotes: 'walk', followUpPlan: 'walk' }),
  'POST /v1/rooms': () => ({ id: `walk-room-${walkId()}`, name: 'Walk' }),
  'PATCH /v1/rooms/{id}': () => ({ name: 'Walk room 2' }),
  'POST /v1/rooms/{id}/beds': () => ({ id: `walk-bed-${walkId()}`, label: 'B' }),
  'POST /v1/devices': (a) => ({ hubId: a.hubId, id: `walk-dev-${walkId()}`, kind: 'call-point' }),
  'PATCH /v1/devices/{hubId}/{id}': () => ({ label: 'walk' }),
  'POST /v1/prescriptions': () => ({
    residentId: WALK_RESIDENT, pharmacyOrgId: 'walk-pharmacy', medication: { name: 'Walk', code: '1' },
    dose: 1, timesPerDay: 1, quantityPerFill: 28, repeats: 1, validFrom: '2026-01-01', validUntil: '2026-06-30',
  }),
  'POST /v1/deliveries/{id}/transitions': () => ({ to: 'ordered' }),
};
