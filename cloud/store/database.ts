/**
 * The relay's storage seam (docs/architecture.md#the-seams): one thin SQL interface that both
 * PGlite (embedded default) and a pg.Pool (production) satisfy, so repos are
 * written once and one contract suite runs against both.
 */

export interface QueryResult<T> {
  rows: T[];
}

/** What a repo needs: run SQL. A transaction handle and the database both are one. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs one or more statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
