/**
 * ServiceRequest ← referrals (docs/referrals.md#fhir): what was asked of whom. The workflow state
 * is the Task (task.ts) with the same id; here only ServiceRequest's coarser status.
 */
import { VISIBLE } from '../../resources/referrals/repo.ts';
import type { ReferralState } from '../../referrals/states.ts';
import type { FhirResource, FhirResourceType } from '../types.ts';
import { idPagedResourceType } from '../id-paged.ts';
import { organizationReference } from './organization.ts';


export interface ReferralFhirRow {
  id: string;
  direction: 'referral' | 'back-referral';
  home_org_id: string;
  hospital_org_id: string | null;
  resident_id: string;
  based_on_id: string | null;
  state: ReferralState;
  priority: string;
  reason: string;
  service: string;
  discharge_notes: string | null;
  follow_up_plan: string | null;
  appointment_at: Date | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** ServiceRequest.status (http://hl7.org/fhir/R4/valueset-request-status.html). */
const STATUS: Record<ReferralState, string> = {
  draft: 'draft',
  requested: 'active',
  received: 'active',
  accepted: 'active',
  'in-progress': 'active',
  completed: 'completed',
  // Refused by the receiver or withdrawn by the sender: the request no longer stands.
  rejected: 'revoked',
  cancelled: 'revoked',
};

export function senderAndReceiver(r: ReferralFhirRow): { sender: string | null; receiver: string | null } {
  return r.direction === 'referral' ? { sender: r.home_org_id, receiver: r.hospital_org_id } : { sender: r.hospital_org_id, receiver: r.home_org_id };
}

export function toServiceRequest(r: ReferralFhirRow): FhirResource {
  const { sender, receiver } = senderAndReceiver(r);
  const notes = [r.discharge_notes && `Discharge notes: ${r.discharge_notes}`, r.follow_up_plan && `Follow-up plan: ${r.follow_up_plan}`].filter((x): x is string => typeof x === 'string');
  return {
    resourceType: 'ServiceRequest',
    id: r.id,
    status: STATUS[r.state],
    intent: 'order',
    category: [{ text: r.direction }],
    priority: r.priority,
    code: { text: r.service },
    subject: { reference: `Patient/${r.resident_id}` },
    authoredOn: new Date(r.created_at).toISOString(),
    ...(sender !== null && { requester: organizationReference(sender) }),
    ...(receiver !== null && { performer: [organizationReference(receiver)] }),
    reasonCode: [{ text: r.reason }],
    ...(r.based_on_id !== null && { basedOn: [{ reference: `ServiceRequest/${r.based_on_id}` }] }),
    ...(notes.length > 0 && { note: notes.map((text) => ({ text })) }),
  };
}

export const SELECT_REFERRAL = `SELECT r.id, r.direction, r.home_org_id, r.hospital_org_id, r.resident_id, r.based_on_id, r.state, r.priority, r.reason, r.service,
  r.discharge_notes, r.follow_up_plan, r.appointment_at, r.created_by, r.created_at, r.updated_at FROM referrals r WHERE ${VISIBLE}`;

/** read and search over the caller's visible referrals, mapped by `map` (shared with Task). */
export function referralBacked(type: string, map: (r: ReferralFhirRow) => FhirResource): FhirResourceType {
  return idPagedResourceType<ReferralFhirRow>(type, SELECT_REFERRAL, 'r.id', map);
}

export const serviceRequest: FhirResourceType = referralBacked('ServiceRequest', toServiceRequest);
