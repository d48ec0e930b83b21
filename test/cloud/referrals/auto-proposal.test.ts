/** Auto-proposal from the edge: an ingested hub alarm of a fall or NEWS2 high band makes a draft referral, never sent by itself. */
import t from 'tap';
import { sha256Hex } from '../../../cloud/crypto.ts';
import { applyBootstrap } from '../../../cloud/store/bootstrap.ts';
import { openHarness } from '../app-harness.ts';
import { alarm, batch } from '../fixtures.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const h = await openHarness();
t.teardown(() => h.db.close());
const RESIDENT = '01900000-0000-7000-8000-00000000ad01';
const CLINICIAN = 'key-a-clinician-0123456789';
await applyBootstrap(h.db, {
  orgs: [{ id: 'hosp', name: 'General', kind: 'hospital' }],
  hubs: [],
  apiKeys: [{ id: 'a-clin', orgId: h.a.orgId, role: 'clinician', keySha256: sha256Hex(CLINICIAN) }],
});
await h.db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, $2, 'Fall', 'Flo', '1935-01-01')`, [RESIDENT, h.a.orgId]);
// The hub calls this resident 'res-7' (the fixture's residentId).
await h.db.query(`INSERT INTO resident_identifiers (resident_id, org_id, system, value) VALUES ($1, $2, $3, 'res-7')`, [RESIDENT, h.a.orgId, `urn:carehub:hub:${h.a.hubId}`]);

function typed(seq: number, type: string) {
  const e = alarm(h.a.hubId, seq);
  e.payload = { ...e.payload, type, key: `${type}:res-7`, reason: type === 'fall' ? 'fall detected' : 'NEWS2 7 (high)' };
  return e;
}
const drafts = async () =>
  (await h.db.query<{ id: string; state: string; priority: string; proposed_by: string; source_alarm_id: string; hospital_org_id: string | null }>(
    `SELECT id, state, priority, proposed_by, source_alarm_id, hospital_org_id FROM referrals WHERE home_org_id = $1 ORDER BY id`,
    [h.a.orgId],
  )).rows;

t.test('a fall and a NEWS2 high alarm propose drafts; a call alarm does not; redelivery proposes nothing twice', async (t) => {
  const fall = typed(1, 'fall');
  const news = typed(2, 'news2-high');
  const call = typed(3, 'call');
  const body = batch(h.a.hubId, [fall, news, call]);
  t.equal((await h.ingest(h.a.hubToken, body)).status, 200);
  const made = await drafts();
  t.same(
    made.map((d) => [d.source_alarm_id, d.state, d.priority, d.proposed_by, d.hospital_org_id]),
    [[fall.payload.alarmId, 'draft', 'urgent', 'hub-alarm', null], [news.payload.alarmId, 'draft', 'asap', 'hub-alarm', null]],
  );
  t.equal((await h.ingest(h.a.hubToken, body)).status, 200, 'the same batch again');
  const again = batch(h.a.hubId, [{ ...typed(4, 'fall'), payload: fall.payload }]);
  t.equal((await h.ingest(h.a.hubToken, again)).status, 200, 'a new event naming the same alarm');
  t.equal((await drafts()).length, 2, 'one proposal per alarm');
  const audit = await h.db.query<{ detail: Json }>(`SELECT detail FROM audit_log WHERE org_id = $1 AND action = 'alarm.write' ORDER BY seq LIMIT 1`, [h.a.orgId]);
  t.same(audit.rows[0]!.detail.proposedReferrals, made.map((d) => d.id), 'the batch audit entry names the proposals');
  t.equal((await h.db.query(`SELECT 1 FROM referral_access WHERE owner_org_id = $1`, [h.a.orgId])).rows.length, 0, 'a proposal opens no access');
});

t.test('a clinician sends the proposal (choosing the hospital) or discards it', async (t) => {
  const [fall, news] = await drafts();
  const move = async (id: string, body: unknown) => {
    const res = await h.app.request(`/v1/referrals/${id}/transitions`, { method: 'POST', headers: { authorization: `Bearer ${CLINICIAN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  };
  t.equal((await move(fall!.id, { to: 'requested' })).status, 409, 'no hospital chosen: not sent');
  const sent = await move(fall!.id, { to: 'requested', hospitalOrgId: 'hosp' });
  t.match(sent.body, { state: 'requested', hospitalOrgId: 'hosp', proposedBy: 'hub-alarm' });
  t.same(sent.body.transitions.map((x: Json) => [x.to, x.by]), [['draft', `hub:${h.a.hubId}`], ['requested', 'a-clin']], 'proposed by the hub, sent by a person');
  const discarded = await move(news!.id, { to: 'cancelled', note: 'reviewed, not needed' });
  t.equal(discarded.body.state, 'cancelled', `discarded: ${JSON.stringify(discarded.body).slice(0, 300)}`);
});
