/**
 * Pharmacy delivery through the REST API (docs/pharmacy.md), run on PGlite and on PostgreSQL: a care home's clinician
 * prescribes, the generation job (fake clock = the database's time) creates and orders the fills,
 * the pharmacy it was sent to dispatches and delivers, the home receives. Illegal steps are 409
 * problem+json; another pharmacy sees nothing; a pharmacy sees only the resident's minimum; a year
 * of job runs day by day creates each fill once.
 */
import type { Test } from 'tap';
import { pino } from 'pino';
import { createApp } from '../../../cloud/app.ts';
import { sha256Hex } from '../../../cloud/crypto.ts';
import { generateDeliveries } from '../../../cloud/pharmacy/generate-deliveries.ts';
import { logPharmacyWarnings } from '../../../cloud/pharmacy/warnings-job.ts';
import { SchedulePlan, fromDayNumber, planFills, toDayNumber } from '../../../cloud/pharmacy/schedule.ts';
import { applyBootstrap } from '../../../cloud/store/bootstrap.ts';
import { fhirIssues } from '../../support/fhir-validator.ts';
import type { Database } from '../../../cloud/store/database.ts';

export async function pharmacySuite(t: Test, db: Database): Promise<void> {
  const logger = pino({ level: 'silent' });
  const KEYS = {
    homeClinician: ['home-a', 'clinician'],
    homeOperator: ['home-a', 'operator'],
    homePharmacist: ['home-a', 'pharmacist'],
    pharmacist: ['pharm-p', 'pharmacist'],
    otherPharmacist: ['pharm-q', 'pharmacist'],
    otherHomeClinician: ['home-b', 'clinician'],
    pharmacyClinician: ['pharm-p', 'clinician'],
  } as const;
  const secret = (name: keyof typeof KEYS) => `secret-${name}-0123456789`;
  await applyBootstrap(db, {
    orgs: [
      { id: 'home-a', name: 'Rosewood Care Home', kind: 'care-home' },
      { id: 'home-b', name: 'Other Home', kind: 'care-home' },
      { id: 'pharm-p', name: 'High Street Pharmacy', kind: 'pharmacy' },
      { id: 'pharm-q', name: 'Other Pharmacy', kind: 'pharmacy' },
    ],
    hubs: [],
    apiKeys: Object.entries(KEYS).map(([name, [orgId, role]]) => ({ id: `key-${name}`, orgId, role, keySha256: sha256Hex(secret(name as keyof typeof KEYS)) })),
  });
  const residentId = '01900000-0000-7000-8000-00000000ab01';
  await db.query(`INSERT INTO rooms (org_id, id, name) VALUES ('home-a', 'r12', 'Room 12')`);
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date, room_id) VALUES ($1, 'home-a', 'Okafor', 'Grace', '1938-04-09', 'r12')`, [residentId]);
  const app = createApp({ db, logger, access: { keyRequestsPerSecond: 0 } });

  async function call(who: keyof typeof KEYS, method: string, path: string, body?: unknown) {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${secret(who)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: text === '' ? undefined : (JSON.parse(text) as any) };
  }

  const PRESCRIPTION = {
    residentId,
    pharmacyOrgId: 'pharm-p',
    medication: { name: 'Metformin 500 mg tablets', code: '325278007' },
    dose: 1,
    timesPerDay: 2,
    quantityPerFill: 56,
    repeats: 11,
    validFrom: '2026-01-05',
    validUntil: '2026-12-31',
    leadTimeDays: 3,
  };
  const runJobOn = (day: string) => generateDeliveries({ db, now: new Date(`${day}T06:00:00Z`), logger });

  t.test('prescribe, generate, dispatch, deliver, receive', async (t) => {
    t.equal((await call('homeOperator', 'POST', '/v1/prescriptions', PRESCRIPTION)).status, 403, 'an operator does not prescribe');
    t.equal((await call('pharmacyClinician', 'POST', '/v1/prescriptions', PRESCRIPTION)).status, 403, "a pharmacy's clinician key does not prescribe");
    t.equal((await call('homeClinician', 'POST', '/v1/prescriptions', { ...PRESCRIPTION, pharmacyOrgId: 'home-b' })).status, 400, 'sent to a pharmacy only');
    t.equal((await call('homeClinician', 'POST', '/v1/prescriptions', { ...PRESCRIPTION, quantityPerFill: 1, dose: 2 })).status, 400, 'less than a day of supply');
    t.equal((await call('otherHomeClinician', 'POST', '/v1/prescriptions', PRESCRIPTION)).status, 404, "another home's resident");
    const created = await call('homeClinician', 'POST', '/v1/prescriptions', PRESCRIPTION);
    t.equal(created.status, 201, created.text);
    t.same(created.json.resident, { name: 'Grace Okafor', careHome: 'Rosewood Care Home', room: 'Room 12' });

    const seen = await call('pharmacist', 'GET', '/v1/prescriptions');
    t.equal(seen.json.items.length, 1, 'the pharmacy sees the prescription sent to it');
    t.notOk(seen.text.includes('1938'), 'and only the minimum of the resident (no birth date)');
    t.equal((await call('otherPharmacist', 'GET', '/v1/prescriptions')).json.items.length, 0, 'another pharmacy sees nothing');
    t.equal((await call('otherHomeClinician', 'GET', '/v1/prescriptions')).json.items.length, 0, 'another home sees nothing');

    t.same(await runJobOn('2026-01-01'), { done: 1 }, 'four days ahead: fill 1 scheduled');
    t.equal((await call('pharmacist', 'GET', '/v1/deliveries')).json.items.length, 0, 'a scheduled fill is not yet the pharmacy’s');
    const home = await call('homeOperator', 'GET', '/v1/deliveries?dueDay=2026-01-05');
    t.equal(home.json.items.length, 1, "the home sees the day's expected delivery");
    t.same(await runJobOn('2026-01-05'), { done: 1 }, 'due day: ordered');
    t.same(await runJobOn('2026-01-05'), { done: 0 }, 'a second run on the same day does nothing');
    const orders = await call('pharmacist', 'GET', '/v1/deliveries');
    t.equal(orders.json.items.length, 1);
    const id = orders.json.items[0].id as string;
    t.equal(orders.json.items[0].status, 'ordered');
    t.notOk(orders.text.includes('1938'));

    const steps = `/v1/deliveries/${id}/transitions`;
    const illegal = await call('pharmacist', 'POST', steps, { to: 'received', receivedBy: 'x' });
    t.equal(illegal.status, 409, 'ordered cannot become received');
    t.match(illegal.type, /application\/problem\+json/);
    t.equal((await call('homeClinician', 'POST', steps, { to: 'dispatched' })).status, 409, 'the home does not dispatch');
    t.equal((await call('homePharmacist', 'POST', steps, { to: 'dispatched' })).status, 409, "a care home's pharmacist key is not the pharmacy");
    t.equal((await call('otherPharmacist', 'POST', steps, { to: 'dispatched' })).status, 404, 'another pharmacy cannot find it');
    t.equal((await call('pharmacist', 'POST', steps, { to: 'dispatched' })).json.status, 'dispatched');
    t.equal((await call('pharmacist', 'POST', steps, { to: 'delivered' })).json.status, 'delivered');
    t.equal((await call('homeClinician', 'POST', steps, { to: 'received' })).status, 400, 'received needs by whom');
    const received = await call('homeClinician', 'POST', steps, { to: 'received', receivedBy: 'Nurse Patel' });
    t.equal(received.status, 200, received.text);
    t.equal(received.json.receivedBy, 'Nurse Patel');
    t.equal((await call('pharmacist', 'POST', steps, { to: 'delivered' })).status, 409, 'no step back');

    const events = await db.query<{ to_status: string; actor: string }>('SELECT to_status, actor FROM delivery_events WHERE delivery_id = $1 ORDER BY id', [id]);
    t.same(events.rows.map((e) => e.to_status), ['ordered', 'dispatched', 'delivered', 'received']);
    const audit = await db.query<{ action: string; org_id: string }>(`SELECT action, org_id FROM audit_log WHERE target_id IN ($1, $2) ORDER BY seq`, [id, created.json.id]);
    t.same(audit.rows.map((a) => a.action), ['prescription.create', 'delivery.dispatched', 'delivery.delivered', 'delivery.received']);
    t.ok(audit.rows.every((a) => a.org_id === 'home-a'), "the care home's chain holds them");

    // The FHIR facade: MedicationRequest with dispenseRequest, one MedicationDispense per delivery.
    const request = await call('homeClinician', 'GET', `/fhir/MedicationRequest/${created.json.id}`);
    t.equal(request.status, 200, request.text);
    t.same(fhirIssues(request.json), [], 'MedicationRequest validates');
    t.same(request.json.dispenseRequest.numberOfRepeatsAllowed, 11);
    t.same(request.json.dispenseRequest.expectedSupplyDuration.value, 28);
    const dispense = await call('homeClinician', 'GET', `/fhir/MedicationDispense/${id}`);
    t.equal(dispense.status, 200, dispense.text);
    t.same(fhirIssues(dispense.json), [], 'MedicationDispense validates');
    t.equal(dispense.json.status, 'completed');
    t.same(dispense.json.receiver, [{ display: 'Nurse Patel' }]);
    t.same(dispense.json.authorizingPrescription, [{ reference: `MedicationRequest/${created.json.id}` }]);
    const bundle = await call('homeClinician', 'GET', '/fhir/MedicationDispense');
    t.same(fhirIssues(bundle.json), [], 'the search Bundle validates');
    t.equal(bundle.json.entry.length, 1);
    t.equal((await call('otherHomeClinician', 'GET', `/fhir/MedicationDispense/${id}`)).status, 404, 'another home cannot read it');
  });

  t.test("warnings in force on the database's day come with the prescription", async (t) => {
    const { rows } = await db.query<{ from: string; until: string }>(
      `SELECT (current_date - 40)::text AS from, (current_date + 5)::text AS until`,
    );
    const body = { ...PRESCRIPTION, repeats: 0, validFrom: rows[0]!.from, validUntil: rows[0]!.until };
    const created = await call('homeClinician', 'POST', '/v1/prescriptions', body);
    t.equal(created.status, 201, created.text);
    t.same(created.json.warnings, [{ kind: 'expiring', validUntil: body.validUntil }], 'expiring; fill 1 ran out 12 days ago, so no-repeats-left is over');
    await runJobOn(new Date(Date.parse(`${body.validFrom}T00:00:00Z`)).toISOString().slice(0, 10));
    const listed = (await call('pharmacist', 'GET', '/v1/prescriptions')).json.items.find((p: { id: string }) => p.id === created.json.id);
    t.same(listed.warnings, [
      { kind: 'not-dispatched', fillNo: 1, dueDay: body.validFrom },
      { kind: 'expiring', validUntil: body.validUntil },
    ], 'the ordered fill was never dispatched');

    // The daily warnings job logs the same warnings, with ids and never the resident's name.
    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const { rows: day } = await db.query<{ now: Date }>('SELECT now() AS now');
    const { done } = await logPharmacyWarnings({ db, now: new Date(day[0]!.now), logger: captured });
    const mine = lines.map((l) => JSON.parse(l)).filter((l) => l.prescriptionId === created.json.id);
    t.same(mine.map((l) => l.warning), listed.warnings, 'the job logs the warnings in force');
    t.ok(done >= mine.length);
    t.notOk(lines.some((l) => l.includes('Okafor')), 'no name in the log');
  });

  t.test('a year of job runs, day by day with a fake clock: each fill once, none after the repeats or validity', async (t) => {
    const body = { ...PRESCRIPTION, repeats: 20, validFrom: '2027-01-04', validUntil: '2027-10-31' };
    const created = await call('homeClinician', 'POST', '/v1/prescriptions', body);
    t.equal(created.status, 201, created.text);
    const start = toDayNumber('2027-01-01')!;
    for (let d = 0; d < 400; d += 1) await runJobOn(fromDayNumber(start + d));
    const { rows } = await db.query<{ fill_no: number; due_day: string; status: string }>(
      'SELECT fill_no, due_day::text AS due_day, status FROM deliveries WHERE prescription_id = $1 ORDER BY fill_no',
      [created.json.id],
    );
    const expected = planFills(SchedulePlan.parse(body));
    t.ok(expected.length < 21, `validity ends the fills before the repeats do (${expected.length})`);
    t.same(rows.map((r) => [r.fill_no, r.due_day]), expected.map((f) => [f.fillNo, f.dueDay]), 'each fill once on its due day');
    t.ok(rows.every((r) => r.status === 'ordered' && r.due_day <= body.validUntil));
  });
}
