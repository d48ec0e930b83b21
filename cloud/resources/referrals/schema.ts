/** Referrals at the REST boundary (docs/referrals.md). Free text travels as `note`-like fields kept out of logs and audit. */
import { z } from 'zod';
import { REFERRAL_PRIORITIES, REFERRAL_STATES } from '../../referrals/states.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

export const ReferralInput = z
  .strictObject({
    residentId: z.uuid(),
    hospitalOrgId: text(200),
    reason: text(2_000),
    priority: z.enum(REFERRAL_PRIORITIES),
    service: text(200).describe('The requested service, e.g. "cardiology" or "orthogeriatrics"'),
    draft: z.boolean().default(false).describe('true: keep it as a draft (not sent, no evidence yet, the hospital does not see it)'),
  })
  .meta({ id: 'ReferralInput' });
export type ReferralInput = z.infer<typeof ReferralInput>;

export const BackReferralInput = z
  .strictObject({
    reason: text(2_000),
    priority: z.enum(REFERRAL_PRIORITIES).default('routine'),
    service: text(200).describe('e.g. "rehabilitation" or "follow-up"'),
    dischargeNotes: text(20_000),
    followUpPlan: text(20_000),
  })
  .meta({ id: 'BackReferralInput' });
export type BackReferralInput = z.infer<typeof BackReferralInput>;

export const TransitionInput = z
  .strictObject({
    to: z.enum(REFERRAL_STATES),
    appointmentAt: z.iso.datetime({ offset: true }).optional().describe('Required when booking (to: in-progress)'),
    note: text(2_000).optional(),
    hospitalOrgId: text(200).optional().describe('Sending a draft (to: requested): the hospital, if the draft has none or should go elsewhere'),
  })
  .meta({ id: 'ReferralTransitionInput' });
export type TransitionInput = z.infer<typeof TransitionInput>;

export const ReferralTransition = z.object({
  from: z.enum(REFERRAL_STATES).nullable(),
  to: z.enum(REFERRAL_STATES),
  by: z.string().describe('API key'),
  byOrgId: z.string(),
  note: z.string().nullable(),
  at: z.string(),
});

export const Referral = z
  .object({
    id: z.string(),
    direction: z.enum(['referral', 'back-referral']),
    homeOrgId: z.string(),
    hospitalOrgId: z.string().nullable().describe('null on a draft proposed from a hub alarm until a clinician chooses'),
    residentId: z.string(),
    basedOn: z.string().nullable(),
    state: z.enum(REFERRAL_STATES),
    priority: z.enum(REFERRAL_PRIORITIES),
    reason: z.string(),
    service: z.string(),
    dischargeNotes: z.string().nullable(),
    followUpPlan: z.string().nullable(),
    proposedBy: z.enum(['person', 'hub-alarm']),
    sourceAlarmId: z.string().nullable(),
    evidence: z.unknown().nullable().describe('Snapshot taken when sent: last 24 h of vitals, NEWS2 history, recent alarms'),
    appointmentAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    requestedAt: z.string().nullable(),
    updatedAt: z.string(),
    version: z.number().int(),
    transitions: z.array(ReferralTransition),
  })
  .meta({ id: 'Referral' });
export type Referral = z.infer<typeof Referral>;

export const ReferralList = z.object({ items: z.array(Referral.omit({ transitions: true, evidence: true })), nextCursor: z.string().nullable() });
export const ReferralParams = z.object({ id: z.uuid() });
export const ReferralQuery = z.strictObject({
  state: z.enum(REFERRAL_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
