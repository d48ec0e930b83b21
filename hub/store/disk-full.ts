/**
 * Says so when the data disk is full (docs/crash-testing.md#full-disk): a store write refused with
 * "No space left on device" (ENOSPC) raises `store_disk_full` on /metrics and logs "disk full" once
 * per episode. The write still fails, so nothing is acknowledged that is not on disk.
 *
 * LevelDB keeps refusing every write after one failed write-ahead-log append, even once space
 * returns, until the database is reopened. So while the flag is up, a write first asks how much
 * space is free (at most every `recheckMs`); with `reopenFreeBytes` back it closes and reopens the
 * store on the same path (LevelDB replays its log and drops the torn record of the failed append),
 * clears the flag and goes on. Meanwhile writes fail fast, as before. Reads wait for a reopen in
 * progress rather than meeting a closed database.
 */
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { KvStore } from './kv-store.ts';

/** ENOSPC, by code or by LevelDB's message (classic-level reports LEVEL_IO_ERROR with the OS text), anywhere in the cause chain. */
export function isDiskFullError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC' || /no space left on device/i.test(e.message)) return true;
  }
  return false;
}

export interface DiskFullOptions {
  logger: Logger;
  metrics: Metrics;
  /** told when a write failed for lack of space (the budget probes free space again) */
  onDiskFull?: () => void;
  /** bytes free on the store's filesystem now; without it the store stays refused until a restart */
  freeBytes?: () => Promise<number>;
  /** free space that lets the store reopen (default 1 MiB: room for a new log) */
  reopenFreeBytes?: number;
  /** least time between two looks at the free space while the disk is full (default 500 ms) */
  recheckMs?: number;
  now?: () => number;
}

/** A write refused without trying LevelDB, which would refuse it anyway until reopened. */
function stillFull(): Error {
  return Object.assign(new Error('no space left on device: the data disk is still full, the store reopens once space is freed'), { code: 'ENOSPC' });
}

export function watchDiskFull(inner: KvStore, deps: DiskFullOptions): KvStore {
  let full = false;
  let refused = 0;
  let reopens = 0;
  let lastLook = -Infinity;
  /** a reopen in progress: writes and reads wait for it */
  let reopening: Promise<boolean> | null = null;
  /** writes handed to the store and not yet answered: a reopen closes the store only after them */
  const inFlight = new Set<Promise<void>>();
  const now = deps.now ?? Date.now;
  const reopenFreeBytes = deps.reopenFreeBytes ?? 1024 * 1024;
  const recheckMs = deps.recheckMs ?? 500;
  deps.metrics.define('store_disk_full', 'gauge', 'Whether the last store write failed because the data disk is full (1) or succeeded (0)', () => (full ? 1 : 0));
  deps.metrics.define('store_disk_full_writes_total', 'counter', 'Store writes refused because the data disk is full', () => refused);
  deps.metrics.define('store_reopens_total', 'counter', 'Times the store was reopened after the data disk was full and space came back', () => reopens);

  /** Reopens when space is back; false when it is not (or not looked at again yet). */
  async function recover(): Promise<boolean> {
    if (!deps.freeBytes || now() - lastLook < recheckMs) return false;
    lastLook = now();
    const free = await deps.freeBytes();
    if (free < reopenFreeBytes) return false;
    await Promise.allSettled([...inFlight]);
    await inner.close();
    await inner.open();
    full = false;
    reopens++;
    deps.logger.warn({ freeBytes: free }, 'disk space is back: store reopened, new events are stored again');
    return true;
  }

  const settled = async () => {
    if (reopening) await reopening.catch(() => undefined);
  };

  return {
    open: () => inner.open(),
    close: async () => {
      await settled();
      await inner.close();
    },
    // No extra await on the hot path: only a reopen in progress holds reads back.
    get: <T>(key: string) => (reopening ? settled().then(() => inner.get<T>(key)) : inner.get<T>(key)),
    entries: <T>(range: Parameters<KvStore['entries']>[0]) => (reopening ? settled().then(() => inner.entries<T>(range)) : inner.entries<T>(range)),
    async batch(ops, options) {
      if (full && deps.freeBytes) {
        // One reopen at a time; writes arriving meanwhile share its outcome.
        reopening ??= recover().finally(() => {
          reopening = null;
        });
        let back = false;
        try {
          back = await reopening;
        } catch (err) {
          deps.logger.error({ err }, 'reopening the store after a full disk failed; will try again');
        }
        if (!back) {
          refused++;
          throw stillFull();
        }
      }
      try {
        const write = inner.batch(ops, options);
        inFlight.add(write);
        try {
          await write;
        } finally {
          inFlight.delete(write);
        }
        full = false;
      } catch (err) {
        if (isDiskFullError(err)) {
          refused++;
          if (!full) deps.logger.error({ err }, 'disk full: new events cannot be stored until space is freed on the data disk');
          full = true;
          lastLook = -Infinity;
          // The budget probes free space again at once (free-space.ts), so telemetry yields before the next write.
          deps.onDiskFull?.();
        }
        throw err;
      }
    },
  };
}
