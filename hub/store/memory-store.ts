/** In-memory KvStore for unit tests; same contract as LevelDB, no durability. */
import type { KvOp, KvRange, KvStore } from './kv-store.ts';

export function createMemoryStore(): KvStore {
  /** keyed by store key; values are JSON copies so callers cannot mutate stored state */
  const data = new Map<string, string>();
  let opened = false;
  const assertOpen = () => {
    if (!opened) throw new Error('store is not open');
  };
  return {
    async open() {
      opened = true;
    },
    async close() {
      opened = false;
    },
    async get<T>(key: string) {
      assertOpen();
      const raw = data.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async batch(ops: KvOp[]) {
      assertOpen();
      const encoded = ops.map((op) => (op.type === 'put' ? { ...op, raw: JSON.stringify(op.value) } : op));
      for (const op of encoded) {
        if (op.type === 'put') data.set(op.key, (op as { raw: string }).raw);
        else data.delete(op.key);
      }
    },
    async entries<T>(range: KvRange) {
      assertOpen();
      let keys = [...data.keys()].sort().filter((k) => inRange(k, range));
      if (range.reverse) keys.reverse();
      if (range.limit !== undefined && range.limit >= 0) keys = keys.slice(0, range.limit);
      return keys.map((k) => [k, JSON.parse(data.get(k)!) as T] as [string, T]);
    },
  };
}

function inRange(key: string, r: KvRange): boolean {
  if (r.gt !== undefined && !(key > r.gt)) return false;
  if (r.gte !== undefined && !(key >= r.gte)) return false;
  if (r.lt !== undefined && !(key < r.lt)) return false;
  if (r.lte !== undefined && !(key <= r.lte)) return false;
  return true;
}
