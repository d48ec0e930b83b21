/**
 * A migrated PGlite database per test file without paying initdb each time
 * (6-7 s, docs/architecture.md#toolchain-notes): the first file to need it builds a template, runs the
 * migrations and dumps the data folder to os.tmpdir(); later files load the
 * dump. The cache key hashes the migration files and the PGlite version, so a
 * new migration builds a new template.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPgliteDatabase, type PgliteDatabase } from '../../cloud/store/pglite.ts';
import { readMigrations, runMigrations } from '../../cloud/store/migrate.ts';

function pgliteVersion(): string {
  try {
    // The package's exports hide package.json from import; resolve a file next to it instead.
    const require = createRequire(import.meta.url);
    const main = require.resolve('@electric-sql/pglite');
    return readFileSync(join(main, '..', '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const TEMPLATE_PREFIX = 'carehub-pglite-template-';

export function templatePath(): string {
  const h = createHash('sha256').update(pgliteVersion());
  for (const m of readMigrations()) h.update(`${m.name}\0${m.sha256}\0`);
  return join(tmpdir(), `${TEMPLATE_PREFIX}${h.digest('hex').slice(0, 16)}.tar`);
}

export interface TemplateTiming {
  /** True when this call had to build the template (initdb + migrations + dump). */
  built: boolean;
  buildMs: number;
  loadMs: number;
}

export const lastTiming: TemplateTiming = { built: false, buildMs: 0, loadMs: 0 };

async function buildTemplate(path: string): Promise<void> {
  const db = createPgliteDatabase();
  try {
    await runMigrations(db);
    const dump = await db.dumpDataDir();
    // Write then rename: parallel test files may build at once; readers only see whole files.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, path);
    // Templates of older migration sets are 40 MB each and never read again.
    for (const name of readdirSync(dirname(path))) {
      if (name.startsWith(TEMPLATE_PREFIX) && name.endsWith('.tar') && join(dirname(path), name) !== path) {
        rmSync(join(dirname(path), name), { force: true });
      }
    }
  } finally {
    await db.close();
  }
}

/** A fresh in-memory PGlite with every migration applied. */
export async function openMigratedPglite(): Promise<PgliteDatabase> {
  const path = templatePath();
  let started = performance.now();
  lastTiming.built = !existsSync(path);
  lastTiming.buildMs = 0;
  if (lastTiming.built) {
    await buildTemplate(path);
    lastTiming.buildMs = performance.now() - started;
  }
  started = performance.now();
  const db = createPgliteDatabase({ loadDataDir: new Blob([readFileSync(path)]) });
  await db.query('SELECT 1'); // open now, so the timing covers loading
  lastTiming.loadMs = performance.now() - started;
  return db;
}
