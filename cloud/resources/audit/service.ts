/** GET /v1/audit's logic: cursor paging over the caller's chain. No Hono here. */
import { ProblemError } from '../../errors.ts';
import type { Database } from '../../store/database.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import { listAuditEntries } from './repo.ts';
import type { AuditEntry, AuditQuery } from './schema.ts';

/** Opaque to clients; inside, the seq the next page starts below. */
function encodeCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^audit:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (m === null) throw new ProblemError('invalid-request', 'cursor is not one this API gave out', { errors: [{ path: 'cursor', message: 'unknown cursor' }] });
  return Number(m[1]);
}

export interface AuditService {
  list(caller: Caller, query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}

export function createAuditService({ db }: { db: Database }): AuditService {
  return {
    async list(caller, query) {
      const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      // One more than asked tells whether an older page exists without a count query.
      const rows = await listAuditEntries(scoped(db, caller), {
        limit: query.limit + 1,
        ...(query.action !== undefined && { action: query.action }),
        ...(beforeSeq !== undefined && { beforeSeq }),
      });
      const items = rows.slice(0, query.limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.seq) : null };
    },
  };
}
