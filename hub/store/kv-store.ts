/**
 * The hub's storage seam: an ordered key-value store with atomic batches.
 * LevelDB in production, memory in unit tests; one contract suite covers both
 * (test/hub/store/kv-contract.ts), as aedes-persistence's abstract suite does.
 */
export type KvOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

export interface KvRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
  /** false: the caller needs only keys; a store may leave values undefined (LevelDB then skips decoding them). */
  values?: false;
}

export interface KvStore {
  open(): Promise<void>;
  close(): Promise<void>;
  get<T>(key: string): Promise<T | undefined>;
  /**
   * Applies all ops or none. `sync: true` returns only after the OS has the write
   * on disk (fsync): the durability point for alarms (promise 1, docs/architecture.md#durability).
   */
  batch(ops: KvOp[], options: { sync: boolean }): Promise<void>;
  /** Entries in key order within the range. */
  entries<T>(range: KvRange): Promise<Array<[string, T]>>;
}
