/**
 * Which roles each records route admits (docs/records.md#roles). Clinicians and operators read and
 * write residents' records; an auditor reads them and writes nothing; a pharmacist sees none of them
 * (a pharmacy gets the prescriptions sent to it, with the pharmacy issue).
 */
import type { Role } from '../../tenancy/context.ts';

/** Residents, rooms, beds, devices, care notes and vitals: read. */
export const RECORD_READ_ROLES: Role[] = ['operator', 'clinician', 'auditor'];
/** Residents and care notes: create and update. */
export const CLINICAL_WRITE_ROLES: Role[] = ['operator', 'clinician'];
/** Rooms, beds and devices (the building and its equipment): create and update. */
export const SITE_WRITE_ROLES: Role[] = ['operator'];
