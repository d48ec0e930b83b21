/**
 * PGlite store: PostgreSQL in WASM, one connection, queries one at a time
 * (docs/architecture.md#toolchain-notes). The embedded default for demos, quick start and tests; never
 * the store for several relay replicas. The only file that imports PGlite.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.ts';

export interface PgliteDatabaseOptions {
  /** Folder for a file-backed database; omitted ⇒ in memory. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from (tests reuse a migrated template: initdb costs 6-7 s). */
  loadDataDir?: Blob;
}

export interface PgliteDatabase extends Database {
  readonly kind: 'pglite';
  /** Tarball of the data folder, loadable through `loadDataDir`. */
  dumpDataDir(): Promise<Blob>;
}

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const res = await q.query<T>(sql, params as unknown[] | undefined);
      return { rows: res.rows };
    },
    async exec(sql: string): Promise<void> {
      await q.exec(sql);
    },
  };
}

export function createPgliteDatabase(options: PgliteDatabaseOptions = {}): PgliteDatabase {
  // Opened on first use so that creating the relay performs no I/O (docs/architecture.md#conventions).
  let opening: Promise<PGlite> | undefined;
  function open(): Promise<PGlite> {
    opening ??= (async function openPglite() {
      if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
      return PGlite.create({
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
        ...(options.loadDataDir !== undefined ? { loadDataDir: options.loadDataDir } : {}),
      });
    })();
    return opening;
  }

  return {
    kind: 'pglite',
    async query<T>(sql: string, params?: unknown[]) {
      return wrap(await open()).query<T>(sql, params);
    },
    async exec(sql: string) {
      return wrap(await open()).exec(sql);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const pg = await open();
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async dumpDataDir(): Promise<Blob> {
      return (await open()).dumpDataDir('none');
    },
    async close() {
      if (opening === undefined) return;
      const pg = await opening;
      if (!pg.closed) await pg.close();
    },
  };
}
