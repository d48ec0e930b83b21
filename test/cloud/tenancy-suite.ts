/**
 * cloud/tenancy/context.ts: scoped() binds every query to the caller's organisation, and the
 * referral hook admits a hospital to another organisation's resident only while its referral is open.
 * Run on PGlite (tenancy.test.ts) and PostgreSQL (tenancy-postgres.test.ts).
 */
import type { Test } from 'tap';
import { applyBootstrap } from '../../cloud/store/bootstrap.ts';
import { canReadResident, normaliseRole, residentVisibleSql, scoped, type Caller } from '../../cloud/tenancy/context.ts';
import type { Database } from '../../cloud/store/database.ts';

/** `db` is migrated and has none of these organisations yet. */
export async function tenancySuite(t: Test, db: Database): Promise<void> {
  await applyBootstrap(db, {
    orgs: [
      { id: 'home', name: 'Home', kind: 'care-home' },
      { id: 'general', name: 'General hospital', kind: 'hospital' },
      { id: 'chemist', name: 'Chemist', kind: 'pharmacy' },
      { id: 'other-home', name: 'Other home', kind: 'care-home' },
    ],
    hubs: [],
    apiKeys: [],
  });
  const caller = (orgId: string, orgKind: Caller['orgKind']): Caller => ({ orgId, orgKind, role: 'clinician', keyId: `k-${orgId}` });
  const home = caller('home', 'care-home');
  const hospital = caller('general', 'hospital');
  const pharmacy = caller('chemist', 'pharmacy');
  const otherHome = caller('other-home', 'care-home');

  t.test('scoped() passes the caller organisation as $org and refuses SQL without it', async (t) => {
    const s = scoped(db, home);
    const { rows } = await s.query<{ id: string }>('SELECT id FROM orgs WHERE id = $org OR id = $1 ORDER BY id', ['nope']);
    t.same(rows.map((r) => r.id), ['home']);
    await t.rejects(() => s.query('SELECT id FROM orgs'), /scoped query without \$org/);
  });

  /** A resident row as the records migration will have it; a VALUES list keeps this test independent of it. */
  async function visibleTo(c: Caller): Promise<string[]> {
    const { rows } = await scoped(db, c).query<{ id: string }>(
      `WITH r (id, org_id) AS (VALUES ('res-1', 'home'), ('res-2', 'home')) SELECT id FROM r WHERE ${residentVisibleSql('r')} ORDER BY id`,
    );
    return rows.map((x) => x.id);
  }

  t.test('a hospital reads a resident through an open referral, and not once it closes', async (t) => {
    t.ok(await canReadResident(db, home, 'res-1', 'home'), 'the owner always');
    t.notOk(await canReadResident(db, hospital, 'res-1', 'home'), 'no referral: no access');
    t.same(await visibleTo(hospital), []);

    await db.query(`INSERT INTO referral_access (id, resident_id, owner_org_id, to_org_id, opened_at) VALUES ('ref-1', 'res-1', 'home', 'general', now())`);
    t.ok(await canReadResident(db, hospital, 'res-1', 'home'), 'open referral: the hospital reads');
    t.notOk(await canReadResident(db, hospital, 'res-2', 'home'), 'only the referred resident');
    t.same(await visibleTo(hospital), ['res-1']);
    t.same(await visibleTo(home), ['res-1', 'res-2'], 'the owner sees both');
    t.same(await visibleTo(otherHome), [], 'another care home none');

    await db.query(`INSERT INTO referral_access (id, resident_id, owner_org_id, to_org_id, opened_at) VALUES ('ref-2', 'res-1', 'home', 'chemist', now())`);
    t.notOk(await canReadResident(db, pharmacy, 'res-1', 'home'), 'a pharmacy never reads records through a referral');
    t.same(await visibleTo(pharmacy), [], 'nor through the SQL condition');

    await db.query(`UPDATE referral_access SET closed_at = now() WHERE id = 'ref-1'`);
    t.notOk(await canReadResident(db, hospital, 'res-1', 'home'), 'closed: refused at once');
    t.same(await visibleTo(hospital), []);
  });

  t.test('old role names map to the new ones; unknown ones are refused', async (t) => {
    t.equal(normaliseRole('pharmacy'), 'pharmacist');
    t.equal(normaliseRole('admin'), 'operator');
    t.throws(() => normaliseRole('root'), /unknown role/);
  });
}
