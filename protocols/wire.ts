/** Hub ↔ relay wire schemas (docs/architecture.md#the-seams, hub to relay). */
import { z } from 'zod';
import { Event, Id } from './event.ts';

export const MAX_BATCH_EVENTS = 1000;

export const IngestBatch = z.strictObject({
  hubId: Id,
  events: z.array(Event).min(1).max(MAX_BATCH_EVENTS),
});
export type IngestBatch = z.infer<typeof IngestBatch>;

/** A run of seqs, [first, last], both included. */
export const SeqRange = z.tuple([z.number().int().min(1), z.number().int().min(1)]).refine(([first, last]) => first <= last, 'first must not exceed last');

export const IngestAck = z.strictObject({
  /** Highest seq such that every seq from 1 up to it is stored at the relay. */
  ackedSeq: z.number().int().min(0),
  stored: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  relayTime: z.string(),
  /**
   * The seqs of this batch the relay now holds under the batch's event ids, as sorted runs:
   * what the hub may delete when its lanes interleave (docs/store-and-forward.md#the-ack).
   * Sent only when the hub asks with ACK_RANGES_HEADER, so a hub that predates it, whose
   * strict schema would refuse the field, still reads the answer.
   */
  storedRanges: z.array(SeqRange).max(MAX_BATCH_EVENTS).optional(),
});
export type IngestAck = z.infer<typeof IngestAck>;

export const INGEST_PATH = '/v1/ingest';

/**
 * Request header (value ACK_RANGES) by which a hub asks for IngestAck.storedRanges. A relay that
 * predates ranges ignores it and answers the contiguous ack alone; the hub then drains in seq order.
 */
export const ACK_RANGES_HEADER = 'carehub-ack';
export const ACK_RANGES = 'ranges';

/** Sorted seqs as runs: [1,2,3,7,9,10] → [[1,3],[7,7],[9,10]]. */
export function toSeqRanges(seqs: readonly number[]): Array<[number, number]> {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const seq of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}
