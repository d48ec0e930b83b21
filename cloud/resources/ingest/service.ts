/**
 * Ingest: store a hub's batch exactly once and answer the highest contiguous
 * seq stored (docs/architecture.md#the-seams, hub to relay; promise 2). No Hono here.
 */
import type { Event } from '../../../protocols/event.ts';
import type { IngestAck, IngestBatch } from '../../../protocols/wire.ts';
import { ProblemError, type FieldIssue } from '../../errors.ts';
import type { AuthenticatedHub } from '../../http/env.ts';
import type { Database } from '../../store/database.ts';
import { appendAudit } from '../../audit/append.ts';
import { projectAlarmEvents } from '../alarms/service.ts';
import { toSeqRanges } from '../../../protocols/wire.ts';
import { advanceAckedSeq, alreadyStoredSeqs, conflictingSeqs, insertEvents, lockHub } from './repo.ts';

export interface IngestServiceOptions {
  db: Database;
  now: () => Date;
}

export interface IngestOptions {
  /** Answer storedRanges too (the hub sent ACK_RANGES_HEADER). */
  ranges?: boolean;
}

export interface IngestService {
  ingest(hub: AuthenticatedHub, batch: IngestBatch, options?: IngestOptions): Promise<IngestAck>;
}

/** Deeper JSON than this is not a device payload; PostgreSQL and JSON.stringify would choke on far deeper. */
const MAX_JSON_DEPTH = 32;
/** NUL and lone surrogates: valid JS strings that PostgreSQL text and jsonb reject. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorable(value: unknown, path: string, depth: number, out: FieldIssue[]): void {
  if (out.length >= 100) return;
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) out.push({ path, message: 'contains NUL or an unpaired surrogate' });
  } else if (value !== null && typeof value === 'object') {
    if (depth >= MAX_JSON_DEPTH) {
      out.push({ path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      if (UNSTORABLE.test(k)) out.push({ path: `${path}.${k}`, message: 'key contains NUL or an unpaired surrogate' });
      unstorable(v, `${path}.${k}`, depth + 1, out);
    }
  }
}

/** PostgreSQL timestamptz covers years 1..294276 and offsets within ±15:59; ISO strings can say more. */
function storableTime(iso: string): boolean {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  return year >= 1 && year <= 9999 && (offset === null || Number(offset[2]) < 16);
}

/** What zod cannot say about a batch: cross-field and storage constraints. */
function batchIssues(batch: IngestBatch): FieldIssue[] {
  const issues: FieldIssue[] = [];
  batch.events.forEach((e, i) => {
    if (e.hubId !== batch.hubId) issues.push({ path: `events.${i}.hubId`, message: 'must equal the batch hubId' });
    if (!storableTime(e.hubTime)) issues.push({ path: `events.${i}.hubTime`, message: 'out of range' });
    if (e.deviceTime !== undefined && !storableTime(e.deviceTime)) issues.push({ path: `events.${i}.deviceTime`, message: 'out of range' });
    unstorable(e, `events.${i}`, 0, issues);
  });
  return issues.slice(0, 100);
}

/** First occurrence wins when a batch repeats an id or a seq; the rest count as duplicates. */
function uniqueEvents(events: readonly Event[]): Event[] {
  const ids = new Set<string>();
  const seqs = new Set<number>();
  return events.filter((e) => {
    if (ids.has(e.id) || seqs.has(e.seq)) return false;
    ids.add(e.id);
    seqs.add(e.seq);
    return true;
  });
}

export function createIngestService({ db, now }: IngestServiceOptions): IngestService {
  return {
    async ingest(hub, batch, options = {}) {
      if (batch.hubId !== hub.hubId) {
        throw new ProblemError('forbidden', `This token belongs to hub "${hub.hubId}", not "${batch.hubId}"`);
      }
      const issues = batchIssues(batch);
      if (issues.length > 0) throw new ProblemError('invalid-request', 'batch failed validation', { errors: issues });

      const at = now();
      const events = uniqueEvents(batch.events);
      // One transaction: events, their observations, alarm projection and ack commit together or not at all.
      const { stored, ackedSeq, storedSeqs } = await db.transaction(async function storeBatch(tx) {
        const locked = await lockHub(tx, hub.hubId);
        if (locked === undefined) throw new ProblemError('unauthorized', `hub "${hub.hubId}" no longer exists`);
        const insertedIds = await insertEvents(tx, hub, events);
        const skipped = events.filter((e) => !insertedIds.has(e.id));
        const conflicts = await conflictingSeqs(tx, hub.hubId, skipped);
        if (conflicts.length > 0) {
          throw new ProblemError('conflict', `seq already stored for other events of hub "${hub.hubId}"; was the hub reinstalled under the same id?`, {
            errors: conflicts.slice(0, 20).map((seq) => ({ path: `events.seq=${seq}`, message: 'stored with a different event id' })),
          });
        }
        const inserted = events.filter((e) => insertedIds.has(e.id)).sort((a, b) => a.seq - b.seq);
        const alarmAudit = await projectAlarmEvents(tx, hub, inserted);
        // The ranges name exactly the seqs held under this batch's ids (docs/store-and-forward.md#the-ack):
        // the hub deletes those and nothing else.
        const storedSeqs = options.ranges ? [...inserted.map((e) => e.seq), ...(await alreadyStoredSeqs(tx, hub.hubId, skipped))] : [];
        // Seqs inserted right after the locked ack are stored for certain: the scan may start past them.
        let storedThrough = locked.ackedSeq;
        const insertedSeqs = new Set(inserted.map((e) => e.seq));
        while (insertedSeqs.has(storedThrough + 1)) storedThrough += 1;
        const ackedSeq = await advanceAckedSeq(tx, hub.hubId, at, storedThrough);
        // Last: the append holds the organisation's audit chain head until COMMIT (docs/audit.md).
        if (alarmAudit !== undefined) await appendAudit(tx, alarmAudit);
        return { stored: inserted.length, ackedSeq, storedSeqs };
      });
      const ack: IngestAck = { ackedSeq, stored, duplicates: batch.events.length - stored, relayTime: at.toISOString() };
      if (options.ranges) ack.storedRanges = toSeqRanges(storedSeqs);
      return ack;
    },
  };
}
