/**
 * The FHIR facade through the relay's HTTP app (docs/fhir.md), on a migrated store the caller passes
 * (PGlite: fhir-http.test.ts; PostgreSQL: fhir-http-postgres.test.ts): every answer is application/fhir+json
 * and passes the independent validator (test/support/fhir-validator.ts); searches filter and page as
 * declared; tenancy answers 404 across organisations; a hospital reads a resident only while its
 * referral is open; every route with every role.
 */
import type { Test } from 'tap';
import { pino } from 'pino';
import { createApp } from '../../../cloud/app.ts';
import { fhirResourceTypes } from '../../../cloud/fhir/registry.ts';
import { sha256Hex } from '../../../cloud/crypto.ts';
import { applyBootstrap } from '../../../cloud/store/bootstrap.ts';
import { ROLES } from '../../../cloud/tenancy/context.ts';
import { uuidv7 } from '../../../protocols/uuidv7.ts';
import type { Database } from '../../../cloud/store/database.ts';
import { fhirIssues } from '../../support/fhir-validator.ts';
import { provisionWalkOrg, walkOrg } from '../access-fixtures.ts';
import { batch, reading } from '../fixtures.ts';

type Json = Record<string, any>;

export async function fhirHttpSuite(t: Test, db: Database): Promise<void> {
  const a = walkOrg('fa');
  const b = walkOrg('fb');
  await provisionWalkOrg(db, a);
  await provisionWalkOrg(db, b);
  const HOSPITAL_KEY = 'key-hospital-clinician-0123456789';
  await applyBootstrap(db, {
    orgs: [{ id: 'org-hosp', name: 'St Elsewhere', kind: 'hospital' }],
    hubs: [],
    apiKeys: [{ id: 'org-hosp-clinician', orgId: 'org-hosp', role: 'clinician', keySha256: sha256Hex(HOSPITAL_KEY) }],
  });
  // A high per-key rate: the test sends bursts on one key.
  const app = createApp({ db, logger: pino({ level: 'silent' }), access: { keyRequestsPerSecond: 100_000, keyBurst: 100_000 } as never });

  const T0 = Date.parse('2026-03-01T08:00:00.000Z');
  const id = (offsetMs: number) => uuidv7(T0 + offsetMs, crypto.getRandomValues(new Uint8Array(10)));
  const residentA = id(0);
  const residentA2 = id(1);
  const residentB = id(2);

  await db.query(`INSERT INTO rooms (org_id, id, name) VALUES ($1, 'room_101', 'Room 101')`, [a.orgId]);
  await db.query(`INSERT INTO beds (org_id, room_id, id, label) VALUES ($1, 'room_101', 'bed:1', 'Window bed')`, [a.orgId]);
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date, room_id, bed_id) VALUES ($1, $2, 'Doe', 'Jane', '1940-02-29', 'room_101', 'bed:1')`, [residentA, a.orgId]);
  await db.query(`INSERT INTO resident_identifiers (resident_id, org_id, system, value) VALUES ($1, $2, $3, 'res-7')`, [residentA, a.orgId, `urn:carehub:hub:${a.hubId}`]);
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, $2, 'Roe', 'Rick', '1938-12-01')`, [residentA2, a.orgId]);
  await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, $2, 'Other', 'Home', '1945-05-05')`, [residentB, b.orgId]);
  await db.query(`INSERT INTO devices (org_id, hub_id, id, kind, label, resident_id, room_id) VALUES ($1, $2, 'oxi_1', 'pulse-oximeter', 'Oximeter', $3, 'room_101')`, [a.orgId, a.hubId, residentA]);

  const MINUTES = 30;
  const obs: unknown[][] = [];
  for (let m = 0; m < MINUTES; m++) {
    const at = new Date(T0 + m * 60_000).toISOString();
    const e = id(m * 60_000 + 10);
    obs.push([e, a.orgId, a.hubId, 'heart-rate', '8867-4', '/min', 60 + m, null, 'oxi_1', residentA, at]);
    obs.push([e, a.orgId, a.hubId, 'spo2', '59408-5', '%', 95, null, 'oxi_1', residentA, at]);
  }
  obs.push([id(5), a.orgId, a.hubId, 'acvpu', null, '{code}', null, 'A', null, residentA, new Date(T0 + 5 * 60_000).toISOString()]);
  obs.push([id(6), a.orgId, a.hubId, 'heart-rate', '8867-4', '/min', 80, null, null, residentA2, new Date(T0).toISOString()]);
  obs.push([id(7), b.orgId, b.hubId, 'heart-rate', '8867-4', '/min', 90, null, null, residentB, new Date(T0).toISOString()]);
  for (const o of obs) {
    await db.query(
      `INSERT INTO observations (id, org_id, hub_id, metric, loinc, unit, value, value_code, device_id, resident_id, hub_time, relay_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11::timestamptz + interval '2 seconds')`,
      o,
    );
  }

  async function get(path: string, key: string | null = a.keys.clinician, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: Json; headers: Headers }> {
    const res = await app.request(path.startsWith('http') ? path : `http://relay.test${path}`, { ...init, headers: key === null ? {} : { authorization: `Bearer ${key}` } });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Json, headers: res.headers };
  }

  /** Asserts a FHIR answer: status, content type, and that the validator finds nothing. */
  async function fhir(t: Test, path: string, status: number, key: string | null = a.keys.clinician, init?: RequestInit): Promise<Json> {
    const res = await get(path, key, init);
    t.equal(res.status, status, `${init?.method ?? 'GET'} ${path} → ${status}`);
    t.equal(res.type, 'application/fhir+json', 'application/fhir+json');
    t.same(fhirIssues(res.body), [], `${path}: valid ${res.body.resourceType}`);
    return res.body;
  }

  const ids = (bundle: Json) => (bundle.entry ?? []).map((e: Json) => `${e.resource.resourceType}/${e.resource.id}`);
  const next = (bundle: Json) => bundle.link.find((l: Json) => l.relation === 'next')?.url as string | undefined;

  t.test('metadata: a public CapabilityStatement listing the registry', async (t) => {
    const cs = await fhir(t, '/fhir/metadata', 200, null);
    // Every registry entry, in registry order; the records issue's five come first (later issues append).
    t.same(cs.rest[0].resource.map((r: Json) => r.type), fhirResourceTypes.map((r) => r.type));
    t.same(cs.rest[0].resource.slice(0, 5).map((r: Json) => r.type), ['Patient', 'Observation', 'Device', 'Location', 'Organization']);
  });

  t.test('Patient: read and search own residents; another organisation gets 404', async (t) => {
    const p = await fhir(t, `/fhir/Patient/${residentA}`, 200);
    t.equal(p.birthDate, '1940-02-29');
    t.same(p.identifier, [{ system: `urn:carehub:hub:${a.hubId}`, value: 'res-7' }]);
    const other = await fhir(t, `/fhir/Patient/${residentA}`, 404, b.keys.clinician);
    t.equal(other.resourceType, 'OperationOutcome');
    await fhir(t, '/fhir/Patient/not-a-uuid', 404);
    const all = await fhir(t, '/fhir/Patient', 200);
    t.same(ids(all).sort(), [`Patient/${residentA}`, `Patient/${residentA2}`].sort(), 'only own residents');
    const byIdentifier = await fhir(t, `/fhir/Patient?identifier=${encodeURIComponent(`urn:carehub:hub:${a.hubId}|res-7`)}`, 200);
    t.same(ids(byIdentifier), [`Patient/${residentA}`]);
    const paged = await fhir(t, '/fhir/Patient?_count=1', 200);
    t.equal(paged.entry.length, 1);
    const second = await fhir(t, next(paged)!, 200);
    t.equal(second.entry.length, 1);
    t.notSame(ids(second), ids(paged), 'next page moves on');
    t.notOk(next(second), 'no next after the last');
  });

  t.test('Observation search: patient, code, date range, _count, _sort=-date, next links', async (t) => {
    const from = new Date(T0 + 10 * 60_000).toISOString();
    const to = new Date(T0 + 19 * 60_000).toISOString();
    const q = `/fhir/Observation?patient=Patient/${residentA}&code=${encodeURIComponent('http://loinc.org|8867-4')}&date=ge${from}&date=le${to}&_count=4&_sort=-date`;
    const seen: Json[] = [];
    let url: string | undefined = q;
    let pages = 0;
    while (url) {
      const page = await fhir(t, url, 200);
      t.equal(page.type, 'searchset');
      t.ok(page.link.find((l: Json) => l.relation === 'self'), 'self link');
      seen.push(...page.entry.map((e: Json) => e.resource));
      url = next(page);
      pages += 1;
    }
    t.equal(pages, 3, '10 matches in pages of 4');
    t.equal(seen.length, 10, 'minutes 10..19 inclusive');
    t.same(seen.map((o) => o.valueQuantity.value), [79, 78, 77, 76, 75, 74, 73, 72, 71, 70], 'newest first');
    t.ok(seen.every((o) => o.meta.profile.includes('http://hl7.org/fhir/StructureDefinition/heartrate')));
    t.equal(seen[0]!.device.reference.startsWith('Device/'), true, 'the registered device is referenced');

    const asc = await fhir(t, `/fhir/Observation?patient=${residentA}&code=8867-4&_sort=date&_count=2`, 200);
    t.same(asc.entry.map((e: Json) => e.resource.valueQuantity.value), [60, 61], '_sort=date: oldest first');
    const spo2 = await fhir(t, `/fhir/Observation?patient=${residentA}&code=${encodeURIComponent('http://loinc.org|2708-6')}&date=2026-03-01T08:05Z`, 200);
    t.same(spo2.entry.map((e: Json) => e.resource.code.coding[0].code), ['59408-5'], 'the oxygensat code finds SpO2; a minute-precise date is that minute');
    // Large pages are counted, not validated again: the validator is slow (about 35 ms an Observation on a loaded machine).
    const day = (await get(`/fhir/Observation?patient=${residentA}&date=2026-03-01&_count=200`)).body;
    t.equal(day.entry.length, MINUTES * 2 + 1, 'a day covers the whole day');
    const none = await fhir(t, `/fhir/Observation?patient=${residentA}&date=lt2026-03-01`, 200);
    t.equal(none.entry.length, 0);
    const read = await fhir(t, `/fhir/Observation/${seen[0]!.id}`, 200);
    t.same(read, seen[0], 'read returns what search returned');
    await fhir(t, `/fhir/Observation/${seen[0]!.id}`, 404, b.keys.clinician);
    const bAll = await fhir(t, '/fhir/Observation?_count=200', 200, b.keys.clinician);
    t.same(bAll.entry.map((e: Json) => e.resource.subject.reference), [`Patient/${residentB}`], 'B sees only its own');
  });

  t.test('bad searches answer 400 with an OperationOutcome naming the parameter', async (t) => {
    for (const q of ['/fhir/Observation?foo=1', '/fhir/Observation?date=yesterday', '/fhir/Observation?date=sa2026-01-01', '/fhir/Observation?_count=0', '/fhir/Observation?_sort=value', '/fhir/Observation?_cursor=garbage', '/fhir/Patient?_sort=-date']) {
      const outcome = await fhir(t, q, 400);
      t.equal(outcome.issue[0].code, 'invalid', q);
    }
    const big = (await get(`/fhir/Observation?patient=${residentA}&_count=100000`)).body;
    t.equal(big.entry.length, MINUTES * 2 + 1, '_count beyond the bound is cut, not refused');
    await fhir(t, '/fhir/Medication', 404);
    await fhir(t, '/fhir/Patient', 405, a.keys.operator, { method: 'POST' });
  });

  t.test('Device, Location, Organization', async (t) => {
    const devices = await fhir(t, `/fhir/Device?patient=${residentA}`, 200);
    t.equal(devices.entry.length, 1);
    const device = await fhir(t, `/fhir/Device/${devices.entry[0].resource.id}`, 200);
    t.equal(device.patient.reference, `Patient/${residentA}`);
    await fhir(t, `/fhir/Device/${device.id}`, 404, b.keys.clinician);
    const locations = await fhir(t, '/fhir/Location', 200);
    t.same(locations.entry.map((e: Json) => e.resource.physicalType.coding[0].code), ['ro', 'bd']);
    const bed = locations.entry[1]!.resource;
    t.equal(bed.partOf.reference, `Location/${locations.entry[0].resource.id}`, 'the bed is part of the room');
    await fhir(t, `/fhir/Location/${bed.id}`, 200);
    await fhir(t, `/fhir/Location/${bed.id}`, 404, b.keys.clinician);
    const orgs = await fhir(t, '/fhir/Organization', 200);
    t.same(orgs.entry.map((e: Json) => e.resource.identifier[0].value), [a.orgId]);
    await fhir(t, `/fhir/Organization/${orgs.entry[0].resource.id}`, 200);
    await fhir(t, `/fhir/Organization/${orgs.entry[0].resource.id}`, 404, b.keys.clinician);
  });

  t.test('Patient/$everything: the patient, its context, its observations in pages', async (t) => {
    const first = await fhir(t, `/fhir/Patient/${residentA}/$everything?_count=50`, 200);
    const types = first.entry.map((e: Json) => e.resource.resourceType);
    t.same(types.slice(0, 5), ['Patient', 'Organization', 'Location', 'Location', 'Device']);
    t.equal(types.filter((x: string) => x === 'Observation').length, 50);
    const rest = (await get(next(first)!)).body;
    t.equal(rest.entry.filter((e: Json) => e.resource.resourceType === 'Observation').length, MINUTES * 2 + 1 - 50);
    t.notOk(next(rest));
    await fhir(t, `/fhir/Patient/${residentA}/$everything`, 404, b.keys.clinician);
    await fhir(t, `/fhir/Patient/${residentA}/$everything?start=2026-01-01`, 400);
    await fhir(t, `/fhir/Patient/${residentA}/$match`, 404);
  });

  t.test('a hospital reads a referred resident only while the referral is open', async (t) => {
    await fhir(t, `/fhir/Patient/${residentA}`, 404, HOSPITAL_KEY);
    await db.query(`INSERT INTO referral_access (id, resident_id, owner_org_id, to_org_id, opened_at) VALUES ('ref-1', $1, $2, 'org-hosp', now())`, [residentA, a.orgId]);
    await fhir(t, `/fhir/Patient/${residentA}`, 200, HOSPITAL_KEY);
    const obsPage = await fhir(t, `/fhir/Observation?patient=${residentA}&_count=5`, 200, HOSPITAL_KEY);
    t.equal(obsPage.entry.length, 5);
    const all = await fhir(t, '/fhir/Patient', 200, HOSPITAL_KEY);
    t.same(ids(all), [`Patient/${residentA}`], 'only the referred resident, not the rest of the home');
    const everything = await fhir(t, `/fhir/Patient/${residentA}/$everything?_count=1`, 200, HOSPITAL_KEY);
    t.same(everything.entry.map((e: Json) => e.resource.resourceType), ['Patient', 'Observation'], "not the home's rooms, devices or organisation");
    const audited = await db.query<{ action: string; target_id: string; actor: Json; detail: Json }>(
      `SELECT action, target_id, actor, detail FROM audit_log WHERE org_id = $1 AND action = 'resident.read' ORDER BY seq`,
      [a.orgId],
    );
    t.same(
      audited.rows.map((r) => [r.target_id, r.actor.orgId, r.detail.interaction]),
      [[residentA, 'org-hosp', 'read'], [residentA, 'org-hosp', 'search'], [residentA, 'org-hosp', 'search'], [residentA, 'org-hosp', 'everything']],
      "each read by the hospital is in the home's audit chain",
    );
    await db.query(`UPDATE referral_access SET closed_at = now() WHERE id = 'ref-1'`);
    await fhir(t, `/fhir/Patient/${residentA}`, 404, HOSPITAL_KEY);
    const after = await fhir(t, `/fhir/Observation?patient=${residentA}`, 200, HOSPITAL_KEY);
    t.equal(after.entry.length, 0, 'closed: nothing at once');
  });

  t.test('every FHIR route with every role: operator, clinician, auditor read; pharmacist 403; no key 401', async (t) => {
    const first = await get(`/fhir/Observation?patient=${residentA}&_count=1`);
    const routes = [
      '/fhir/Patient',
      `/fhir/Patient/${residentA}`,
      `/fhir/Patient/${residentA}/$everything`,
      '/fhir/Observation',
      `/fhir/Observation/${first.body.entry[0].resource.id}`,
      '/fhir/Device',
      '/fhir/Location',
      '/fhir/Organization',
    ];
    for (const path of routes) {
      for (const role of ROLES) {
        const expected = role === 'pharmacist' ? 403 : 200;
        const res = await get(path, a.keys[role]);
        t.equal(res.status, expected, `${role} ${path}`);
        t.equal(res.type, 'application/fhir+json');
        if (expected === 403) t.equal(res.body.issue[0].code, 'forbidden', `${role} ${path}: OperationOutcome`);
      }
      const anonymous = await get(path, null);
      t.equal(anonymous.status, 401, `no key ${path}`);
      t.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
      t.equal(anonymous.body.resourceType, 'OperationOutcome');
    }
  });

  t.test('a reading a hub sends through /v1/ingest is served as a valid vital-sign Observation', async (t) => {
    const sent = { ...reading(a.hubId, 1), residentId: 'res-7', payload: { metric: 'heart-rate' as const, loinc: '8867-4', value: 123, unit: '/min' } };
    const res = await app.request('http://relay.test/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.hubToken}` },
      body: JSON.stringify(batch(a.hubId, [sent])),
    });
    t.equal(res.status, 200, 'ingested');
    const found = await fhir(t, `/fhir/Observation/${sent.id}-heart-rate`, 200);
    t.match(found, { subject: { reference: `Patient/${residentA}` }, valueQuantity: { value: 123, code: '/min' }, effectiveDateTime: sent.hubTime });
  });
}
