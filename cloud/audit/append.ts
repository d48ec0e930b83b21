/**
 * appendAudit(tx, entry): adds one entry to its organisation's hash chain inside the caller's
 * transaction (docs/audit.md). The entry commits or rolls back with the write it records.
 *
 * Serialisation: the chain head row (audit_heads) is locked by an upsert before the new entry is
 * hashed, so two transactions appending to one chain queue on that row and the second one hashes
 * on top of the first one's entry instead of forking the chain. Call it as the LAST statement
 * of a transaction: the head stays locked until COMMIT, so appending early would hold every other
 * writer of the organisation behind the rest of the transaction.
 */
import { z } from 'zod';
import type { Queryable } from '../store/database.ts';
import { entryHash, GENESIS_HASH, type AuditActor, type ChainedEntry, type JsonValue } from './chain.ts';

const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(JsonValueSchema), z.record(z.string(), JsonValueSchema)]),
);

export const AuditActorSchema = z.object({
  kind: z.enum(['api-key', 'hub', 'system']),
  id: z.string().min(1).max(200),
  orgId: z.string().min(1).max(200).optional(),
}) satisfies z.ZodType<AuditActor>;

/** What a caller records; seq, prevHash and hash are the chain's business. */
export const AuditEntryInputSchema = z.object({
  /** The organisation whose chain gets the entry: the owner of the record, not necessarily the actor's. */
  orgId: z.string().min(1).max(200),
  actor: AuditActorSchema,
  /** `<thing>.<verb>`, e.g. `alarm.write`, `api-key.create`, `resident.read`. */
  action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'looks like alarm.write'),
  targetType: z.string().min(1).max(100),
  targetId: z.string().min(1).max(200),
  detail: z.record(z.string(), JsonValueSchema).default({}),
  /** Defaults to now; whole milliseconds (what the hash covers is the stored ISO string). */
  at: z.date().optional(),
});
export type AuditEntryInput = z.input<typeof AuditEntryInputSchema>;

export interface AppendedAudit {
  id: string;
  orgId: string;
  seq: number;
  hash: string;
}

export class AuditError extends Error {
  readonly code = 'AUDIT_ENTRY_INVALID';
}

/** Locks the chain's head row (creating it at seq 0 on first use) and reads it. */
const LOCK_HEAD_SQL = `INSERT INTO audit_heads (org_id, last_seq, last_hash) VALUES ($1, 0, $2)
  ON CONFLICT (org_id) DO UPDATE SET last_seq = audit_heads.last_seq
  RETURNING last_seq, last_hash`;

/** Stores the entry and moves the head in one round trip. */
const INSERT_AND_ADVANCE_SQL = `WITH ins AS (
    INSERT INTO audit_log (org_id, seq, at, actor, action, target_type, target_id, detail, prev_hash, hash)
    VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10) RETURNING id)
  UPDATE audit_heads SET last_seq = $2, last_hash = $10 WHERE org_id = $1
  RETURNING (SELECT id FROM ins)::text AS id`;

function parse(entry: AuditEntryInput): z.output<typeof AuditEntryInputSchema> {
  const result = AuditEntryInputSchema.safeParse(entry);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ');
    throw new AuditError(`audit entry rejected: ${issues}`, { cause: result.error });
  }
  return result.data;
}

async function appendParsed(tx: Queryable, entry: z.output<typeof AuditEntryInputSchema>): Promise<AppendedAudit> {
  const { rows } = await tx.query<{ last_seq: string | number; last_hash: string }>(LOCK_HEAD_SQL, [entry.orgId, GENESIS_HASH]);
  const head = rows[0]!;
  const chained: ChainedEntry = {
    orgId: entry.orgId,
    seq: Number(head.last_seq) + 1,
    at: (entry.at ?? new Date()).toISOString(),
    actor: entry.actor,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    detail: entry.detail,
    prevHash: head.last_hash,
  };
  const hash = entryHash(chained);
  const inserted = await tx.query<{ id: string }>(INSERT_AND_ADVANCE_SQL, [
    chained.orgId,
    chained.seq,
    chained.at,
    JSON.stringify(chained.actor),
    chained.action,
    chained.targetType,
    chained.targetId,
    JSON.stringify(chained.detail),
    chained.prevHash,
    hash,
  ]);
  return { id: String(inserted.rows[0]!.id), orgId: chained.orgId, seq: chained.seq, hash };
}

/** Appends one entry; `tx` must be a transaction (Database.transaction), see the header. */
export async function appendAudit(tx: Queryable, entry: AuditEntryInput): Promise<AppendedAudit> {
  return appendParsed(tx, parse(entry));
}

/**
 * Appends several entries, possibly of several organisations. Heads are locked in organisation id
 * order so two transactions touching the same chains cannot deadlock on each other.
 */
export async function appendAuditEntries(tx: Queryable, entries: readonly AuditEntryInput[]): Promise<AppendedAudit[]> {
  const parsed = entries.map(parse);
  const order = parsed.map((_, i) => i).sort((a, b) => (parsed[a]!.orgId < parsed[b]!.orgId ? -1 : parsed[a]!.orgId > parsed[b]!.orgId ? 1 : a - b));
  const out: AppendedAudit[] = new Array(parsed.length);
  for (const i of order) out[i] = await appendParsed(tx, parsed[i]!);
  return out;
}
