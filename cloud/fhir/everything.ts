/**
 * Patient/{id}/$everything (http://hl7.org/fhir/R4/patient-operation-everything.html): the patient,
 * then, on the first page, its organisation, room and bed, and the devices bound to it, then its
 * Observations newest first, `_count` a page with next links. What the caller cannot read (a hospital
 * reading a referred resident does not see the care home's rooms or devices) is left out.
 */
import type { ScopedDb } from '../tenancy/context.ts';
import type { BundleEntryInput } from './bundle.ts';
import { FhirError } from './outcome.ts';
import { device } from './resources/device.ts';
import { bedLocationId, location, roomLocationId } from './resources/location.ts';
import { observation } from './resources/observation.ts';
import { isResidentId, patient } from './resources/patient.ts';
import { organization } from './resources/organization.ts';
import { residentVisibleSql } from './visibility.ts';
import type { SearchRequest } from './types.ts';

export async function patientEverything(db: ScopedDb, patientId: string, page: Pick<SearchRequest, 'count' | 'cursor'>): Promise<{ entries: BundleEntryInput[]; nextCursor?: string }> {
  const found = isResidentId(patientId) ? await patient.read(db, patientId) : undefined;
  if (!found) throw new FhirError(404, 'not-found', `Patient/${patientId} is not known`);
  const entries: BundleEntryInput[] = [{ resource: found, mode: 'match' }];
  if (page.cursor === undefined) {
    const { rows } = await db.query<{ org_id: string; room_id: string | null; bed_id: string | null }>(
      `SELECT r.org_id, r.room_id, r.bed_id FROM residents r WHERE ${residentVisibleSql(db.caller, 'r')} AND r.id = $1::uuid`,
      [patientId],
    );
    const placed = rows[0];
    if (placed) {
      const org = (await organization.search(db, { params: new Map(), count: 1, sort: undefined, cursor: undefined })).resources.filter(
        (o) => (found.managingOrganization as { reference: string }).reference === `Organization/${o.id}`,
      );
      const places = [placed.room_id && roomLocationId(placed.org_id, placed.room_id), placed.bed_id && bedLocationId(placed.org_id, placed.bed_id)];
      const locations = await Promise.all(places.filter((id): id is string => typeof id === 'string').map((id) => location.read(db, id)));
      const devices = await device.search(db, { params: new Map([['patient', [patientId]]]), count: 1000, sort: undefined, cursor: undefined });
      for (const resource of [...org, ...locations.filter((l) => l !== undefined), ...devices.resources]) entries.push({ resource, mode: 'include' });
    }
  }
  const observations = await observation.search(db, { params: new Map([['patient', [patientId]]]), count: page.count, sort: '-date', cursor: page.cursor });
  for (const resource of observations.resources) entries.push({ resource, mode: 'match' });
  return { entries, ...(observations.nextCursor !== undefined && { nextCursor: observations.nextCursor }) };
}
