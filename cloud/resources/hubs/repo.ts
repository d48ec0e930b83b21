/**
 * SQL for hubs, their claim codes, credentials and lives. Tenancy lives here: every operator read
 * or write takes the caller's orgId. Functions that take a transaction run inside the caller's.
 */
import type { Queryable } from '../../store/database.ts';

export interface LockedHub {
  id: string;
  orgId: string;
  ackedSeq: number;
  epoch: number;
  revokedAt: Date | null;
}

export interface ClaimRow {
  hubId: string;
  expiresAt: Date;
  usedAt: Date | null;
  replacedAt: Date | null;
}

const HUB_COLUMNS = `id, org_id AS "orgId", acked_seq AS "ackedSeq", epoch, revoked_at AS "revokedAt"`;

function toLockedHub(row: { id: string; orgId: string; ackedSeq: unknown; epoch: unknown; revokedAt: Date | null }): LockedHub {
  return { id: row.id, orgId: row.orgId, ackedSeq: Number(row.ackedSeq), epoch: Number(row.epoch), revokedAt: row.revokedAt };
}

/** A new hub with no credential yet (epoch 0); false when the id is taken (by any organisation). */
export async function insertHub(tx: Queryable, id: string, orgId: string): Promise<boolean> {
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO hubs (id, org_id, epoch) VALUES ($1, $2, 0) ON CONFLICT (id) DO NOTHING RETURNING id',
    [id, orgId],
  );
  return rows.length === 1;
}

/** Locks a hub row; `orgId` undefined only for the claim exchange, where the code names the hub. */
export async function lockHub(tx: Queryable, id: string, orgId?: string): Promise<LockedHub | undefined> {
  const { rows } = await tx.query<{ id: string; orgId: string; ackedSeq: unknown; epoch: unknown; revokedAt: Date | null }>(
    orgId === undefined
      ? `SELECT ${HUB_COLUMNS} FROM hubs WHERE id = $1 FOR UPDATE`
      : `SELECT ${HUB_COLUMNS} FROM hubs WHERE id = $1 AND org_id = $2 FOR UPDATE`,
    orgId === undefined ? [id] : [id, orgId],
  );
  return rows[0] === undefined ? undefined : toLockedHub(rows[0]);
}

/** Stores a claim code's digest; earlier unused codes of the hub are voided (one valid code per hub). */
export async function insertClaim(tx: Queryable, claim: { codeSha256: string; hubId: string; createdBy: string; at: Date; expiresAt: Date }): Promise<void> {
  await tx.query('UPDATE hub_claims SET replaced_at = $2 WHERE hub_id = $1 AND used_at IS NULL AND replaced_at IS NULL', [claim.hubId, claim.at]);
  await tx.query('INSERT INTO hub_claims (code_sha256, hub_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
    claim.codeSha256,
    claim.hubId,
    claim.createdBy,
    claim.at,
    claim.expiresAt,
  ]);
}

export async function lockClaim(tx: Queryable, codeSha256: string): Promise<ClaimRow | undefined> {
  const { rows } = await tx.query<ClaimRow>(
    `SELECT hub_id AS "hubId", expires_at AS "expiresAt", used_at AS "usedAt", replaced_at AS "replacedAt"
     FROM hub_claims WHERE code_sha256 = $1 FOR UPDATE`,
    [codeSha256],
  );
  return rows[0];
}

export async function markClaimUsed(tx: Queryable, codeSha256: string, at: Date): Promise<void> {
  await tx.query('UPDATE hub_claims SET used_at = $2 WHERE code_sha256 = $1', [codeSha256, at]);
}

/** Highest seq stored for the hub, never below its contiguous ack (events may one day be pruned). */
export async function highestStoredSeq(tx: Queryable, hubId: string, ackedSeq: number): Promise<number> {
  const { rows } = await tx.query<{ max: unknown }>('SELECT max(seq) AS max FROM events WHERE hub_id = $1', [hubId]);
  return Math.max(ackedSeq, Number(rows[0]?.max ?? 0));
}

/** Seq ranges (inclusive) missing between the contiguous ack and the highest stored seq, the first `limit`. */
export async function missingRanges(tx: Queryable, hubId: string, ackedSeq: number, limit = 100): Promise<{ ranges: Array<[number, number]>; count: number }> {
  const { rows } = await tx.query<{ from: unknown; to: unknown }>(
    `SELECT prev + 1 AS "from", seq - 1 AS "to"
     FROM (SELECT seq, lag(seq, 1, $2::bigint) OVER (ORDER BY seq) AS prev FROM events WHERE hub_id = $1 AND seq > $2) s
     WHERE seq > prev + 1
     ORDER BY seq`,
    [hubId, ackedSeq],
  );
  const all = rows.map((r): [number, number] => [Number(r.from), Number(r.to)]);
  return { ranges: all.slice(0, limit), count: all.reduce((n, [from, to]) => n + (to - from + 1), 0) };
}

/** Starts a life: the contiguous ack moves to the floor, so ingest continues from `firstSeq`. */
export async function startEpoch(
  tx: Queryable,
  e: { hubId: string; epoch: number; firstSeq: number; at: Date; lostCount: number; lostRanges: Array<[number, number]> },
): Promise<void> {
  await tx.query('UPDATE hubs SET epoch = $2, acked_seq = greatest(acked_seq, $3::bigint - 1) WHERE id = $1', [e.hubId, e.epoch, e.firstSeq]);
  await tx.query('INSERT INTO hub_epochs (hub_id, epoch, first_seq, started_at, lost_count, lost_ranges) VALUES ($1, $2, $3, $4, $5, $6::jsonb)', [
    e.hubId,
    e.epoch,
    e.firstSeq,
    e.at,
    e.lostCount,
    JSON.stringify(e.lostRanges),
  ]);
}

/** Every credential of the hub still valid after `until` ends there instead. */
export async function expireCredentials(tx: Queryable, hubId: string, until: Date): Promise<void> {
  await tx.query('UPDATE hub_credentials SET expires_at = $2 WHERE hub_id = $1 AND (expires_at IS NULL OR expires_at > $2)', [hubId, until]);
}

export async function insertCredential(tx: Queryable, hubId: string, tokenSha256: string, source: 'claim' | 'rotation', at: Date): Promise<void> {
  await tx.query('INSERT INTO hub_credentials (token_sha256, hub_id, source, created_at) VALUES ($1, $2, $3, $4)', [tokenSha256, hubId, source, at]);
}

export async function setRevoked(tx: Queryable, hubId: string, at: Date | null): Promise<void> {
  await tx.query('UPDATE hubs SET revoked_at = $2 WHERE id = $1', [hubId, at]);
  if (at !== null) {
    // An unused code lying around must not undo a revocation: the operator issues a new one.
    await tx.query('UPDATE hub_claims SET replaced_at = $2 WHERE hub_id = $1 AND used_at IS NULL AND replaced_at IS NULL', [hubId, at]);
  }
}

export interface HubRecordRow {
  id: string;
  orgId: string;
  epoch: number;
  ackedSeq: number;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  credentials: Array<{ source: string; createdAt: Date; expiresAt: Date | null }>;
  epochs: Array<{ epoch: number; firstSeq: number; startedAt: Date; lostCount: number; lostRanges: Array<[number, number]> }>;
}

export interface HubSummaryRow {
  id: string;
  epoch: number;
  ackedSeq: number;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
}

/** The organisation's hubs by id. */
export async function listHubs(q: Queryable, orgId: string): Promise<HubSummaryRow[]> {
  const { rows } = await q.query<{ id: string; epoch: unknown; ackedSeq: unknown; lastSeenAt: Date | null; revokedAt: Date | null }>(
    `SELECT id, epoch, acked_seq AS "ackedSeq", last_seen_at AS "lastSeenAt", revoked_at AS "revokedAt" FROM hubs WHERE org_id = $1 ORDER BY id`,
    [orgId],
  );
  return rows.map((r) => ({ ...r, epoch: Number(r.epoch), ackedSeq: Number(r.ackedSeq) }));
}

/** The hub's record for its organisation; undefined when absent or another organisation's. */
export async function readHub(q: Queryable, id: string, orgId: string): Promise<HubRecordRow | undefined> {
  const { rows } = await q.query<{ id: string; orgId: string; epoch: unknown; ackedSeq: unknown; lastSeenAt: Date | null; revokedAt: Date | null; createdAt: Date }>(
    `SELECT id, org_id AS "orgId", epoch, acked_seq AS "ackedSeq", last_seen_at AS "lastSeenAt", revoked_at AS "revokedAt", created_at AS "createdAt"
     FROM hubs WHERE id = $1 AND org_id = $2`,
    [id, orgId],
  );
  const hub = rows[0];
  if (hub === undefined) return undefined;
  const creds = await q.query<{ source: string; createdAt: Date; expiresAt: Date | null }>(
    'SELECT source, created_at AS "createdAt", expires_at AS "expiresAt" FROM hub_credentials WHERE hub_id = $1 ORDER BY created_at, token_sha256',
    [id],
  );
  const epochs = await q.query<{ epoch: unknown; firstSeq: unknown; startedAt: Date; lostCount: unknown; lostRanges: Array<[number, number]> }>(
    'SELECT epoch, first_seq AS "firstSeq", started_at AS "startedAt", lost_count AS "lostCount", lost_ranges AS "lostRanges" FROM hub_epochs WHERE hub_id = $1 ORDER BY epoch',
    [id],
  );
  return {
    ...hub,
    epoch: Number(hub.epoch),
    ackedSeq: Number(hub.ackedSeq),
    credentials: creds.rows,
    epochs: epochs.rows.map((e) => ({ ...e, epoch: Number(e.epoch), firstSeq: Number(e.firstSeq), lostCount: Number(e.lostCount) })),
  };
}
