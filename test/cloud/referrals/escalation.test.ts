/** Escalation of urgent/asap/stat referrals not accepted in time, with a fake clock (ctx.now). */
import t from 'tap';
import { pino } from 'pino';
import { applyBootstrap } from '../../../cloud/store/bootstrap.ts';
import { createEscalationJob, escalationLimitsFromEnv } from '../../../cloud/referrals/escalation.ts';
import { JOBS } from '../../../cloud/jobs/registry.ts';
import { openMigratedPglite } from '../../support/pglite-template.ts';

const db = await openMigratedPglite();
t.teardown(() => db.close());
await applyBootstrap(db, { orgs: [{ id: 'home', name: 'Home', kind: 'care-home' }, { id: 'hosp', name: 'General', kind: 'hospital' }], hubs: [], apiKeys: [] });
const RESIDENT = '01900000-0000-7000-8000-00000000e501';
await db.query(`INSERT INTO residents (id, org_id, family_name, given_name, birth_date) VALUES ($1, 'home', 'Esc', 'Al', '1930-01-01')`, [RESIDENT]);

const NOW = new Date('2026-06-01T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();
let n = 0;
async function referral(priority: string, state: string, requestedMinutesAgo: number): Promise<string> {
  n += 1;
  const id = `01900000-0000-7000-8000-0000000e${String(n).padStart(4, '0')}`;
  await db.query(
    `INSERT INTO referrals (id, direction, home_org_id, hospital_org_id, resident_id, state, priority, reason, service, created_by, created_at, requested_at, updated_at)
     VALUES ($1, 'referral', 'home', 'hosp', $2, $3, $4, 'r', 's', 'k', $5, $5, $5)`,
    [id, RESIDENT, state, priority, minutesAgo(requestedMinutesAgo)],
  );
  return id;
}

t.test('overdue urgent and stat escalate once; in time, accepted or routine do not', async (t) => {
  const urgentLate = await referral('urgent', 'received', 241);
  await referral('urgent', 'requested', 239);
  const statLate = await referral('stat', 'requested', 16);
  await referral('stat', 'requested', 14);
  await referral('stat', 'accepted', 600);
  await referral('routine', 'requested', 100_000);
  const job = createEscalationJob({ urgent: 240, asap: 60, stat: 15 });
  const logger = pino({ level: 'silent' });
  t.same(await job.run({ db, now: NOW, logger }), { done: 2 });
  const rows = await db.query<{ referral_id: string; org_id: string; escalated_at: Date }>('SELECT referral_id, org_id, escalated_at FROM referral_escalations ORDER BY referral_id');
  t.same(rows.rows.map((r) => [r.referral_id, r.org_id, new Date(r.escalated_at).toISOString()]), [[urgentLate, 'home', NOW.toISOString()], [statLate, 'home', NOW.toISOString()]]);
  const audit = await db.query<{ target_id: string }>(`SELECT target_id FROM audit_log WHERE org_id = 'home' AND action = 'referral.escalate' ORDER BY seq`);
  t.same(audit.rows.map((r) => r.target_id).sort(), [urgentLate, statLate].sort(), "each escalation is in the home's audit chain");
  t.same(await job.run({ db, now: NOW, logger }), { done: 0 }, 'a repeated run escalates nothing twice');
  t.same(await job.run({ db, now: new Date(NOW.getTime() + 2 * 60_000), logger }), { done: 2 }, 'two minutes later the urgent one at 239 min and the stat one at 14 min are due too');
});

t.test('limits come from the environment, validated', async (t) => {
  t.same(escalationLimitsFromEnv({ CAREHUB_REFERRAL_ESCALATION_MINUTES: '{"stat":5}' }), { urgent: 240, asap: 60, stat: 5 });
  t.throws(() => escalationLimitsFromEnv({ CAREHUB_REFERRAL_ESCALATION_MINUTES: '{"stat":-1}' }));
  t.ok(JOBS.some((j) => j.id === 'referral-escalation'), 'registered with the scheduler');
});
