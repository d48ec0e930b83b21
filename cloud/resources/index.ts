/**
 * The REST resource registry (docs/architecture.md#the-seams): one folder per resource under
 * cloud/resources/, one entry here. test/cloud/resources-registry.test.ts
 * fails when a folder is missing from this list or two entries share an id.
 */
import { alarms } from './alarms/routes.ts';
import { audit } from './audit/routes.ts';
import { apiKeys } from './api-keys/routes.ts';
import { hubs } from './hubs/routes.ts';
import { downlink } from './downlink/routes.ts';
import { fhir } from './fhir/routes.ts';
import { ingest } from './ingest/routes.ts';
import { observations } from './observations/routes.ts';
import { residents } from './residents/routes.ts';
import { rooms } from './rooms/routes.ts';
import { devices } from './devices/routes.ts';
import { careNotes } from './care-notes/routes.ts';
import { referrals } from './referrals/routes.ts';
import { prescriptions } from './prescriptions/routes.ts';
import { deliveries } from './deliveries/routes.ts';
import type { Resource } from './types.ts';

export const resources: readonly Resource[] = [ingest, alarms, downlink, hubs, residents, observations, rooms, devices, careNotes, referrals, prescriptions, deliveries, apiKeys, audit, fhir];
