/** Read side of the outbox: the forwarder peeks batches in seq order and deletes what the relay acknowledged. */
import type { Event } from '../../protocols/event.ts';
import type { KvOp, KvStore } from './kv-store.ts';
import { META_ACKED, OUTBOX_PREFIX, outboxKey, prefixEnd } from './keys.ts';

export class Outbox {
  private acked = 0;

  /**
   * @param keepFrom events above this seq are kept even when the relay has them, because
   *   start-up may still need to replay them through the rules (EventLog.evaluatedSeq).
   */
  constructor(
    private readonly store: KvStore,
    private readonly keepFrom: () => number = () => Infinity,
  ) {}

  async start(): Promise<void> {
    this.acked = (await this.store.get<number>(META_ACKED)) ?? 0;
  }

  /** Highest seq the relay has confirmed. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** The oldest `limit` events still waiting, in seq order. */
  async peek(limit: number): Promise<Event[]> {
    const rows = await this.store.entries<Event>({ gt: outboxKey(this.acked), lt: prefixEnd(OUTBOX_PREFIX), limit });
    return rows.map(([, event]) => event);
  }

  /**
   * Drops every event up to `seq`. Not fsynced: if a crash loses the delete, the
   * events are sent again and the relay ignores them by id (promise 2).
   */
  async ackThrough(relayAcked: number): Promise<number> {
    const seq = Math.min(relayAcked, this.keepFrom());
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
