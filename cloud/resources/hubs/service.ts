/**
 * Provisioning (docs/provisioning.md): operators create hubs and claim codes, rotate and revoke
 * credentials; a hub exchanges a claim code for its credential and learns where its seq goes on.
 * No Hono here.
 */
import { randomBytes } from 'node:crypto';
import { formatClaimCode, normaliseClaimCode, CLAIM_CODE_LENGTH, type ClaimAnswer, type ClaimRequest } from '../../../protocols/claim-code.ts';
import { sha256Hex } from '../../crypto.ts';
import { ProblemError } from '../../errors.ts';
import type { AuthenticatedHub, Principal } from '../../http/env.ts';
import type { Logger } from '../../logger.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { hubClock } from '../../store/hub-clock.ts';
import {
  expireCredentials,
  highestStoredSeq,
  insertClaim,
  insertCredential,
  insertHub,
  listHubs,
  lockClaim,
  lockHub,
  markClaimUsed,
  missingRanges,
  readHub,
  setRevoked,
  startEpoch,
  type LockedHub,
} from './repo.ts';
import type { ClaimCodeAnswer, HubList, HubRecord, RotateAnswer } from './schema.ts';

export interface HubsServiceOptions {
  db: Database;
  now: () => Date;
  logger: Logger;
}

export interface HubsService {
  create(principal: Principal, body: { id: string; claimTtlSeconds: number }): Promise<ClaimCodeAnswer & { orgId: string }>;
  newClaim(principal: Principal, hubId: string, claimTtlSeconds: number): Promise<ClaimCodeAnswer>;
  claim(request: ClaimRequest): Promise<ClaimAnswer>;
  rotate(principal: Principal, hubId: string, overlapSeconds: number): Promise<RotateAnswer>;
  revoke(principal: Principal, hubId: string): Promise<{ hubId: string; revokedAt: string }>;
  read(principal: Principal, hubId: string): Promise<HubRecord>;
  list(principal: Principal): Promise<HubList>;
  self(hub: AuthenticatedHub): Promise<{ hubId: string; epoch: number; ackedSeq: number }>;
}

/** A hub credential: 256 random bits, base64url, as `hub hash-secret` makes them. */
function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function createHubsService({ db, now, logger }: HubsServiceOptions): HubsService {
  async function issueClaim(tx: Queryable, principal: Principal, hubId: string, ttlSeconds: number): Promise<ClaimCodeAnswer> {
    const at = now();
    const code = formatClaimCode(randomBytes(CLAIM_CODE_LENGTH));
    const expiresAt = new Date(at.getTime() + ttlSeconds * 1000);
    // Hashed like every secret (docs/provisioning.md#claim-codes); the normalised form, so any typing of it matches.
    await insertClaim(tx, { codeSha256: sha256Hex(normaliseClaimCode(code)!), hubId, createdBy: principal.keyId, at, expiresAt });
    return { hubId, claimCode: code, claimExpiresAt: expiresAt.toISOString() };
  }

  async function ownHub(tx: Queryable, principal: Principal, hubId: string): Promise<LockedHub> {
    const hub = await lockHub(tx, hubId, principal.orgId);
    // Another organisation's hub is "not found", as a missing one: its existence is not theirs to learn.
    if (hub === undefined) throw new ProblemError('not-found', `No hub "${hubId}" in organisation "${principal.orgId}"`);
    return hub;
  }

  function refuseClaim(reason: string, detail: string, hubId?: string): never {
    // The code itself is never logged: an unused one is a credential.
    logger.warn({ reason, hubId }, 'claim refused');
    throw new ProblemError('unauthorized', detail);
  }

  return {
    async create(principal, body) {
      return db.transaction(async function createHub(tx) {
        if (!(await insertHub(tx, body.id, principal.orgId))) throw new ProblemError('conflict', `Hub id "${body.id}" is taken`);
        const answer = await issueClaim(tx, principal, body.id, body.claimTtlSeconds);
        logger.info({ hubId: body.id, orgId: principal.orgId, by: principal.keyId }, 'hub created');
        return { ...answer, orgId: principal.orgId };
      });
    },

    async newClaim(principal, hubId, claimTtlSeconds) {
      return db.transaction(async function newClaim(tx) {
        await ownHub(tx, principal, hubId);
        const answer = await issueClaim(tx, principal, hubId, claimTtlSeconds);
        logger.info({ hubId, by: principal.keyId }, 'claim code issued');
        return answer;
      });
    },

    async claim(request) {
      const code = normaliseClaimCode(request.code);
      if (code === undefined) refuseClaim('malformed', 'Not a claim code: 12 letters and digits, as XXXX-XXXX-XXXX');
      const digest = sha256Hex(code);
      return db.transaction(async function exchangeClaim(tx) {
        const at = now();
        const claim = await lockClaim(tx, digest);
        if (claim === undefined) refuseClaim('unknown', 'Unknown claim code: check it for typos, or ask the operator for a new one');
        if (claim.usedAt !== null) refuseClaim('used', `This claim code was already used (at ${claim.usedAt.toISOString()}); ask the operator for a new one`, claim.hubId);
        if (claim.replacedAt !== null) refuseClaim('replaced', `This claim code was replaced or voided (at ${claim.replacedAt.toISOString()}); use the newest code`, claim.hubId);
        if (claim.expiresAt.getTime() <= at.getTime()) refuseClaim('expired', `This claim code expired at ${claim.expiresAt.toISOString()}; ask the operator for a new one`, claim.hubId);
        if (claim.hubId !== request.hubId) {
          // Not marked used: the right hub can still claim it.
          logger.warn({ reason: 'other-hub', hubId: claim.hubId, asked: request.hubId }, 'claim refused');
          throw new ProblemError('forbidden', `This claim code is for hub "${claim.hubId}", but this hub's config says "${request.hubId}"`);
        }
        const hub = (await lockHub(tx, claim.hubId))!; // the claim's foreign key keeps the hub
        const stored = await highestStoredSeq(tx, hub.id, hub.ackedSeq);
        let epoch = hub.epoch;
        let firstSeq: number;
        if (request.logSeq === 0) {
          // An empty data folder: a new life that starts past everything the relay ever stored of this
          // hub, so no seq collides (docs/provisioning.md#epochs). What the last life never delivered is
          // gone with its folder: recorded, and the contiguous ack moves over it.
          const lost = await missingRanges(tx, hub.id, hub.ackedSeq);
          epoch += 1;
          firstSeq = stored + 1;
          await startEpoch(tx, { hubId: hub.id, epoch, firstSeq, at, lostCount: lost.count, lostRanges: lost.ranges });
          if (lost.count > 0) logger.warn({ hubId: hub.id, epoch, lost: lost.count, ranges: lost.ranges.slice(0, 5) }, 'previous life of the hub left seqs undelivered');
        } else {
          if (request.logSeq < stored) {
            throw new ProblemError(
              'conflict',
              `This data folder's log ends at seq ${request.logSeq}, but the relay already stores seq ${stored} of hub "${hub.id}": ` +
                'the folder is older than the hub\'s last life. Provision into an empty data folder (move this one aside)',
            );
          }
          // The folder goes on with its own log: nothing is lost and the seq stays as it is.
          firstSeq = request.logSeq + 1;
          if (epoch === 0) {
            epoch = 1;
            await startEpoch(tx, { hubId: hub.id, epoch, firstSeq: 1, at, lostCount: 0, lostRanges: [] });
          }
        }
        // The previous installation must stop writing as this one starts: its credentials end now.
        await expireCredentials(tx, hub.id, at);
        const token = newToken();
        await insertCredential(tx, hub.id, sha256Hex(token), 'claim', at);
        await setRevoked(tx, hub.id, null);
        await markClaimUsed(tx, digest, at);
        logger.info({ hubId: hub.id, epoch, firstSeq }, 'hub claimed');
        return { hubId: hub.id, token, epoch, firstSeq, relayTime: at.toISOString() };
      });
    },

    async rotate(principal, hubId, overlapSeconds) {
      return db.transaction(async function rotate(tx) {
        const hub = await ownHub(tx, principal, hubId);
        if (hub.revokedAt !== null) throw new ProblemError('conflict', `Hub "${hubId}" is revoked: issue a claim code to re-provision it`);
        const at = now();
        const until = new Date(at.getTime() + overlapSeconds * 1000);
        await expireCredentials(tx, hubId, until);
        const token = newToken();
        await insertCredential(tx, hubId, sha256Hex(token), 'rotation', at);
        logger.info({ hubId, by: principal.keyId, previousValidUntil: until.toISOString() }, 'hub credential rotated');
        return { hubId, token, previousValidUntil: until.toISOString() };
      });
    },

    async revoke(principal, hubId) {
      return db.transaction(async function revoke(tx) {
        const hub = await ownHub(tx, principal, hubId);
        const at = hub.revokedAt ?? now();
        await setRevoked(tx, hubId, at);
        logger.warn({ hubId, by: principal.keyId }, 'hub revoked');
        return { hubId, revokedAt: at.toISOString() };
      });
    },

    async read(principal, hubId) {
      const row = await readHub(db, hubId, principal.orgId);
      if (row === undefined) throw new ProblemError('not-found', `No hub "${hubId}" in organisation "${principal.orgId}"`);
      const clock = await hubClock(db, principal.orgId, hubId);
      return {
        ...row,
        lastSeenAt: iso(row.lastSeenAt),
        revokedAt: iso(row.revokedAt),
        createdAt: row.createdAt.toISOString(),
        credentials: row.credentials.map((c) => ({ source: c.source as 'bootstrap' | 'claim' | 'rotation', createdAt: c.createdAt.toISOString(), expiresAt: iso(c.expiresAt) })),
        epochs: row.epochs.map((e) => ({ ...e, startedAt: e.startedAt.toISOString() })),
        clock: { skewMs: clock?.skewMs ?? null, checkedAt: iso(clock?.checkedAt ?? null), skewed: clock?.skewed ?? false },
      };
    },

    async list(principal) {
      const rows = await listHubs(db, principal.orgId);
      return { items: rows.map((r) => ({ ...r, lastSeenAt: iso(r.lastSeenAt), revokedAt: iso(r.revokedAt) })) };
    },

    async self(hub) {
      const row = await readHub(db, hub.hubId, hub.orgId);
      if (row === undefined) throw new ProblemError('unauthorized', `hub "${hub.hubId}" no longer exists`);
      return { hubId: row.id, epoch: row.epoch, ackedSeq: row.ackedSeq };
    },
  };
}
