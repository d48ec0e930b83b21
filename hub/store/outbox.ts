/**
 * Read side of the outbox: two lanes, critical and telemetry, each a queue
 * keyed by the per-hub seq (hub/store/keys.ts, docs/store-and-forward.md).
 * The forwarder peeks one lane at a time and deletes exactly the seqs the
 * relay says it stored. Every read and delete follows one bound,
 * `forwardableThrough` (EventLog.forwardableSeq): what may be sent is exactly
 * what an acknowledgement may delete.
 */
import type { Event } from '../../protocols/event.ts';
import type { KvOp, KvStore } from './kv-store.ts';
import { LANE_PREFIX, LANES, laneKey, laneOf, LEGACY_OUTBOX_RANGE, META_ACKED, META_RELAY_RANGES, prefixEnd, seqOfOutboxKey, type Lane } from './keys.ts';

export interface LaneStats {
  /** events waiting in the lane, forwardable or not */
  depth: number;
  /** hub time of the lane's oldest waiting event, null when empty */
  oldestHubTime: string | null;
}

export interface OutboxStats {
  lanes: Record<Lane, LaneStats>;
}

/** A seq range [first, last], both included, as the relay's IngestAck.storedRanges carries them. */
export type SeqRange = readonly [number, number];

/** How many legacy events move into the lanes per atomic batch at start. */
const MIGRATE_CHUNK = 1000;
/** How many entries a start-up count reads at a time (bounded memory with a large backlog). */
const COUNT_CHUNK = 10_000;

interface Head {
  seq: number;
  hubTime: string;
}

export class Outbox {
  /** the hub's own mark: no event with a seq up to it is left in any lane */
  private acked = 0;
  /** events waiting per lane; counted at start, then kept by writes and deletes */
  private readonly depth: Record<Lane, number> = { critical: 0, telemetry: 0 };
  /** the first waiting event of each lane (null: lane empty) */
  private readonly head: Record<Lane, Head | null> = { critical: null, telemetry: null };
  /**
   * Per lane, a seq below which the lane holds nothing: reads start after it,
   * so they skip the tombstones of what was already deleted.
   */
  private readonly floor: Record<Lane, number> = { critical: 0, telemetry: 0 };
  private relayRanges: boolean | null = null;

  /**
   * @param forwardableThrough events above this seq are neither sent nor deleted: they are
   *   not yet durable, or start-up may still need to replay them through the rules.
   */
  constructor(
    private readonly store: KvStore,
    private readonly forwardableThrough: () => number = () => Infinity,
  ) {}

  /** Moves a pre-lane outbox into the lanes, then counts each lane. */
  async start(): Promise<void> {
    await this.migrateLegacy();
    this.acked = (await this.store.get<number>(META_ACKED)) ?? 0;
    this.relayRanges = (await this.store.get<boolean>(META_RELAY_RANGES)) ?? null;
    for (const lane of LANES) {
      this.floor[lane] = this.acked;
      this.depth[lane] = await this.count(lane);
      await this.readHead(lane);
    }
  }

  /**
   * The hub's contiguous mark: every event with a seq up to this has been
   * acknowledged and deleted. Lanes drain out of seq order, so it may stay
   * behind while the critical lane runs ahead.
   */
  get ackedSeq(): number {
    return this.acked;
  }

  /**
   * Whether the relay last answered with storedRanges (null: never heard from it), kept across
   * restarts: the forwarder drains lanes, critical first, only for a relay that does.
   */
  get relayAnswersRanges(): boolean | null {
    return this.relayRanges;
  }

  async rememberRelayRanges(answers: boolean): Promise<void> {
    if (answers === this.relayRanges) return;
    this.relayRanges = answers;
    await this.store.batch([{ type: 'put', key: META_RELAY_RANGES, value: answers }], { sync: false });
  }

  /** Depth and oldest event per lane, from memory (for `hub status`). */
  stats(): OutboxStats {
    const lane = (l: Lane): LaneStats => ({ depth: this.depth[l], oldestHubTime: this.head[l]?.hubTime ?? null });
    return { lanes: { critical: lane('critical'), telemetry: lane('telemetry') } };
  }

  /** The event log tells the outbox what it made durable, to keep depths without reading. */
  written(events: readonly Event[]): void {
    for (const event of events) {
      const lane = laneOf(event);
      this.depth[lane] += 1;
      if (this.head[lane] === null || event.seq < this.head[lane].seq) this.head[lane] = { seq: event.seq, hubTime: event.hubTime };
    }
  }

  /**
   * Someone else removed `count` events of a lane (the disk budget's shedding): adjust the depth
   * and re-read the lane's oldest event.
   */
  async removed(lane: Lane, count: number): Promise<void> {
    this.depth[lane] = Math.max(0, this.depth[lane] - count);
    await this.readHead(lane);
    this.updateMark();
  }

  /** The oldest `limit` forwardable events of one lane with a seq above `after`, in seq order. */
  async peekLane(lane: Lane, limit: number, after = 0): Promise<Event[]> {
    const through = this.forwardableThrough();
    const from = Math.max(this.floor[lane], after);
    if (through <= from) return [];
    const end = Number.isFinite(through) ? { lte: laneKey(lane, through) } : { lt: prefixEnd(LANE_PREFIX[lane]) };
    const rows = await this.store.entries<Event>({ gt: laneKey(lane, from), ...end, limit });
    return rows.map(([, event]) => event);
  }

  /**
   * The oldest `limit` forwardable events of all lanes merged, in seq order: what a relay that
   * only answers a contiguous ack is sent (docs/store-and-forward.md#older-hubs-and-older-relays), and what tests read.
   */
  async peek(limit: number): Promise<Event[]> {
    const all = [...(await this.peekLane('critical', limit)), ...(await this.peekLane('telemetry', limit))];
    return all.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /**
   * Deletes the events of `sent` whose seq lies in one of `stored` (the relay's ranges), never
   * past the forwardable bound; resolves to how many were deleted. Not fsynced: if a crash loses
   * the delete, the events are sent again and the relay ignores them by id (docs/architecture.md).
   */
  async ackStored(sent: readonly Event[], stored: readonly SeqRange[]): Promise<number> {
    const through = this.forwardableThrough();
    const chosen = sent.filter((e) => e.seq <= through && stored.some(([first, last]) => e.seq >= first && e.seq <= last));
    const deleted = await this.deleteEvents(chosen.map((e) => ({ lane: laneOf(e), seq: e.seq })));
    if (deleted > 0) await this.persistMark();
    return deleted;
  }

  /**
   * Deletes every waiting event, in any lane, up to `relayAcked` (never past the forwardable
   * bound): the contiguous acknowledgement of a relay without ranges. Resolves to how many.
   */
  async ackThrough(relayAcked: number): Promise<number> {
    const seq = Math.min(relayAcked, this.forwardableThrough());
    if (seq <= this.acked) return 0;
    const doomed: Array<{ lane: Lane; seq: number }> = [];
    for (const lane of LANES) {
      if (seq <= this.floor[lane]) continue;
      const rows = await this.store.entries<unknown>({ gt: laneKey(lane, this.floor[lane]), lte: laneKey(lane, seq), values: false });
      for (const [key] of rows) doomed.push({ lane, seq: seqOfOutboxKey(key) });
    }
    const deleted = await this.deleteEvents(doomed);
    // Nothing of any lane is left up to `seq`, deleted now or before: the mark may say so even
    // when this ack deleted nothing new.
    const before = this.acked;
    this.acked = Math.max(this.acked, Math.min(seq, this.lowestWaiting() - 1));
    if (deleted > 0 || this.acked !== before) await this.persistMark();
    return deleted;
  }

  private async deleteEvents(doomed: ReadonlyArray<{ lane: Lane; seq: number }>): Promise<number> {
    if (doomed.length === 0) return 0;
    const ops: KvOp[] = doomed.map(({ lane, seq }) => ({ type: 'del', key: laneKey(lane, seq) }));
    await this.store.batch(ops, { sync: false });
    const touched = new Set<Lane>();
    for (const { lane } of doomed) {
      this.depth[lane] = Math.max(0, this.depth[lane] - 1);
      touched.add(lane);
    }
    const highest = Math.max(...doomed.map((d) => d.seq));
    for (const lane of touched) await this.readHead(lane, highest);
    this.updateMark(highest);
    return doomed.length;
  }

  /** Start-up reads begin after the stored mark; a lost write only makes them start lower. */
  private async persistMark(): Promise<void> {
    await this.store.batch([{ type: 'put', key: META_ACKED, value: this.acked }], { sync: false });
  }

  /**
   * Re-reads a lane's first waiting event and moves its floor up to just below it (or, for an
   * empty lane, to `deletedThrough`, the highest seq just deleted from it).
   */
  private async readHead(lane: Lane, deletedThrough = 0): Promise<void> {
    const [first] = await this.store.entries<Event>({ gt: laneKey(lane, this.floor[lane]), lt: prefixEnd(LANE_PREFIX[lane]), limit: 1 });
    this.head[lane] = first ? { seq: first[1].seq, hubTime: first[1].hubTime } : null;
    this.floor[lane] = Math.max(this.floor[lane], first ? first[1].seq - 1 : deletedThrough);
  }

  private lowestWaiting(): number {
    return Math.min(...LANES.map((lane) => this.head[lane]?.seq ?? Infinity));
  }

  /** Everything below the lowest waiting event is gone; with every lane empty, through the highest deleted. */
  private updateMark(highestDeleted = 0): void {
    const lowest = this.lowestWaiting();
    const mark = lowest === Infinity ? Math.max(highestDeleted, ...LANES.map((l) => this.floor[l])) : lowest - 1;
    this.acked = Math.max(this.acked, mark);
  }

  private async count(lane: Lane): Promise<number> {
    let n = 0;
    let after = laneKey(lane, this.floor[lane]);
    for (;;) {
      // Keys only: decoding a large backlog's values at start cost seconds and ~100 MiB of RSS (300,000 events).
      const rows = await this.store.entries<unknown>({ gt: after, lt: prefixEnd(LANE_PREFIX[lane]), limit: COUNT_CHUNK, values: false });
      n += rows.length;
      if (rows.length < COUNT_CHUNK) return n;
      after = rows[rows.length - 1]![0];
    }
  }

  /**
   * A store written before lanes holds `outbox:<seq>` keys. Each chunk moves in one atomic batch
   * (put in its lane, delete the old key): a crash leaves every event in exactly one place, and
   * the next start moves the rest.
   */
  private async migrateLegacy(): Promise<void> {
    for (;;) {
      const rows = await this.store.entries<Event>({ ...LEGACY_OUTBOX_RANGE, limit: MIGRATE_CHUNK });
      if (rows.length === 0) return;
      const ops: KvOp[] = [];
      for (const [key, event] of rows) ops.push({ type: 'put', key: laneKey(laneOf(event), seqOfOutboxKey(key)), value: event }, { type: 'del', key });
      await this.store.batch(ops, { sync: rows.length < MIGRATE_CHUNK });
    }
  }
}
