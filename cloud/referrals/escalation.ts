/**
 * Escalation (docs/referrals.md#escalation): a sent referral of priority urgent, asap or stat that
 * the hospital has not accepted within its time becomes a notification row for the referring home's
 * on-call operator (referral_escalations, no paging) plus an entry in the home's audit chain. Run by
 * the scheduler (cloud/jobs/registry.ts); the primary key on referral_id makes a repeated or
 * taken-over run escalate nothing twice. Due-ness is decided by ctx.now, the database's time.
 */
import { z } from 'zod';
import { appendAudit } from '../audit/append.ts';
import type { Job } from '../jobs/registry.ts';
import type { Queryable } from '../store/database.ts';

/** Minutes a sent referral may wait for acceptance, per priority; routine never escalates. */
export const EscalationLimits = z.strictObject({
  urgent: z.number().int().positive(),
  asap: z.number().int().positive(),
  stat: z.number().int().positive(),
});
export type EscalationLimits = z.infer<typeof EscalationLimits>;
export const DEFAULT_ESCALATION_LIMITS: EscalationLimits = { urgent: 240, asap: 60, stat: 15 };

/** `CAREHUB_REFERRAL_ESCALATION_MINUTES='{"urgent":240,"asap":60,"stat":15}'`; a bad value fails at start-up. */
export function escalationLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): EscalationLimits {
  const raw = env.CAREHUB_REFERRAL_ESCALATION_MINUTES;
  if (raw === undefined || raw === '') return DEFAULT_ESCALATION_LIMITS;
  return EscalationLimits.parse({ ...DEFAULT_ESCALATION_LIMITS, ...JSON.parse(raw) });
}

/** Escalates what is overdue at `now`; answers the referral ids escalated by this call. */
export async function escalateOverdue(tx: Queryable, now: Date, limits: EscalationLimits): Promise<Array<{ referralId: string; orgId: string; priority: string }>> {
  const { rows } = await tx.query<{ referral_id: string; org_id: string; priority: string }>(
    `WITH due AS (
       SELECT r.id, r.home_org_id, r.priority FROM referrals r
       JOIN jsonb_each_text($2::jsonb) AS lim (priority, minutes) ON lim.priority = r.priority
       WHERE r.direction = 'referral' AND r.state IN ('requested', 'received')
         AND r.requested_at <= $1::timestamptz - make_interval(mins => lim.minutes::int))
     INSERT INTO referral_escalations (referral_id, org_id, escalated_at)
     SELECT id, home_org_id, $1::timestamptz FROM due ORDER BY id
     ON CONFLICT (referral_id) DO NOTHING
     RETURNING referral_id, org_id, (SELECT priority FROM due WHERE due.id = referral_id) AS priority`,
    [now.toISOString(), JSON.stringify(limits)],
  );
  // One entry per escalated referral; ordered by org so two runs lock chain heads in the same order.
  const made = rows.map((r) => ({ referralId: r.referral_id, orgId: r.org_id, priority: r.priority })).sort((a, b) => a.orgId.localeCompare(b.orgId) || a.referralId.localeCompare(b.referralId));
  for (const e of made) {
    await appendAudit(tx, {
      orgId: e.orgId,
      actor: { kind: 'system', id: 'referral-escalation' },
      action: 'referral.escalate',
      targetType: 'referral',
      targetId: e.referralId,
      detail: { priority: e.priority, notify: 'on-call-operator' },
      at: now,
    });
  }
  return made;
}

export function createEscalationJob(limits: EscalationLimits = escalationLimitsFromEnv()): Job {
  return {
    id: 'referral-escalation',
    schedule: '* * * * *',
    async run({ db, now, logger }) {
      const made = await db.transaction((tx) => escalateOverdue(tx, now, limits));
      if (made.length > 0) logger.warn({ escalated: made.length }, 'referrals escalated to the on-call operator');
      return { done: made.length };
    },
  };
}
