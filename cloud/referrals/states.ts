/**
 * The referral state machine (docs/referrals.md#states), after FHIR's Task workflow. Pure: no SQL, no
 * Hono. A referral has a sender and a receiver: for a referral the care home sends and the hospital
 * receives; for a back-referral it is the other way round, so the same table serves both.
 */
import type { Role } from '../tenancy/context.ts';

export const REFERRAL_STATES = ['draft', 'requested', 'received', 'accepted', 'rejected', 'in-progress', 'completed', 'cancelled'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];
export const REFERRAL_PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
export type ReferralPriority = (typeof REFERRAL_PRIORITIES)[number];
export type ReferralDirection = 'referral' | 'back-referral';
export type Side = 'sender' | 'receiver';

interface Rule {
  from: ReferralState;
  to: ReferralState;
  side: Side;
  roles: readonly Role[];
  needsAppointment?: boolean;
}

/** Every legal move; anything not listed is 409. Only clinicians move referrals (issue 10, Access). */
const CLINICIAN: readonly Role[] = ['clinician'];
export const TRANSITIONS: readonly Rule[] = [
  { from: 'draft', to: 'requested', side: 'sender', roles: CLINICIAN },
  { from: 'draft', to: 'cancelled', side: 'sender', roles: CLINICIAN },
  { from: 'requested', to: 'received', side: 'receiver', roles: CLINICIAN },
  { from: 'received', to: 'accepted', side: 'receiver', roles: CLINICIAN },
  { from: 'received', to: 'rejected', side: 'receiver', roles: CLINICIAN },
  { from: 'accepted', to: 'in-progress', side: 'receiver', roles: CLINICIAN, needsAppointment: true },
  { from: 'in-progress', to: 'completed', side: 'receiver', roles: CLINICIAN },
  // The sender may withdraw until the work is done.
  { from: 'requested', to: 'cancelled', side: 'sender', roles: CLINICIAN },
  { from: 'received', to: 'cancelled', side: 'sender', roles: CLINICIAN },
  { from: 'accepted', to: 'cancelled', side: 'sender', roles: CLINICIAN },
  { from: 'in-progress', to: 'cancelled', side: 'sender', roles: CLINICIAN },
];

/** States in which the receiving hospital reads the resident's records (the referral is the access). */
export const OPEN_STATES: ReadonlySet<ReferralState> = new Set(['requested', 'received', 'accepted', 'in-progress']);
export const FINAL_STATES: ReadonlySet<ReferralState> = new Set(['rejected', 'completed', 'cancelled']);

export interface TransitionRequest {
  state: ReferralState;
  to: ReferralState;
  side: Side;
  role: Role;
  appointmentAt?: string | undefined;
}

export type TransitionVerdict = { ok: true } | { ok: false; reason: string };

export function decideTransition(r: TransitionRequest): TransitionVerdict {
  const rule = TRANSITIONS.find((t) => t.from === r.state && t.to === r.to);
  if (rule === undefined) {
    const legal = TRANSITIONS.filter((t) => t.from === r.state).map((t) => t.to);
    return { ok: false, reason: `A referral cannot go from ${r.state} to ${r.to}${legal.length > 0 ? ` (from ${r.state}: ${[...new Set(legal)].join(', ')})` : ` (${r.state} is final)`}` };
  }
  if (rule.side !== r.side) return { ok: false, reason: `Only the ${rule.side} of the referral moves it from ${r.state} to ${r.to}` };
  if (!rule.roles.includes(r.role)) return { ok: false, reason: `Moving a referral from ${r.state} to ${r.to} needs role ${rule.roles.join(' or ')}` };
  if (rule.needsAppointment === true && r.appointmentAt === undefined) return { ok: false, reason: `Booking (${r.to}) needs appointmentAt` };
  return { ok: true };
}

/** Which side of a referral an organisation is on, or undefined when it is neither. */
export function sideOf(direction: ReferralDirection, orgId: string, homeOrgId: string, hospitalOrgId: string | null): Side | undefined {
  const senderOrg = direction === 'referral' ? homeOrgId : hospitalOrgId;
  const receiverOrg = direction === 'referral' ? hospitalOrgId : homeOrgId;
  if (orgId === senderOrg) return 'sender';
  if (orgId === receiverOrg) return 'receiver';
  return undefined;
}
