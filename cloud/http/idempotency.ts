/**
 * Idempotency-Key for POSTs (docs/records.md#idempotency). The key row is inserted in the same
 * transaction as the record it creates, so a retry either finds the committed answer or finds
 * nothing (the first attempt rolled back) and creates once. Two concurrent POSTs with one key:
 * the second INSERT waits on the first's uncommitted row, then sees it and replays its answer.
 * A key reused for a different request is refused with 409 rather than answered with an unrelated record.
 */
import { createHash } from 'node:crypto';
import { ProblemError } from '../errors.ts';
import type { Database, Queryable } from '../store/database.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredAnswer<B> {
  status: number;
  body: B;
  /** True when this answer was stored by an earlier request with the same key. */
  replayed: boolean;
}

export interface IdempotentRequest {
  orgId: string;
  /** The header's value; undefined runs `create` once without storing anything. */
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

function parseKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new ProblemError('invalid-request', `${IDEMPOTENCY_HEADER} must be 1-255 visible ASCII characters`);
  return key;
}

function fingerprint(req: IdempotentRequest): string {
  return createHash('sha256').update(`${req.method}\n${req.path}\n${JSON.stringify(req.body)}`).digest('hex');
}

/** Runs `create` in a transaction at most once per (organisation, key) and returns its answer, or the stored one. */
export async function runIdempotent<B>(
  db: Database,
  req: IdempotentRequest,
  create: (tx: Queryable) => Promise<{ status: number; body: B }>,
): Promise<StoredAnswer<B>> {
  if (req.key === undefined) {
    const answer = await db.transaction(create);
    return { ...answer, replayed: false };
  }
  const key = parseKey(req.key);
  const sha = fingerprint(req);
  return db.transaction(async function createOnce(tx) {
    const claimed = await tx.query(
      `INSERT INTO idempotency_keys (org_id, key, method, path, request_sha256) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id, key) DO NOTHING RETURNING key`,
      [req.orgId, key, req.method, req.path, sha],
    );
    if (claimed.rows.length === 0) {
      // READ COMMITTED: this statement sees the row the conflicting transaction committed.
      const { rows } = await tx.query<{ request_sha256: string; status: number | null; response: B }>(
        'SELECT request_sha256, status, response FROM idempotency_keys WHERE org_id = $1 AND key = $2',
        [req.orgId, key],
      );
      const stored = rows[0];
      if (stored === undefined || stored.status === null) {
        throw new ProblemError('conflict', `A request with this ${IDEMPOTENCY_HEADER} is still being processed; retry shortly`);
      }
      if (stored.request_sha256 !== sha) {
        throw new ProblemError('conflict', `This ${IDEMPOTENCY_HEADER} was used for a different request; use a new key for a new request`);
      }
      return { status: stored.status, body: stored.response, replayed: true };
    }
    const answer = await create(tx);
    await tx.query('UPDATE idempotency_keys SET status = $3, response = $4::jsonb WHERE org_id = $1 AND key = $2', [
      req.orgId,
      key,
      answer.status,
      JSON.stringify(answer.body),
    ]);
    return { ...answer, replayed: false };
  });
}

/** Keys are kept a day: long enough for any client's retries, short enough that the table stays small. */
export async function pruneIdempotencyKeys(q: Queryable, before: Date): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    'WITH gone AS (DELETE FROM idempotency_keys WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone',
    [before.toISOString()],
  );
  return rows[0]?.n ?? 0;
}
