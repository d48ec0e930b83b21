// Which code `hub` runs (docs/architecture.md#how-the-hub-runs): the JavaScript that `npm run build`
// compiled into dist/ (`npm ci` runs it through `prepare`) when that build is at least as new as every
// source file it came from; otherwise the TypeScript sources through tsx. tsx costs the running hub
// ~30 MiB RSS and a loader thread, so production runs the build; a checkout being edited, where
// dist/ would be stale, keeps running what is in the sources.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/**
 * V8 heap sizing for a small, steady heap (docs/benchmarks.md#memory-hub-rss-with-1000-devices-npm-run-benchmemory): the hub's live heap is
 * ~35 MiB, but left alone V8 grows the young generation to 2 x 16 MiB and lets the old one grow far
 * past its live size between mark-compacts. The start-up flags for that (--max-semi-space-size,
 * --optimize-for-size) would need a re-executed process, which Node 20 cannot do; V8 reads these two
 * at run time: the semi-space growth factor whenever the young generation would grow (1 keeps it at
 * its initial 1 MiB) and the heap growing percent whenever it sets the old generation's next limit
 * (10: the next mark-compact once it is 10% past what the last one kept). --optimize-for-size did as
 * well for memory but cost ~1.7x CPU per reading in bench:ingest.
 */
export const HUB_HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=10'];

/** Applies HUB_HEAP_FLAGS to this process; call before the hub's modules load. */
export function applyHubHeapFlags() {
  for (const flag of HUB_HEAP_FLAGS) setFlagsFromString(flag);
}

/** The folders tsconfig.build.json compiles; an edit to any file in them makes the build stale. */
export const HUB_SOURCE_DIRS = ['hub', 'drivers', 'protocols'];
/** Written last by bin/build.js: when the build started (files edited after that are not in it). */
export const BUILD_STAMP = 'dist/build-stamp.json';

/** Newest modification time (ms) of any file under these folders. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The compiled CLI module's URL when dist/ holds a build of the current sources, else null (no build,
 * an unreadable stamp, or a source file changed since the build started).
 */
export function compiledHubCli(root = new URL('..', import.meta.url)) {
  const rootPath = fileURLToPath(root);
  let startedAt;
  try {
    startedAt = JSON.parse(readFileSync(join(rootPath, BUILD_STAMP), 'utf8')).startedAt;
  } catch {
    return null;
  }
  if (typeof startedAt !== 'number') return null;
  for (const dir of HUB_SOURCE_DIRS) {
    if (newestMtime(join(rootPath, dir)) > startedAt) return null;
  }
  return new URL('dist/hub/cli.js', root);
}
