/**
 * The FHIR facade's resource types (docs/fhir.md#adding-a-resource-type): one file under
 * cloud/fhir/resources/, one line here. test/cloud/fhir/registry.test.ts fails when a file is
 * missing from this list or two entries share a type.
 */
import { device } from './resources/device.ts';
import { location } from './resources/location.ts';
import { medicationDispense } from './resources/medication-dispense.ts';
import { medicationRequest } from './resources/medication-request.ts';
import { observation } from './resources/observation.ts';
import { organization } from './resources/organization.ts';
import { patient } from './resources/patient.ts';
import { serviceRequest } from './resources/service-request.ts';
import { task } from './resources/task.ts';
import type { FhirResourceType } from './types.ts';

export const fhirResourceTypes: readonly FhirResourceType[] = [patient, observation, device, location, organization, medicationRequest, medicationDispense, serviceRequest, task];

export function fhirTypeNamed(type: string): FhirResourceType | undefined {
  return fhirResourceTypes.find((t) => t.type === type);
}
