/**
 * Referrals (docs/referrals.md): create (send or keep as draft), back-refer, move through the state
 * machine (cloud/referrals/states.ts), read. Each change records who and when, opens or closes the
 * hospital's access to the resident in the same transaction, and appends to the home's audit chain
 * last. No Hono here.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { uuidv7 } from '../../../protocols/uuidv7.ts';
import { appendAudit } from '../../audit/append.ts';
import { ProblemError } from '../../errors.ts';
import { takeEvidence } from '../../referrals/evidence.ts';
import { decideTransition, FINAL_STATES, OPEN_STATES, sideOf, type ReferralState } from '../../referrals/states.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { decodeCursor, encodeCursor } from '../residents/cursor.ts';
import { findResident } from '../residents/repo.ts';
import { closeAccess, findReferral, insertReferral, insertTransition, listReferrals, openAccess, updateState, type NewReferral } from './repo.ts';
import type { BackReferralInput, Referral, ReferralInput, TransitionInput } from './schema.ts';

export interface ReferralActor {
  keyId: string;
  orgId: string;
  kind: 'api-key' | 'hub';
}

/** Moves a locked referral; shared by the REST route and nothing else writes `state`. */
async function applyTransition(tx: Queryable, current: Referral, to: ReferralState, actor: ReferralActor, opts: { appointmentAt?: string; note?: string }, at: Date): Promise<void> {
  const evidence = to === 'requested' && current.direction === 'referral' ? await takeEvidence(tx, current.homeOrgId, current.residentId, at) : undefined;
  await updateState(tx, current.id, to, current.hospitalOrgId, opts.appointmentAt, evidence, at);
  await insertTransition(tx, current.id, current.state, to, actor.keyId, actor.orgId, opts.note ?? null, at);
  // The referral is the access (docs/access.md): only a referral to a hospital opens the resident's records.
  if (current.direction === 'referral') {
    if (OPEN_STATES.has(to) && !OPEN_STATES.has(current.state)) await openAccess(tx, current.id, current.residentId, current.homeOrgId, current.hospitalOrgId!, at);
    if (FINAL_STATES.has(to)) await closeAccess(tx, current.id, at);
  }
  // Last: the chain head stays locked until COMMIT. The home owns the resident, so its chain gets it.
  await appendAudit(tx, {
    orgId: current.homeOrgId,
    actor: { kind: actor.kind, id: actor.keyId, orgId: actor.orgId },
    action: 'referral.transition',
    targetType: 'referral',
    targetId: current.id,
    detail: { direction: current.direction, from: current.state, to, ...(opts.appointmentAt !== undefined ? { appointmentAt: opts.appointmentAt } : {}) },
  });
}

/** A hospital other than the home, or a 400 naming the field. */
async function requireHospital(q: Queryable, caller: Caller, hospitalOrgId: string): Promise<void> {
  const hospital = await scoped(q, caller).query<{ kind: string }>('SELECT kind FROM orgs WHERE id = $1 AND id <> $org', [hospitalOrgId]);
  if (hospital.rows[0]?.kind !== 'hospital') throw new ProblemError('invalid-request', `hospitalOrgId ${hospitalOrgId} is not a hospital`, { errors: [{ path: 'hospitalOrgId', message: 'not a hospital' }] });
}

export function createReferralsService({ db, now }: { db: Database; now: () => Date }) {
  const newId = (at: Date) => uuidv7(at.getTime(), randomBytes(10));

  async function createIn(tx: Queryable, n: NewReferral, actor: ReferralActor, send: boolean, at: Date): Promise<boolean> {
    if (!(await insertReferral(tx, n, at))) return false;
    await insertTransition(tx, n.id, null, 'draft', actor.keyId, actor.orgId, null, at);
    // Read back as the sender (the draft is visible to its sender only).
    const draft = (await findReferral(scoped(tx, { orgId: actor.orgId, orgKind: n.direction === 'referral' ? 'care-home' : 'hospital', role: 'clinician', keyId: actor.keyId }), n.id))!;
    if (send) await applyTransition(tx, draft, 'requested', actor, {}, at);
    else
      await appendAudit(tx, {
        orgId: n.homeOrgId,
        actor: { kind: actor.kind, id: actor.keyId, orgId: actor.orgId },
        action: 'referral.create',
        targetType: 'referral',
        targetId: n.id,
        detail: { direction: n.direction, proposedBy: n.proposedBy },
      });
    return true;
  }

  return {
    /** A care home's clinician refers one of its residents to a hospital. */
    create(caller: Caller, input: ReferralInput): Promise<Referral> {
      if (caller.orgKind !== 'care-home') throw new ProblemError('conflict', 'Only a care home refers a resident; a hospital sends a back-referral (POST /v1/referrals/{id}/back-referrals)');
      return db.transaction(async function createReferral(tx) {
        const s = scoped(tx, caller);
        if ((await findResident(s, input.residentId)) === undefined) throw new ProblemError('not-found', `No resident ${input.residentId}`);
        await requireHospital(tx, caller, input.hospitalOrgId);
        const at = now();
        const id = newId(at);
        const actor: ReferralActor = { keyId: caller.keyId, orgId: caller.orgId, kind: 'api-key' };
        await createIn(tx, { id, direction: 'referral', homeOrgId: caller.orgId, hospitalOrgId: input.hospitalOrgId, residentId: input.residentId, basedOn: null, priority: input.priority, reason: input.reason, service: input.service, dischargeNotes: null, followUpPlan: null, proposedBy: 'person', sourceAlarmId: null, createdBy: caller.keyId }, actor, !input.draft, at);
        return (await findReferral(s, id))!;
      });
    },

    /** The hospital of a referral it booked or completed refers the resident back to the home. */
    backRefer(caller: Caller, parentId: string, input: BackReferralInput): Promise<Referral> {
      return db.transaction(async function backRefer(tx) {
        const s = scoped(tx, caller);
        const parent = await findReferral(s, parentId, true);
        if (parent === undefined) throw new ProblemError('not-found', `No referral ${parentId}`);
        if (parent.direction !== 'referral' || parent.hospitalOrgId !== caller.orgId) throw new ProblemError('conflict', 'Only the hospital a referral was sent to refers the resident back');
        if (parent.state !== 'in-progress' && parent.state !== 'completed') throw new ProblemError('conflict', `A back-referral follows a booked or completed referral; this one is ${parent.state}`);
        const at = now();
        const id = newId(at);
        await createIn(tx, { id, direction: 'back-referral', homeOrgId: parent.homeOrgId, hospitalOrgId: caller.orgId, residentId: parent.residentId, basedOn: parent.id, priority: input.priority, reason: input.reason, service: input.service, dischargeNotes: input.dischargeNotes, followUpPlan: input.followUpPlan, proposedBy: 'person', sourceAlarmId: null, createdBy: caller.keyId }, { keyId: caller.keyId, orgId: caller.orgId, kind: 'api-key' }, true, at);
        return (await findReferral(s, id))!;
      });
    },

    transition(caller: Caller, id: string, input: TransitionInput): Promise<Referral> {
      return db.transaction(async function moveReferral(tx) {
        const s = scoped(tx, caller);
        const current = await findReferral(s, id, true);
        if (current === undefined) throw new ProblemError('not-found', `No referral ${id}`);
        const side = sideOf(current.direction, caller.orgId, current.homeOrgId, current.hospitalOrgId)!;
        const verdict = decideTransition({ state: current.state, to: input.to, side, role: caller.role, appointmentAt: input.appointmentAt });
        if (!verdict.ok) throw new ProblemError('conflict', verdict.reason);
        if (input.hospitalOrgId !== undefined) {
          if (current.state !== 'draft' || current.direction !== 'referral') throw new ProblemError('conflict', 'The hospital is chosen when a draft referral is sent, not later');
          await requireHospital(tx, caller, input.hospitalOrgId);
          current.hospitalOrgId = input.hospitalOrgId;
        }
        if (input.to === 'requested' && current.hospitalOrgId === null) throw new ProblemError('conflict', 'Choose the hospital (hospitalOrgId) to send this proposed referral to');
        await applyTransition(tx, current, input.to, { keyId: caller.keyId, orgId: caller.orgId, kind: 'api-key' }, { ...(input.appointmentAt !== undefined ? { appointmentAt: input.appointmentAt } : {}), ...(input.note !== undefined ? { note: input.note } : {}) }, now());
        return (await findReferral(s, id))!;
      });
    },

    async get(q: Queryable, caller: Caller, id: string): Promise<Referral> {
      const found = await findReferral(scoped(q, caller), id);
      if (found === undefined) throw new ProblemError('not-found', `No referral ${id}`);
      return found;
    },

    async list(q: Queryable, caller: Caller, state: ReferralState | undefined, limit: number, cursor: string | undefined) {
      const items = await listReferrals(scoped(q, caller), state, decodeCursor(cursor, z.uuid()), limit);
      return { items: items.map(({ transitions: _t, evidence: _e, ...rest }) => rest), nextCursor: items.length === limit ? encodeCursor(items.at(-1)!.id) : null };
    },
  };
}
export type ReferralsService = ReturnType<typeof createReferralsService>;
