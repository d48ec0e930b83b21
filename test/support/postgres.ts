/**
 * A real PostgreSQL server for tests: DATABASE_URL when set, else the local default
 * (postgres://postgres@127.0.0.1:5432/postgres, trust auth as on a developer's Debian box).
 * Each test makes its own throwaway databases next to it and drops them in teardown.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Test } from 'tap';
import { createPostgresDatabase } from '../../cloud/store/postgres.ts';

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const POSTGRES_HINT =
  'set DATABASE_URL=postgres://USER@HOST:5432/postgres to a server that may CREATE DATABASE, or run one on 127.0.0.1:5432 (Debian: apt-get install postgresql)';

/** The server URL when one answers, else why not. */
export async function findPostgres(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string } | { reason: string }> {
  const url = env.DATABASE_URL !== undefined && env.DATABASE_URL !== '' ? env.DATABASE_URL : LOCAL_POSTGRES_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { url };
  } catch (err) {
    const shown = new URL(url);
    shown.password = '';
    return { reason: `no PostgreSQL answers at ${shown.host}${shown.pathname} (${(err as Error).message})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates an empty database on the server of `serverUrl`, dropped (with FORCE) when `t` ends.
 * Returns its URL. `tag` is lower-case letters, digits and underscores.
 */
export async function createScratchDatabase(t: Test, serverUrl: string, tag: string): Promise<string> {
  const name = `carehub_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = createPostgresDatabase({ connectionString: serverUrl, max: 1 });
  await admin.exec(`CREATE DATABASE ${name}`);
  t.teardown(async () => {
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
