/** Hub ↔ relay wire schemas (docs/architecture.md#the-seams, hub to relay). */
import { z } from 'zod';
import { Event, Id } from './event.ts';

export const MAX_BATCH_EVENTS = 1000;

export const IngestBatch = z.strictObject({
  hubId: Id,
  events: z.array(Event).min(1).max(MAX_BATCH_EVENTS),
});
export type IngestBatch = z.infer<typeof IngestBatch>;

export const IngestAck = z.strictObject({
  /** Highest seq such that every seq from 1 up to it is stored at the relay. */
  ackedSeq: z.number().int().min(0),
  stored: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  relayTime: z.string(),
});
export type IngestAck = z.infer<typeof IngestAck>;

export const INGEST_PATH = '/v1/ingest';
