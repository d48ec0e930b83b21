/**
 * Runs `cloud/migrations/NNN_name.sql` in name order, each once, recorded in
 * `schema_migrations`. All pending files run in one transaction under an
 * advisory lock, so replicas starting together do not race and a failed file
 * leaves the schema as it was (PostgreSQL DDL is transactional).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Arbitrary constant; the key every replica locks on before migrating. */
const MIGRATION_LOCK_KEY = 7_362_001;

export interface Migration {
  name: string;
  sql: string;
  sha256: string;
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION_CHANGED';
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(`${dir}/${name}`, 'utf8');
      return { name, sql, sha256: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies pending migrations; returns the names applied now. */
export async function runMigrations(db: Database, migrations: Migration[] = readMigrations()): Promise<string[]> {
  return db.transaction(async function migrate(tx) {
    // Transaction-scoped lock: released by COMMIT/ROLLBACK, so it works through a pool too.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_migrations');
    // keyed by migration file name
    const applied = new Map(rows.map((r) => [r.name, r.sha256]));
    const ran: string[] = [];
    for (const m of migrations) {
      const sha = applied.get(m.name);
      if (sha !== undefined) {
        // An applied file that changed would leave databases that disagree; add a new file instead.
        if (sha !== m.sha256) throw new MigrationError(`migration ${m.name} changed after it was applied`);
        continue;
      }
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)', [m.name, m.sha256]);
      ran.push(m.name);
    }
    return ran;
  });
}
