/** Ingest wire schemas: the hub-relay contract lives in protocols/, shared with the hub. */
export { ACK_RANGES, ACK_RANGES_HEADER, IngestAck, IngestBatch, INGEST_PATH, MAX_BATCH_EVENTS } from '../../../protocols/wire.ts';

/** Largest accepted body: 1000 events of ~2 KB with room to spare; bigger is refused with 413. */
export const MAX_INGEST_BODY_BYTES = 5 * 1024 * 1024;
