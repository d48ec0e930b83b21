/** Vitals of one resident: raw values or per-minute/hour/day aggregates, cursor-paged. No Hono here. */
import { z } from 'zod';
import { ProblemError } from '../../errors.ts';
import { scoped, type Caller } from '../../tenancy/context.ts';
import type { Queryable } from '../../store/database.ts';
import { decodeCursor, encodeCursor } from '../residents/cursor.ts';
import { bucketedObservations, rawObservations, residentVisible } from './repo.ts';
import type { Vitals, VitalsQuery } from './schema.ts';

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const DEFAULT_RANGE_MS = 24 * 3_600_000;

const RawCursor = z.strictObject({ at: z.iso.datetime(), id: z.uuid() });
const BucketCursor = z.strictObject({ next: z.iso.datetime() });

function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

export function createVitalsService({ now }: { now: () => Date }) {
  return {
    async read(q: Queryable, caller: Caller, residentId: string, query: VitalsQuery): Promise<Vitals> {
      const s = scoped(q, caller);
      // 404, not 403, for another organisation's resident: nothing about it leaks.
      if (!(await residentVisible(s, residentId))) throw new ProblemError('not-found', `No resident ${residentId}`);
      const to = query.to !== undefined ? iso(query.to) : now().toISOString();
      const from = query.from !== undefined ? iso(query.from) : new Date(Date.parse(to) - DEFAULT_RANGE_MS).toISOString();
      if (Date.parse(from) >= Date.parse(to)) throw new ProblemError('invalid-request', 'from must be before to', { errors: [{ path: 'from', message: 'not before to' }] });
      const filter = { residentId, metric: query.metric ?? null, from, to, limit: query.limit };
      const head = { residentId, metric: query.metric ?? null, bucket: query.bucket, from, to };
      if (query.bucket === 'raw') {
        const items = await rawObservations(s, filter, decodeCursor(query.cursor, RawCursor));
        const last = items.at(-1);
        return { ...head, items, nextCursor: items.length === query.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null };
      }
      const after = decodeCursor(query.cursor, BucketCursor)?.next;
      const rows = await bucketedObservations(s, filter, query.bucket, after);
      const buckets = rows.map((r) => ({
        start: iso(r.start),
        min: r.min === null ? null : Number(r.min),
        max: r.max === null ? null : Number(r.max),
        mean: r.mean === null ? null : Number(r.mean),
        count: Number(r.count),
      }));
      const last = buckets.at(-1);
      const next = last ? new Date(Date.parse(last.start) + BUCKET_MS[query.bucket]).toISOString() : undefined;
      return { ...head, buckets, nextCursor: buckets.length === query.limit && next ? encodeCursor({ next }) : null };
    },
  };
}
