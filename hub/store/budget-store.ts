/**
 * Byte accounting for the outbox's disk budget (docs/disk-budget.md#counting-bytes): a KvStore
 * that passes everything through to the real one and keeps a running total of the bytes held under
 * the outbox prefix, per lane. Every writer (event log, forwarder acks, shedding) goes through it,
 * so nobody has to remember to report a size.
 *
 * A size is the key's length plus the value's JSON length: what LevelDB is handed, before its own
 * compression and overhead, so the budget is of the data, not of the files. Sizes of deleted events
 * come from a small cache of what was recently read (the forwarder peeks a batch before its
 * acknowledgement deletes it; shedding reads what it replaces), else from a read. Writes are not
 * cached: a cache churned on every put cost a third of the append rate (docs/disk-budget.md#what-it-costs).
 *
 * At start the total comes from a checkpoint written by the last clean stop (and removed at start,
 * so a crash leaves none), else from one scan of the outbox.
 */
import { laneOf, LANE_PREFIX, OUTBOX_PREFIX, prefixEnd, seqOfOutboxKey, type Lane } from './keys.ts';
import type { KvOp, KvRange, KvStore } from './kv-store.ts';

/** Written by close(), removed by open(): present only after a clean stop. */
export const META_OUTBOX_BYTES = 'meta:outbox-bytes';

export interface OutboxBytes {
  total: number;
  lanes: Record<Lane, number>;
}

export interface BudgetStoreOptions {
  /** Called after a batch that added outbox bytes (the shedder checks the budget on it); must not throw. */
  onGrow?: () => void;
  /** How many sizes of recently read events to remember for deletes, at least (default 10,000: a few forwarder batches). */
  sizeCacheEntries?: number;
}

interface Sized {
  bytes: number;
  lane: Lane;
}

interface Checkpoint {
  lanes: Record<Lane, number>;
}

const SCAN_CHUNK = 10_000;

/** The bytes one stored entry stands for (UTF-16 length: every outbox value is mostly ASCII). */
export function entryBytes(key: string, value: unknown): number {
  return key.length + JSON.stringify(value).length;
}

function laneOfEntry(key: string, value: unknown): Lane {
  if (key.startsWith(LANE_PREFIX.critical)) return 'critical';
  if (key.startsWith(LANE_PREFIX.telemetry)) return 'telemetry';
  // A pre-lane key: its event's kind says where it will go.
  return laneOf(value as { kind: string });
}

export class BudgetStore implements KvStore {
  private readonly lanes: Record<Lane, number> = { critical: 0, telemetry: 0 };
  /**
   * Size and lane of recently read outbox entries, keyed by store key, in two generations: when
   * `recent` is full it becomes `older` and a new one starts. Evicting one key at a time from one
   * Map (the oldest, by iteration) slows down as deleted slots pile up at its front.
   */
  private recent = new Map<string, Sized>();
  private older = new Map<string, Sized>();
  /** outbox keys a batch in flight is deleting, so a second delete of one is not counted twice */
  private readonly deleting = new Set<string>();
  private readonly cacheLimit: number;
  /** open() succeeded and close() has not run: only then is a checkpoint written */
  private opened = false;
  /** how the total was found at open: for the start-up log */
  restoredFrom: 'checkpoint' | 'scan' = 'scan';

  constructor(
    private readonly inner: KvStore,
    private readonly options: BudgetStoreOptions = {},
  ) {
    this.cacheLimit = options.sizeCacheEntries ?? 10_000;
  }

  bytes(): OutboxBytes {
    return { total: this.lanes.critical + this.lanes.telemetry, lanes: { ...this.lanes } };
  }

  async open(): Promise<void> {
    await this.inner.open();
    this.opened = true;
    const checkpoint = await this.inner.get<Checkpoint>(META_OUTBOX_BYTES);
    if (checkpoint && isCheckpoint(checkpoint)) {
      this.lanes.critical = checkpoint.lanes.critical;
      this.lanes.telemetry = checkpoint.lanes.telemetry;
      this.restoredFrom = 'checkpoint';
      // Gone from now on: if this run crashes, the next start scans instead of trusting a stale total.
      await this.inner.batch([{ type: 'del', key: META_OUTBOX_BYTES }], { sync: true });
      return;
    }
    this.restoredFrom = 'scan';
    await this.scan();
  }

  async close(): Promise<void> {
    if (this.opened) {
      this.opened = false;
      try {
        await this.inner.batch([{ type: 'put', key: META_OUTBOX_BYTES, value: { lanes: { ...this.lanes } } satisfies Checkpoint }], { sync: true });
      } catch {
        // A full disk, say: without the checkpoint the next start counts by a scan, so closing matters more.
      }
    }
    this.recent.clear();
    this.older.clear();
    await this.inner.close();
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.inner.get<T>(key);
  }

  async entries<T>(range: KvRange): Promise<Array<[string, T]>> {
    const rows = await this.inner.entries<T>(range);
    // A keys-only read (`values: false`, the outbox's start-up count) has no sizes to remember.
    for (const [key, value] of rows) if (key.startsWith(OUTBOX_PREFIX) && value !== undefined) this.remember(key, value);
    return rows;
  }

  async batch(ops: KvOp[], options: { sync: boolean }): Promise<void> {
    const added: Record<Lane, number> = { critical: 0, telemetry: 0 };
    const puts: Array<[string, unknown]> = [];
    const dels: string[] = [];
    // A put is taken to be a new key unless its size is cached: the event log never writes an outbox key twice.
    for (const op of ops) {
      if (!op.key.startsWith(OUTBOX_PREFIX)) continue;
      if (op.type === 'put') puts.push([op.key, op.value]);
      else if (!this.deleting.has(op.key)) dels.push(op.key);
    }
    for (const key of dels) this.deleting.add(key);
    try {
      const removed = await this.sizesOf(dels);
      for (const [key, value] of puts) {
        // An overwrite (not done today) replaces the old size rather than adding to it.
        const old = this.known(key);
        if (old) removed.push(old);
        added[laneOfEntry(key, value)] += entryBytes(key, value);
      }
      await this.inner.batch(ops, options);
      for (const r of removed) this.lanes[r.lane] -= r.bytes;
      this.lanes.critical += added.critical;
      this.lanes.telemetry += added.telemetry;
      for (const key of [...dels, ...puts.map(([key]) => key)]) this.forget(key);
    } finally {
      for (const key of dels) this.deleting.delete(key);
    }
    if (added.critical + added.telemetry > 0) this.options.onGrow?.();
  }

  private remember(key: string, value: unknown): void {
    if (this.recent.size >= this.cacheLimit) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, { bytes: entryBytes(key, value), lane: laneOfEntry(key, value) });
  }

  private known(key: string): Sized | undefined {
    return this.recent.get(key) ?? this.older.get(key);
  }

  private forget(key: string): void {
    this.recent.delete(key);
    this.older.delete(key);
  }

  /** Sizes of stored entries about to be deleted; a key not stored counts nothing. */
  private async sizesOf(keys: readonly string[]): Promise<Array<{ bytes: number; lane: Lane }>> {
    const found: Array<{ bytes: number; lane: Lane }> = [];
    const missing: string[] = [];
    for (const key of keys) {
      const known = this.known(key);
      if (known) found.push(known);
      else missing.push(key);
    }
    if (missing.length === 0) return found;
    missing.sort();
    // An acknowledgement deletes a run of neighbouring keys: one range read beats a get per key.
    const first = missing[0]!;
    const last = missing[missing.length - 1]!;
    const sameFamily = first.slice(0, first.lastIndexOf(':')) === last.slice(0, last.lastIndexOf(':'));
    const span = seqOfOutboxKey(last) - seqOfOutboxKey(first) + 1;
    if (sameFamily && span <= missing.length * 4) {
      const wanted = new Set(missing);
      for (const [key, value] of await this.inner.entries<unknown>({ gte: first, lte: last })) {
        if (wanted.has(key)) found.push({ bytes: entryBytes(key, value), lane: laneOfEntry(key, value) });
      }
    } else {
      for (const key of missing) {
        const value = await this.inner.get<unknown>(key);
        if (value !== undefined) found.push({ bytes: entryBytes(key, value), lane: laneOfEntry(key, value) });
      }
    }
    return found;
  }

  private async scan(): Promise<void> {
    this.lanes.critical = 0;
    this.lanes.telemetry = 0;
    let after: string | undefined;
    for (;;) {
      const range: KvRange = after === undefined ? { gte: OUTBOX_PREFIX } : { gt: after };
      const rows = await this.inner.entries<unknown>({ ...range, lt: prefixEnd(OUTBOX_PREFIX), limit: SCAN_CHUNK });
      for (const [key, value] of rows) this.lanes[laneOfEntry(key, value)] += entryBytes(key, value);
      if (rows.length < SCAN_CHUNK) return;
      after = rows[rows.length - 1]![0];
    }
  }
}

function isCheckpoint(value: unknown): value is Checkpoint {
  const lanes = (value as Checkpoint | null)?.lanes;
  return typeof lanes?.critical === 'number' && typeof lanes.telemetry === 'number' && lanes.critical >= 0 && lanes.telemetry >= 0;
}
