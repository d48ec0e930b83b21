/**
 * Turns drafts into Events and makes them durable in the outbox.
 *
 * - `seq` is per-hub and monotonic across restarts: the last one is stored with
 *   every write, in the same atomic batch as the event.
 * - Writes are group-committed: appends that arrive while a batch is on its way
 *   to disk go together in the next batch. A batch holding any critical event
 *   (alarm, alarm update, call) is written with fsync before anyone hears of it;
 *   telemetry alone rides without fsync (level's default), figures in docs/architecture.md#durability.
 */
import { createRandomPool } from './random-pool.ts';
import { Event, isCritical, type EventDraft } from '../../protocols/event.ts';
import { uuidv7 } from '../../protocols/uuidv7.ts';
import type { Clock } from '../clock.ts';
import type { KvOp, KvStore } from './kv-store.ts';
import { laneKey, laneOf, META_EVALUATED, META_SEQ } from './keys.ts';
import { outboxEventsAfter, outboxTailSeq } from './outbox-scan.ts';

export interface EventLogOptions {
  hubId: string;
  store: KvStore;
  clock: Clock;
  /**
   * Called when `forwardableSeq` may have moved: after each durable batch and
   * after an input is evaluated. The forwarder wakes on it.
   */
  onForwardable?: (forwardableSeq: number) => void;
  /** Called with each batch of events once it is on disk (the outbox keeps its lane depths by it). */
  onDurable?: (events: readonly Event[]) => void;
}

interface Pending {
  event: Event;
  /** The event is rule input: it counts as unevaluated until `evaluated(seq)`. */
  evaluate: boolean;
  ops: KvOp[];
  resolve: (event: Event) => void;
  reject: (err: Error) => void;
}

export class EventLogError extends Error {
  readonly code: 'invalid-event' | 'not-started';
  constructor(code: EventLogError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Evaluation tracking (docs/architecture.md): an input event is fsynced before
 * the rules see it, and its alarm is a second write. A power cut between the
 * two must not lose the call, so every batch also records `meta:evaluated`, the
 * seq below which every input has been through the rules, and start-up replays
 * the rest.
 *
 * The same mark bounds forwarding (`forwardableSeq`): the forwarder sends, and a
 * relay acknowledgement deletes, only events below the lowest input still
 * waiting for the rules, because start-up replays inputs from the outbox. One
 * rule for both: were the forwarder allowed to send what it may not delete, the
 * relay's acknowledgement of it would delete nothing and look like a failure.
 */
export class EventLog {
  /** highest seq assigned (a batch being written included) */
  private lastSeq = 0;
  /** highest seq whose batch is on disk */
  private durableSeq = 0;
  /** seqs of input events written but not yet through the rules */
  private readonly unevaluatedSeqs = new Set<number>();
  /** inputs found unevaluated at start, in seq order, until replayed */
  private replay: Event[] = [];
  private lastIdMs = 0;
  private readonly random = createRandomPool();
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private started = false;

  constructor(private readonly options: EventLogOptions) {}

  async start(): Promise<void> {
    const stored = (await this.options.store.get<number>(META_SEQ)) ?? 0;
    // The outbox tail can only be ahead of meta:seq if a future change writes them apart; take the max anyway.
    this.lastSeq = Math.max(stored, await outboxTailSeq(this.options.store));
    this.durableSeq = this.lastSeq;
    // Inputs above the recorded mark are unevaluated from the first moment, so neither the
    // forwarder nor an acknowledgement can pass them before the replay has run.
    const mark = (await this.options.store.get<number>(META_EVALUATED)) ?? this.lastSeq;
    // Every lane (docs/store-and-forward.md), merged back into seq order.
    this.replay = (await outboxEventsAfter(this.options.store, mark)).filter((event) => !isRuleOutput(event));
    this.unevaluatedSeqs.clear();
    for (const event of this.replay) this.unevaluatedSeqs.add(event.seq);
    this.started = true;
  }

  async stop(): Promise<void> {
    while (this.writing) await this.writing;
    await this.options.store.batch([{ type: 'put', key: META_EVALUATED, value: this.evaluatedSeq }], { sync: true });
    this.started = false;
  }

  /** Every input event with a seq up to this has been through the rules. */
  get evaluatedSeq(): number {
    let lowest = Infinity;
    // Linear, but the set holds only inputs in flight (one group-commit batch) or left by a crash.
    for (const seq of this.unevaluatedSeqs) lowest = Math.min(lowest, seq);
    return lowest === Infinity ? this.lastSeq : lowest - 1;
  }

  /**
   * Every event up to this seq is on disk and no input up to it waits for the
   * rules: the forwarder may send it, and the relay's acknowledgement delete it.
   */
  get forwardableSeq(): number {
    return Math.min(this.durableSeq, this.evaluatedSeq);
  }

  /** The rules are done with this input event. */
  evaluated(seq: number): void {
    if (!this.unevaluatedSeqs.delete(seq)) return;
    this.options.onForwardable?.(this.forwardableSeq);
  }

  /**
   * Input events written after the last recorded evaluation mark and not yet
   * replayed, in seq order: replay them at start, calling `evaluated(seq)` for
   * each. Until then they hold the mark back, so a crash during the replay
   * replays them again.
   */
  async unevaluated(): Promise<Event[]> {
    this.replay = this.replay.filter((event) => this.unevaluatedSeqs.has(event.seq));
    return [...this.replay];
  }

  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Appends one event; `extraOps` commit in the same atomic batch (e.g. the
   * alarm record that the event describes). Given as a function, they see the
   * event with its id (not yet its seq). Resolves once durable.
   */
  append(draft: EventDraft, extraOps: KvOp[] | ((event: Event) => KvOp[]) = [], options: { evaluate?: boolean } = {}): Promise<Event> {
    if (!this.started) return Promise.reject(new EventLogError('not-started', 'event log is not started'));
    const now = this.options.clock.now();
    const candidate = {
      ...draft,
      id: this.nextId(now),
      hubId: this.options.hubId,
      seq: this.lastSeq + 1, // provisional, for validation; the writer assigns the real one
      hubTime: draft.hubTime ?? new Date(now).toISOString(),
    };
    const parsed = Event.safeParse(candidate);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return Promise.reject(new EventLogError('invalid-event', `invalid ${draft.kind} event: ${detail}`));
    }
    const event = parsed.data;
    return new Promise<Event>((resolve, reject) => {
      this.queue.push({ event, evaluate: options.evaluate ?? false, ops: typeof extraOps === 'function' ? extraOps(event) : extraOps, resolve, reject });
      if (!this.writing) this.writing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      // seq is assigned here, not at append, so a failed write leaves no gap in the sequence
      // (the relay acknowledges the highest *contiguous* seq).
      const seqBefore = this.lastSeq;
      const ops: KvOp[] = [];
      for (const p of batch) {
        p.event.seq = ++this.lastSeq;
        if (p.evaluate) this.unevaluatedSeqs.add(p.event.seq);
        ops.push({ type: 'put', key: laneKey(laneOf(p.event), p.event.seq), value: p.event }, ...p.ops);
      }
      ops.push({ type: 'put', key: META_SEQ, value: this.lastSeq }, { type: 'put', key: META_EVALUATED, value: this.evaluatedSeq });
      try {
        await this.options.store.batch(ops, { sync: batch.some((p) => isCritical(p.event)) });
      } catch (err) {
        for (const p of batch) this.unevaluatedSeqs.delete(p.event.seq);
        this.lastSeq = seqBefore;
        for (const p of batch) p.reject(err as Error);
        continue;
      }
      this.durableSeq = this.lastSeq;
      this.options.onDurable?.(batch.map((p) => p.event));
      for (const p of batch) p.resolve(p.event);
      this.options.onForwardable?.(this.forwardableSeq);
    }
    this.writing = null;
  }

  /** UUIDv7 whose time part never goes backwards within this process, so ids sort like seq. */
  private nextId(now: number): string {
    this.lastIdMs = Math.max(this.lastIdMs, now);
    return uuidv7(this.lastIdMs, this.random(10));
  }
}

/** Alarms and their updates are what rules produce, never what they read. */
function isRuleOutput(event: Event): boolean {
  return event.kind === 'alarm' || event.kind === 'alarm-update';
}
