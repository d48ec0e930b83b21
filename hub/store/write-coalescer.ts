/**
 * Group commit for writers that do not need their own batch: ops handed in while a batch is on its
 * way to disk go together in the next one, so N writes cost one LevelDB batch instead of N.
 *
 * Why: each `KvStore.batch` call costs a fixed ~30 µs on the main thread (abstract-level's per-batch
 * set-up, classic-level's native call), whatever it holds; one awaited batch per event was the
 * ingest path's limit (docs/benchmarks.md#ingest-mqtt-readings-into-the-durable-log-npm-run-benchingest).
 * A later op on a key wins, within a batch and across batches; within one batch only the last op
 * of each key is handed to the store (a batch is atomic, so the earlier ones could never be seen),
 * which spares encoding a device's rule state once per reading when its readings arrive together.
 */
import type { KvOp, KvStore } from './kv-store.ts';

interface Waiting {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WriteCoalescer {
  /** ops for the next batch, keyed by store key: the last op of a key replaces the earlier */
  private ops = new Map<string, KvOp>();
  /** who waits for the next batch */
  private waiting: Waiting[] = [];
  /** the next batch must be fsynced: one of its writers asked for it */
  private sync = false;
  private writing: Promise<void> | null = null;

  constructor(private readonly store: KvStore) {}

  /** Resolves once the batch holding these ops is written (rejects if that batch failed). */
  write(ops: readonly KvOp[], options: { sync: boolean } = { sync: false }): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    for (const op of ops) this.ops.set(op.key, op);
    if (options.sync) this.sync = true;
    const written = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (!this.writing) this.writing = this.drain();
    return written;
  }

  /** Resolves when everything handed in so far is written or has failed. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.ops.size > 0) {
      const ops = [...this.ops.values()];
      const waiting = this.waiting;
      const sync = this.sync;
      this.ops.clear();
      this.waiting = [];
      this.sync = false;
      try {
        await this.store.batch(ops, { sync });
      } catch (err) {
        for (const w of waiting) w.reject(err as Error);
        continue;
      }
      for (const w of waiting) w.resolve();
    }
    this.writing = null;
  }
}
