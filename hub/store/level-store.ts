/** LevelDB implementation of KvStore; the only file that imports `level`. */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import type { KvOp, KvRange, KvStore } from './kv-store.ts';

export interface LevelStoreOptions {
  /**
   * LevelDB's write buffer (its write-ahead log grows to this before a flush; default LevelDB's
   * 4 MiB): the disk budget's margin must hold it (docs/disk-budget.md#free-space).
   */
  writeBufferBytes?: number;
}

export function createLevelStore(location: string, options: LevelStoreOptions = {}): KvStore {
  const db = new Level<string, unknown>(location, {
    valueEncoding: 'json',
    ...(options.writeBufferBytes !== undefined && { writeBufferSize: options.writeBufferBytes }),
  });
  return {
    async open() {
      // The log holds residents' events: the folder is the owner's alone (0700). LevelDB creates its
      // files 0644 minus the umask, so the daemon runs with umask 077 (hub/cli.ts) and files already
      // there (older versions, a hub built in-process) are tightened to 0600 here.
      await mkdir(location, { recursive: true, mode: 0o700 });
      await chmod(location, 0o700);
      await db.open();
      for (const entry of await readdir(location, { withFileTypes: true })) {
        if (!entry.isFile()) continue;
        // A compaction started by open() (after a crash it recovers the log into a table) may delete an
        // obsolete file between readdir and chmod: gone is fine (the crash loop hit it, docs/crash-testing.md#findings).
        await chmod(join(location, entry.name), 0o600).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    },
    async close() {
      await db.close();
    },
    async get<T>(key: string) {
      // level 10 resolves undefined for a missing key (no NotFound error).
      return (await db.get(key)) as T | undefined;
    },
    async batch(ops: KvOp[], options: { sync: boolean }) {
      if (ops.length === 0) return;
      // `sync` is a classic-level option that the abstract-level batch types do not declare.
      await db.batch(ops as never, { sync: options.sync } as never);
    },
    async entries<T>(range: KvRange) {
      return (await db.iterator({ ...range, limit: range.limit ?? -1 }).all()) as Array<[string, T]>;
    },
  };
}
