/**
 * PostgreSQL store over a pg.Pool: the production store that N relay replicas
 * share. The only file that imports pg.
 */
import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';

export interface PostgresDatabaseOptions {
  connectionString: string;
  /** Pool size per replica; PostgreSQL's own default max_connections is 100. */
  max?: number;
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const res = await client.query(sql, params);
      return { rows: res.rows as T[] };
    },
    async exec(sql: string): Promise<void> {
      // No parameters ⇒ simple query protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

export function createPostgresDatabase(options: PostgresDatabaseOptions): Database {
  // pg.Pool connects lazily, so construction performs no I/O.
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  // An idle client that loses its server emits 'error' on the pool; unhandled it would kill the process.
  pool.on('error', function onIdleClientError() {});
  const direct = wrap(pool);
  let closed = false;

  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // pg-pool drops its own 'error' listener while a client is checked out: a connection lost
      // mid-transaction (failover, pg_terminate_backend) would otherwise be an uncaught exception.
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken ??= rollbackErr));
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken); // a broken connection is destroyed, not returned to the pool
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
