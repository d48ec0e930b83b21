/**
 * Read side of the outbox: the forwarder peeks batches in seq order and deletes
 * what the relay acknowledged. Both follow one bound, `forwardableThrough`
 * (EventLog.forwardableSeq): what may be sent is exactly what an
 * acknowledgement may delete.
 */
import type { Event } from '../../protocols/event.ts';
import type { KvOp, KvStore } from './kv-store.ts';
import { META_ACKED, OUTBOX_PREFIX, outboxKey, prefixEnd } from './keys.ts';

export class Outbox {
  private acked = 0;

  /**
   * @param forwardableThrough events above this seq are neither sent nor deleted: they are
   *   not yet durable, or start-up may still need to replay them through the rules.
   */
  constructor(
    private readonly store: KvStore,
    private readonly forwardableThrough: () => number = () => Infinity,
  ) {}

  async start(): Promise<void> {
    this.acked = (await this.store.get<number>(META_ACKED)) ?? 0;
  }

  /** Highest seq the relay has confirmed. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** The oldest `limit` forwardable events still waiting, in seq order. */
  async peek(limit: number): Promise<Event[]> {
    const through = this.forwardableThrough();
    if (through <= this.acked) return [];
    const end = Number.isFinite(through) ? { lte: outboxKey(through) } : { lt: prefixEnd(OUTBOX_PREFIX) };
    const rows = await this.store.entries<Event>({ gt: outboxKey(this.acked), ...end, limit });
    return rows.map(([, event]) => event);
  }

  /**
   * Drops every event up to `relayAcked` (never past the forwardable bound);
   * resolves to how many were dropped. Not fsynced: if a crash loses the
   * delete, the events are sent again and the relay ignores them by id
   * (docs/architecture.md).
   */
  async ackThrough(relayAcked: number): Promise<number> {
    const seq = Math.min(relayAcked, this.forwardableThrough());
    if (seq <= this.acked) return 0;
    // Outbox keys are outboxKey(seq) for every seq written, so the keys to drop follow from the numbers.
    const ops: KvOp[] = [];
    for (let s = this.acked + 1; s <= seq; s++) ops.push({ type: 'del', key: outboxKey(s) });
    ops.push({ type: 'put', key: META_ACKED, value: seq });
    await this.store.batch(ops, { sync: false });
    const deleted = seq - this.acked;
    this.acked = seq;
    return deleted;
  }
}
