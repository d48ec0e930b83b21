/** The referral round trip through the REST API with two organisations' keys (docs/referrals.md), on any store. */
import type { Test } from 'tap';
import { pino } from 'pino';
import { createApp } from '../../../cloud/main.ts';
import { sha256Hex } from '../../../cloud/crypto.ts';
import { applyBootstrap } from '../../../cloud/store/bootstrap.ts';
import { fhirIssues } from '../../support/fhir-validator.ts';
import type { Database } from '../../../cloud/store/database.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const RESIDENT = '01900000-0000-7000-8000-00000000be01';
const KEYS = {
  homeClinician: 'key-home-clinician-0123456789',
  homeOperator: 'key-home-operator-0123456789',
  hospClinician: 'key-hosp-clinician-0123456789',
  hospAuditor: 'key-hosp-auditor-0123456789',
  otherHospClinician: 'key-other-clinician-0123456789',
};

export async function referralsHttpSuite(t: Test, db: Database): Promise<void> {
  await applyBootstrap(db, {
    orgs: [
      { id: 'home', name: 'Home', kind: 'care-home' },
      { id: 'hosp', name: 'General', kind: 'hospital' },
      { id: 'other-hosp', name: 'Other', kind: 'hospital' },
    ],
    hubs: [{ id: 'hub-home', orgId: 'home', tokenSha256: sha256Hex('hub-home-token-0123456789') }],
    apiKeys: [
      { id: 'home-clin', orgId: 'home', role: 'clinician', keySha256: sha256Hex(KEYS.homeClinician) },
      { id: 'home-op', orgId: 'home', role: 'operator', keySha256: sha256Hex(KEYS.homeOperator) },
      { id: 'hosp-clin', orgId: 'hosp', role: 'clinician', keySha256: sha256Hex(KEYS.hospClinician) },
      { id: 'hosp-aud', orgId: 'hosp', role: 'auditor', keySha256: sha256Hex(KEYS.hospAuditor) },
      { id: 'other-clin', orgId: 'other-hosp', role: 'clinician', keySha256: sha256Hex(KEYS.otherHospClinician) },
    ],
  });
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, 'home', 'Ref', 'Ada', '1938-05-01')`, [RESIDENT]);
  await db.query(
    `INSERT INTO observations (id, org_id, hub_id, metric, unit, value, resident_id, hub_time, relay_time)
     VALUES ('01900000-0000-7000-8000-00000000be02', 'home', 'hub-home', 'heart-rate', '/min', 118, $1, now() - interval '1 hour', now())`,
    [RESIDENT],
  );
  await db.query(
    `INSERT INTO alarms (id, org_id, hub_id, key, type, priority, state, resident_id, reason, raised_at, updated_at)
     VALUES ('01900000-0000-7000-8000-00000000be03', 'home', 'hub-home', 'news2-high:x', 'news2-high', 'high', 'active', $1, 'NEWS2 7', now() - interval '2 hours', now())`,
    [RESIDENT],
  );
  const app = createApp({ db, logger: pino({ level: 'silent' }) });

  async function call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Json; type: string }> {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json(), type: res.headers.get('content-type') ?? '' };
  }
  const refer = (extra: Record<string, unknown> = {}) =>
    call('POST', '/v1/referrals', KEYS.homeClinician, { residentId: RESIDENT, hospitalOrgId: 'hosp', reason: 'chest pain', priority: 'urgent', service: 'cardiology', ...extra });
  const move = (id: string, key: string, body: Record<string, unknown>) => call('POST', `/v1/referrals/${id}/transitions`, key, body);
  const patientRead = async (key: string) => (await app.request(`/fhir/Patient/${RESIDENT}`, { headers: { authorization: `Bearer ${key}` } })).status;

  t.test('round trip: sent with evidence, received, accepted, booked, completed; back-referral accepted by the home', async (t) => {
    t.equal(await patientRead(KEYS.hospClinician), 404, 'no referral: the hospital sees nothing');
    const sent = await refer();
    t.equal(sent.status, 201);
    const id = sent.body.id;
    t.equal(sent.body.state, 'requested');
    t.same(sent.body.evidence.vitals.map((v: Json) => [v.metric, v.value]), [['heart-rate', 118]], 'last 24 h of vitals attached at send');
    t.same(sent.body.evidence.news2.map((n: Json) => n.band), ['high'], 'NEWS2 history attached');
    t.equal(await patientRead(KEYS.hospClinician), 200, 'open referral: the hospital reads the resident');
    t.equal(await patientRead(KEYS.otherHospClinician), 404, 'another hospital does not');

    t.equal((await call('GET', `/v1/referrals/${id}`, KEYS.otherHospClinician)).status, 404, "another hospital cannot see it");
    const listed = await call('GET', '/v1/referrals', KEYS.hospAuditor);
    t.same(listed.body.items.map((r: Json) => r.id), [id], 'the hospital lists the referral sent to it');

    t.equal((await move(id, KEYS.hospClinician, { to: 'received' })).body.state, 'received');
    t.equal((await move(id, KEYS.hospClinician, { to: 'accepted' })).body.state, 'accepted');
    const noTime = await move(id, KEYS.hospClinician, { to: 'in-progress' });
    t.equal(noTime.status, 409, 'booking without a time: 409');
    t.match(noTime.type, /application\/problem\+json/);
    const booked = await move(id, KEYS.hospClinician, { to: 'in-progress', appointmentAt: '2026-12-01T10:30:00Z' });
    t.equal(booked.body.appointmentAt, '2026-12-01T10:30:00.000Z');
    const done = await move(id, KEYS.hospClinician, { to: 'completed', note: 'seen' });
    t.same(
      done.body.transitions.map((x: Json) => [x.from, x.to, x.by, x.byOrgId]),
      [[null, 'draft', 'home-clin', 'home'], ['draft', 'requested', 'home-clin', 'home'], ['requested', 'received', 'hosp-clin', 'hosp'], ['received', 'accepted', 'hosp-clin', 'hosp'], ['accepted', 'in-progress', 'hosp-clin', 'hosp'], ['in-progress', 'completed', 'hosp-clin', 'hosp']],
      'every transition says who and when',
    );
    t.equal(await patientRead(KEYS.hospClinician), 404, 'completed: access closed at once');

    const audit = await db.query<{ detail: Json }>(`SELECT detail FROM audit_log WHERE org_id = 'home' AND action = 'referral.transition' AND target_id = $1 ORDER BY seq`, [id]);
    t.same(audit.rows.map((r) => r.detail.to), ['requested', 'received', 'accepted', 'in-progress', 'completed'], "each transition is in the home's audit chain");

    t.equal((await call('POST', `/v1/referrals/${id}/back-referrals`, KEYS.homeClinician, { reason: 'r', service: 'rehabilitation', dischargeNotes: 'd', followUpPlan: 'f' })).status, 409, 'the home does not back-refer');
    const back = await call('POST', `/v1/referrals/${id}/back-referrals`, KEYS.hospClinician, { reason: 'rehab after discharge', service: 'rehabilitation', dischargeNotes: 'stented', followUpPlan: 'physio twice a week' });
    t.equal(back.status, 201);
    t.match(back.body, { direction: 'back-referral', state: 'requested', basedOn: id, homeOrgId: 'home', dischargeNotes: 'stented' });
    t.equal((await move(back.body.id, KEYS.hospClinician, { to: 'received' })).status, 409, 'the hospital cannot receive its own back-referral');
    await move(back.body.id, KEYS.homeClinician, { to: 'received' });
    t.equal((await move(back.body.id, KEYS.homeClinician, { to: 'accepted' })).body.state, 'accepted', 'the care home accepts');
    t.equal(await patientRead(KEYS.hospClinician), 404, 'a back-referral opens nothing to the hospital');
  });

  t.test('rejection and cancellation close the access; illegal moves are 409 problem+json', async (t) => {
    const a = (await refer()).body.id;
    await move(a, KEYS.hospClinician, { to: 'received' });
    t.equal(await patientRead(KEYS.hospClinician), 200);
    t.equal((await move(a, KEYS.homeClinician, { to: 'rejected' })).status, 409, 'the home cannot reject its own referral');
    t.equal((await move(a, KEYS.hospClinician, { to: 'rejected' })).body.state, 'rejected');
    t.equal(await patientRead(KEYS.hospClinician), 404, 'rejected: closed');
    const again = await move(a, KEYS.hospClinician, { to: 'accepted' });
    t.equal(again.status, 409);
    t.match(again.body, { status: 409, detail: /rejected is final/ });

    const b = (await refer()).body.id;
    t.equal(await patientRead(KEYS.hospClinician), 200);
    t.equal((await move(b, KEYS.hospClinician, { to: 'cancelled' })).status, 409, 'only the sender cancels');
    t.equal((await move(b, KEYS.homeClinician, { to: 'cancelled', note: 'improved' })).body.state, 'cancelled');
    t.equal(await patientRead(KEYS.hospClinician), 404, 'cancelled: the very next read is refused');
  });

  t.test('a draft is the home’s own until sent', async (t) => {
    const d = await refer({ draft: true });
    t.equal(d.body.state, 'draft');
    t.equal(d.body.evidence, null, 'no evidence before sending');
    t.equal((await call('GET', `/v1/referrals/${d.body.id}`, KEYS.hospClinician)).status, 404, 'the hospital does not see a draft');
    t.equal(await patientRead(KEYS.hospClinician), 404);
    const sent = await move(d.body.id, KEYS.homeClinician, { to: 'requested' });
    t.equal(sent.body.state, 'requested');
    t.ok(sent.body.evidence.takenAt, 'evidence taken at send');
    t.equal((await call('GET', `/v1/referrals/${d.body.id}`, KEYS.hospClinician)).status, 200);
    await move(d.body.id, KEYS.homeClinician, { to: 'cancelled' });
  });

  t.test('bad input: 400, nothing stored', async (t) => {
    const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals');
    t.equal((await refer({ priority: 'whenever' })).status, 400);
    t.equal((await refer({ hospitalOrgId: 'home' })).status, 400, 'not a hospital');
    t.equal((await call('POST', '/v1/referrals', KEYS.hospClinician, { residentId: RESIDENT, hospitalOrgId: 'other-hosp', reason: 'x', priority: 'routine', service: 'x' })).status, 409, 'a hospital does not refer forward');
    t.equal((await call('POST', '/v1/referrals', KEYS.homeOperator, { residentId: RESIDENT, hospitalOrgId: 'hosp', reason: 'x', priority: 'routine', service: 'x' })).status, 403, 'an operator does not refer');
    const after = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals');
    t.equal(after.rows[0]!.n, before.rows[0]!.n);
  });

  t.test('FHIR facade: ServiceRequest plus Task per referral, valid R4, tenancy as on REST', async (t) => {
    const id = (await refer({ priority: 'stat' })).body.id;
    await move(id, KEYS.hospClinician, { to: 'received' });
    await move(id, KEYS.hospClinician, { to: 'accepted' });
    await move(id, KEYS.hospClinician, { to: 'in-progress', appointmentAt: '2026-12-02T09:00:00Z' });
    const back = (await call('POST', `/v1/referrals/${id}/back-referrals`, KEYS.hospClinician, { reason: 'rehab', service: 'rehabilitation', dischargeNotes: 'ok', followUpPlan: 'physio' })).body.id;
    const sr = await call('GET', `/fhir/ServiceRequest/${id}`, KEYS.hospClinician);
    t.equal(sr.status, 200);
    t.match(sr.body, { resourceType: 'ServiceRequest', status: 'active', intent: 'order', priority: 'stat', subject: { reference: `Patient/${RESIDENT}` } });
    t.same(fhirIssues(sr.body), [], 'ServiceRequest validates');
    const task = await call('GET', `/fhir/Task/${id}`, KEYS.homeClinician);
    t.match(task.body, { resourceType: 'Task', status: 'in-progress', focus: { reference: `ServiceRequest/${id}` }, executionPeriod: { start: '2026-12-02T09:00:00.000Z' } });
    t.same(fhirIssues(task.body), [], 'Task validates');
    const backSr = await call('GET', `/fhir/ServiceRequest/${back}`, KEYS.homeClinician);
    t.match(backSr.body, { basedOn: [{ reference: `ServiceRequest/${id}` }], note: [{ text: 'Discharge notes: ok' }, { text: 'Follow-up plan: physio' }] });
    t.same(fhirIssues(backSr.body), [], 'a back-referral validates');
    const tasks = await call('GET', '/fhir/Task?_count=100', KEYS.hospClinician);
    t.same(fhirIssues(tasks.body), [], 'the search Bundle validates');
    t.ok(tasks.body.entry.some((e: Json) => e.resource.id === id));
    t.equal((await call('GET', `/fhir/Task/${id}`, KEYS.otherHospClinician)).status, 404, 'another hospital: 404');
    const draft = (await refer({ draft: true })).body.id;
    t.equal((await call('GET', `/fhir/ServiceRequest/${draft}`, KEYS.hospClinician)).status, 404, 'a draft is not the hospital’s');
    t.equal((await call('GET', `/fhir/ServiceRequest/${draft}`, KEYS.homeClinician)).body.status, 'draft');
    await move(id, KEYS.homeClinician, { to: 'cancelled' });
  });
}
