/** LevelDB implementation of KvStore; the only file that imports `level`. */
import { Level } from 'level';
import type { KvOp, KvRange, KvStore } from './kv-store.ts';

export function createLevelStore(location: string): KvStore {
  const db = new Level<string, unknown>(location, { valueEncoding: 'json' });
  return {
    async open() {
      await db.open();
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
