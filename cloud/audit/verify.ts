/**
 * Walks every organisation's audit chain (docs/audit.md) and stops at the first broken link: an
 * entry whose seq skips (one was deleted), whose prev_hash is not the previous entry's hash (one
 * was replaced or inserted), whose hash does not match its content (one was edited), or a chain
 * whose last entry is not the one its head row names (entries cut off or added at the end).
 * Reads in pages so a chain of millions of entries needs little memory.
 */
import type { Queryable } from '../store/database.ts';
import { entryHash, GENESIS_HASH, type AuditActor, type ChainedEntry, type JsonValue } from './chain.ts';

export interface BrokenLink {
  /** audit_log.id of the entry where the chain breaks; undefined when the chain's end is missing. */
  id: string | undefined;
  orgId: string;
  seq: number;
  problem: string;
}

export type VerifyResult =
  | { ok: true; entries: number; chains: number }
  | { ok: false; entries: number; chains: number; broken: BrokenLink };

interface Row {
  id: string;
  org_id: string;
  seq: string | number;
  at: Date | string;
  actor: AuditActor;
  action: string;
  target_type: string;
  target_id: string;
  detail: { [key: string]: JsonValue };
  prev_hash: string;
  hash: string;
}

const PAGE = 1_000;

function toChained(row: Row): ChainedEntry {
  return {
    orgId: row.org_id,
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    detail: row.detail,
    prevHash: row.prev_hash,
  };
}

export async function verifyAuditChains(db: Queryable, options: { orgId?: string } = {}): Promise<VerifyResult> {
  const { rows: orgs } = await db.query<{ org_id: string }>(
    `SELECT org_id FROM audit_heads UNION SELECT DISTINCT org_id FROM audit_log ORDER BY org_id`,
  );
  let entries = 0;
  let chains = 0;
  for (const { org_id: orgId } of orgs) {
    if (options.orgId !== undefined && orgId !== options.orgId) continue;
    chains++;
    const broken = await verifyChain(db, orgId, () => entries++);
    if (broken !== undefined) return { ok: false, entries, chains, broken };
  }
  return { ok: true, entries, chains };
}

async function verifyChain(db: Queryable, orgId: string, counted: () => void): Promise<BrokenLink | undefined> {
  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let prevId: string | undefined;
  const { rows: heads } = await db.query<{ last_seq: string | number; last_hash: string }>('SELECT last_seq, last_hash FROM audit_heads WHERE org_id = $1', [orgId]);
  const head = heads[0] && { seq: Number(heads[0].last_seq), hash: heads[0].last_hash };
  for (;;) {
    const { rows } = await db.query<Row>(
      `SELECT id::text AS id, org_id, seq, at, actor, action, target_type, target_id, detail, prev_hash, hash
         FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`,
      [orgId, prevSeq],
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      const at = (problem: string): BrokenLink => ({ id: row.id, orgId, seq, problem });
      if (seq !== prevSeq + 1) return at(`seq ${seq} follows seq ${prevSeq}: the entry with seq ${prevSeq + 1} is missing`);
      if (row.prev_hash !== prevHash) {
        return at(`prev_hash ${row.prev_hash} is not the hash of ${prevId === undefined ? 'the chain start (genesis)' : `entry ${prevId}`} (${prevHash})`);
      }
      const computed = entryHash(toChained(row));
      if (computed !== row.hash) return at(`hash ${row.hash} does not match its content (computed ${computed})`);
      if (head === undefined) return at('the chain has no head row (audit_heads): entries were added outside appendAudit');
      if (seq > head.seq) return at(`seq ${seq} is past the chain head (audit_heads says the chain ends at seq ${head.seq}): entries were added outside appendAudit`);
      prevSeq = seq;
      prevHash = row.hash;
      prevId = row.id;
      counted();
    }
    if (rows.length < PAGE) break;
  }
  if (head !== undefined && (head.seq !== prevSeq || head.hash !== prevHash)) {
    return {
      id: prevId,
      orgId,
      seq: prevSeq,
      problem:
        head.seq !== prevSeq
          ? `the chain ends at seq ${prevSeq}${prevId === undefined ? '' : ` (entry ${prevId})`} but audit_heads says seq ${head.seq}: entries at the end are missing`
          : `the last entry's hash ${prevHash} is not the one audit_heads holds (${head.hash})`,
    };
  }
  return undefined;
}

/** The lines `cloud audit verify` prints. */
export function formatVerifyResult(result: VerifyResult): string {
  const chains = `${result.chains} chain${result.chains === 1 ? '' : 's'}`;
  if (result.ok) return `audit ok: ${result.entries} entries verified in ${chains}\n`;
  const { id, orgId, seq, problem } = result.broken;
  const where = id === undefined ? `the end of the chain of organisation ${orgId}` : `entry ${id} (organisation ${orgId}, seq ${seq})`;
  return `audit broken at ${where}: ${problem}\n${result.entries} entries verified before it\n`;
}
