/** Picks the store from config: PostgreSQL when a URL is set, else file-backed PGlite. */
import { join } from 'node:path';
import type { Database } from './database.ts';
import { createPgliteDatabase } from './pglite.ts';
import { createPostgresDatabase } from './postgres.ts';

export function openDatabase(config: { databaseUrl?: string | undefined; dataDir: string }): Database {
  if (config.databaseUrl !== undefined) return createPostgresDatabase({ connectionString: config.databaseUrl });
  return createPgliteDatabase({ dataDir: join(config.dataDir, 'pglite') });
}
