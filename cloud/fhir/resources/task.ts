/**
 * Task ← referrals (docs/referrals.md#fhir): the referral's workflow. Our states are FHIR's Task
 * statuses one for one; focus is the ServiceRequest of the same id, owner the receiving organisation.
 */
import type { FhirResource, FhirResourceType } from '../types.ts';
import { organizationReference } from './organization.ts';
import { referralBacked, senderAndReceiver, type ReferralFhirRow } from './service-request.ts';

export function toTask(r: ReferralFhirRow): FhirResource {
  const { sender, receiver } = senderAndReceiver(r);
  return {
    resourceType: 'Task',
    id: r.id,
    status: r.state,
    intent: 'order',
    priority: r.priority,
    code: { text: r.direction },
    focus: { reference: `ServiceRequest/${r.id}` },
    for: { reference: `Patient/${r.resident_id}` },
    authoredOn: new Date(r.created_at).toISOString(),
    lastModified: new Date(r.updated_at).toISOString(),
    ...(sender !== null && { requester: organizationReference(sender) }),
    ...(receiver !== null && { owner: organizationReference(receiver) }),
    // The booked appointment: when the work is to start.
    ...(r.appointment_at !== null && { executionPeriod: { start: new Date(r.appointment_at).toISOString() } }),
  };
}

export const task: FhirResourceType = referralBacked('Task', toTask);
