/**
 * Says so when the data disk is full (docs/crash-testing.md#full-disk): a store write refused with
 * "No space left on device" (ENOSPC) raises `store_disk_full` on /metrics and logs "disk full" once
 * per episode. The write still fails, so nothing is acknowledged that is not on disk.
 *
 * LevelDB keeps refusing every write after one failed write-ahead-log append, even once space
 * returns, until the database is reopened: the flag then stays up until the hub restarts.
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

export function watchDiskFull(inner: KvStore, deps: { logger: Logger; metrics: Metrics; onDiskFull?: () => void }): KvStore {
  let full = false;
  let refused = 0;
  deps.metrics.define('store_disk_full', 'gauge', 'Whether the last store write failed because the data disk is full (1) or succeeded (0)', () => (full ? 1 : 0));
  deps.metrics.define('store_disk_full_writes_total', 'counter', 'Store writes refused because the data disk is full', () => refused);
  return {
    open: () => inner.open(),
    close: () => inner.close(),
    get: <T>(key: string) => inner.get<T>(key),
    entries: <T>(range: Parameters<KvStore['entries']>[0]) => inner.entries<T>(range),
    async batch(ops, options) {
      try {
        await inner.batch(ops, options);
        full = false;
      } catch (err) {
        if (isDiskFullError(err)) {
          refused++;
          if (!full) deps.logger.error({ err }, 'disk full: new events cannot be stored until space is freed on the data disk and the hub restarts');
          full = true;
          // The budget probes free space again at once (free-space.ts), so telemetry yields before the next write.
          deps.onDiskFull?.();
        }
        throw err;
      }
    },
  };
}
