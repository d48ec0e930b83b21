/**
 * Keeps the outbox within its disk budget (docs/disk-budget.md): when the bytes it holds pass the
 * thresholds of budget-policy.ts, thins the oldest closed minutes of raw readings into summaries,
 * then drops the oldest telemetry, so the reserve stays for critical events. New telemetry is never
 * refused (a reading may raise an alarm): the oldest makes room. Only the telemetry lane is ever
 * touched, and only events the event log calls forwardable (on disk and through the rules: an input
 * start-up may replay is never removed).
 *
 * Every step is one event-log append: the summary or `outbox-shed` event and the deletes of what it
 * replaces commit in one atomic batch, so a crash leaves either the raw events or their
 * replacement and the report, never a silent hole.
 */
import type { Event } from '../../protocols/event.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { budgetThresholds, decideShedding, type BudgetLimits, type BudgetThresholds, type SheddingPhase } from './budget-policy.ts';
import { entryBytes, type OutboxBytes } from './budget-store.ts';
import type { EventLog } from './event-log.ts';
import { LANE_PREFIX, prefixEnd, seqOfOutboxKey } from './keys.ts';
import type { KvOp, KvStore } from './kv-store.ts';
import type { Outbox } from './outbox.ts';
import { shedReport } from './shedding-report.ts';
import { summariseReadings, type ReadingEvent } from './shedding-summaries.ts';

export interface ShedderOptions {
  /** the budgeted store (reads of the telemetry lane) */
  store: KvStore;
  /** the outbox's bytes now (BudgetStore.bytes) */
  bytes: () => OutboxBytes;
  log: Pick<EventLog, 'append' | 'forwardableSeq'>;
  /** told what shedding deleted, to keep its lane depths (Outbox.removed) */
  outbox: Pick<Outbox, 'removed'>;
  limits: BudgetLimits;
  /** the limits in force now, when the disk may hold less than `limits` (FreeSpaceWatch.limits); default `limits` */
  limitsNow?: () => BudgetLimits;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** telemetry events read per step (default 2,000) */
  stepEvents?: number;
}

export interface ShedTotals {
  /** raw readings replaced by summaries, keyed by kind */
  thinned: Record<string, number>;
  /** events dropped, keyed by kind */
  dropped: Record<string, number>;
  summaries: number;
}

export interface LastShed {
  action: 'thinned' | 'dropped';
  at: string;
  events: number;
  from: string;
  to: string;
}

const MINUTE_MS = 60_000;
/**
 * After a drop step found nothing it may drop (critical events fill the budget, or the telemetry
 * left is not forwardable yet), the next try waits for new forwardable telemetry, or this long:
 * not a read of the lane on every write.
 */
const RETRY_STUCK_DROP_MS = 5_000;
/** About what an outbox-shed report of a drop step adds to the critical lane (a few seq runs). */
const REPORT_BYTES = 512;

export class Shedder {
  private readonly totals: ShedTotals = { thinned: {}, dropped: {}, summaries: 0 };
  private last: LastShed | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  /** thinning has looked at every telemetry key up to this one (it moves only forward) */
  private thinCursor: string | null = null;
  /**
   * Thinning stopped at readings of this minute (ms) because it was still open: no point reading
   * them again before the next minute.
   */
  private thinBlockedMinute: number | null = null;
  /** The last drop step found nothing to drop: when, and how things stood (see RETRY_STUCK_DROP_MS). */
  private dropStuck: { at: number; forwardable: number } | null = null;
  constructor(private readonly options: ShedderOptions) {}

  /** Recomputed on each use: the disk's free space may lower the budget between two writes. */
  private get limitsNow(): BudgetLimits {
    return this.options.limitsNow?.() ?? this.options.limits;
  }

  private get thresholds(): BudgetThresholds {
    return budgetThresholds(this.limitsNow);
  }

  start(): void {
    const { metrics, limits } = this.options;
    metrics.define('outbox_bytes', 'gauge', 'Bytes the outbox holds (keys plus JSON values, before LevelDB compression), by lane', () =>
      Object.entries(this.options.bytes().lanes).map(([lane, bytes]) => [{ lane }, bytes]),
    );
    metrics.define('outbox_budget_bytes', 'gauge', 'The outbox disk budget (outbox.maxBytes)', () => limits.budgetBytes);
    metrics.define('outbox_reserve_bytes', 'gauge', 'Part of the budget kept for critical events (outbox.criticalReserveBytes)', () => limits.reserveBytes);
    metrics.define('outbox_thinned_events_total', 'counter', 'Raw telemetry events replaced by per-minute summaries to stay within the disk budget, by kind', () =>
      labelled(this.totals.thinned),
    );
    metrics.define('outbox_dropped_events_total', 'counter', 'Telemetry events deleted unsent (oldest first) to stay within the disk budget, by kind', () =>
      labelled(this.totals.dropped),
    );
    metrics.define('outbox_summaries_written_total', 'counter', 'Per-minute reading summaries written in place of raw readings', () => this.totals.summaries);
    this.stopped = false;
    const { total, lanes } = this.options.bytes();
    this.options.logger.info({ usedBytes: total, lanes, budgetBytes: limits.budgetBytes, ceiling: this.thresholds.ceiling }, 'outbox disk budget');
    this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  /** Resolves once no shedding pass is running (tests, and stop()). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** What was shed since start, and the last step. */
  stats(): ShedTotals & { last: LastShed | null } {
    const copy = (r: Record<string, number>) => ({ ...r });
    return { thinned: copy(this.totals.thinned), dropped: copy(this.totals.dropped), summaries: this.totals.summaries, last: this.last };
  }

  /** The outbox grew: shed if it passed a threshold. Cheap when it did not. */
  check(): void {
    if (this.stopped) return;
    if (this.options.bytes().total <= this.thresholds.thinAbove) return;
    if (this.dropStuck && !this.mayRetryDrop()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.options.logger.error({ err }, 'shedding failed; will try again on the next write'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.check();
        }
      });
  }

  /** Sheds until the policy says stop or nothing more can be removed. */
  private async pass(): Promise<void> {
    let thinnable = this.thinBlockedMinute !== openMinute(this.options.clock.now());
    let phase: SheddingPhase = 'idle';
    while (!this.stopped) {
      const decision = decideShedding(this.options.bytes().total, thinnable, this.limitsNow, phase);
      if (decision.action === 'none') break;
      if (decision.action === 'thin') {
        if (!(await this.thinStep())) thinnable = false;
        if (phase === 'idle') phase = 'thinning';
        continue;
      }
      phase = 'dropping';
      const { dropped, capped } = await this.dropStep(decision.bytesToFree);
      this.dropStuck = dropped === 0 ? { at: this.options.clock.now(), forwardable: this.options.log.forwardableSeq } : null;
      // A step that freed what it was asked for ends the pass: its own report lands a hair above the
      // target, and another step for that hair would drop a handful of events per report.
      if (dropped > 0 && !capped) break;
      if (dropped === 0) {
        // Nothing forwardable is left in the telemetry lane: critical events fill the budget, or
        // what is left still waits for the disk or the rules.
        const usedBytes = this.options.bytes().total;
        if (usedBytes > this.thresholds.thinAbove) this.options.logger.warn({ usedBytes, ceiling: this.thresholds.ceiling }, 'outbox over budget with no telemetry left to shed');
        break;
      }
    }
  }

  private mayRetryDrop(): boolean {
    const stuck = this.dropStuck!;
    const newTelemetry = this.options.log.forwardableSeq > stuck.forwardable && this.options.bytes().lanes.telemetry > 0;
    return newTelemetry || this.options.clock.now() >= stuck.at + RETRY_STUCK_DROP_MS;
  }

  /**
   * Replaces the raw readings of closed minutes, from the thinning cursor on, with summaries.
   * Resolves false when nothing is left to look at (the cursor reached the open minute, or
   * events not yet forwardable).
   */
  private async thinStep(): Promise<boolean> {
    const { store, log, clock } = this.options;
    const prefix = LANE_PREFIX.telemetry;
    const rows = await store.entries<Event>({
      ...(this.thinCursor === null ? { gte: prefix } : { gt: this.thinCursor }),
      lt: prefixEnd(prefix),
      limit: this.options.stepEvents ?? 2_000,
    });
    const openFromMs = openMinute(clock.now());
    const forwardable = log.forwardableSeq;
    /** the keys of the readings looked at, keyed by seq */
    const keys = new Map<number, string>();
    const readings: ReadingEvent[] = [];
    let cursor = this.thinCursor;
    let reachedEnd = rows.length === 0;
    for (const [key, event] of rows) {
      // Stop at the first event that is not settled (its minute is open, or start-up may replay it): everything after is newer.
      if (seqOfOutboxKey(key) > forwardable) {
        reachedEnd = true;
        break;
      }
      if (!(Date.parse(event.hubTime) < openFromMs)) {
        this.thinBlockedMinute = openFromMs;
        reachedEnd = true;
        break;
      }
      cursor = key;
      if (event.kind !== 'reading') continue;
      keys.set(event.seq, key);
      readings.push(event);
    }
    const thinning = summariseReadings(readings, { openFromMs });
    if (thinning.summaries.length > 0) await this.writeThinning(thinning.summaries, readings, keys);
    // Only past what is written: after a failed write the same readings are looked at again.
    this.thinCursor = cursor;
    return !reachedEnd;
  }

  private async writeThinning(
    summaries: ReturnType<typeof summariseReadings>['summaries'],
    readings: readonly ReadingEvent[],
    keys: ReadonlyMap<number, string>,
  ): Promise<void> {
    const { log, logger, limits } = this.options;
    const bySeq = new Map(readings.map((r) => [r.seq, r]));
    const removed: ReadingEvent[] = [];
    let bytesFreed = 0;
    const appends: Promise<Event>[] = [];
    for (const summary of summaries) {
      const ops: KvOp[] = [];
      for (const [first, last] of summary.payload.seqs) {
        for (let seq = first; seq <= last; seq++) {
          const reading = bySeq.get(seq)!;
          const key = keys.get(seq)!;
          ops.push({ type: 'del', key });
          removed.push(reading);
          bytesFreed += entryBytes(key, reading);
        }
      }
      // Appended together in one tick: the event log's group commit writes them in one batch.
      appends.push(log.append(summary, ops));
      // The summary's own size, its envelope estimated (id 36, hub id and times ~60 characters).
      bytesFreed -= entryBytes(LANE_PREFIX.telemetry + '0'.repeat(16), summary) + 100;
    }
    const report = shedReport({ action: 'thinned', removed, summaries: summaries.length, bytesFreed, budgetBytes: this.limitsNow.budgetBytes });
    if (report) appends.push(log.append(report));
    await Promise.all(appends);
    await this.options.outbox.removed('telemetry', removed.length);
    for (const r of removed) this.totals.thinned[r.kind] = (this.totals.thinned[r.kind] ?? 0) + 1;
    this.totals.summaries += summaries.length;
    this.noteLast('thinned', report);
    logger.info({ readings: removed.length, summaries: summaries.length, from: report?.payload.from, to: report?.payload.to, usedBytes: this.options.bytes().total }, 'outbox thinned: old readings replaced by per-minute summaries');
  }

  /**
   * Deletes the oldest forwardable telemetry worth `bytesToFree` and the size of its own report;
   * resolves to how many events went, and whether the step's event limit cut it short.
   */
  private async dropStep(bytesToFree: number): Promise<{ dropped: number; capped: boolean }> {
    const { store, log, logger, limits } = this.options;
    const prefix = LANE_PREFIX.telemetry;
    const limit = this.options.stepEvents ?? 2_000;
    const rows = await store.entries<Event>({ gte: prefix, lt: prefixEnd(prefix), limit });
    const forwardable = log.forwardableSeq;
    const removed: Event[] = [];
    const ops: KvOp[] = [];
    let bytesFreed = 0;
    const wanted = bytesToFree + REPORT_BYTES;
    for (const [key, event] of rows) {
      if (bytesFreed >= wanted || seqOfOutboxKey(key) > forwardable) break;
      ops.push({ type: 'del', key });
      removed.push(event);
      bytesFreed += entryBytes(key, event);
    }
    const report = shedReport({ action: 'dropped', removed, summaries: 0, bytesFreed, budgetBytes: this.limitsNow.budgetBytes });
    if (!report) return { dropped: 0, capped: false };
    await log.append(report, ops);
    await this.options.outbox.removed('telemetry', removed.length);
    // Dropped keys the thinning cursor had passed are gone; keys after it are untouched.
    for (const e of removed) this.totals.dropped[e.kind] = (this.totals.dropped[e.kind] ?? 0) + 1;
    this.noteLast('dropped', report);
    logger.warn({ events: removed.length, byKind: report.payload.byKind, from: report.payload.from, to: report.payload.to, usedBytes: this.options.bytes().total }, 'outbox over budget: oldest telemetry dropped');
    return { dropped: removed.length, capped: removed.length === limit };
  }

  private noteLast(action: LastShed['action'], report: ReturnType<typeof shedReport>): void {
    if (!report) return;
    this.last = { action, at: new Date(this.options.clock.now()).toISOString(), events: report.payload.events, from: report.payload.from, to: report.payload.to };
  }
}

/** Start of the minute `ms` falls in: readings from then on are not summarised yet. */
function openMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function labelled(counts: Record<string, number>): Array<[Record<string, string>, number]> {
  return Object.entries(counts).map(([kind, n]) => [{ kind }, n]);
}
