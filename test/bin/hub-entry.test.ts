/**
 * bin/hub-entry.js: `hub` runs the compiled dist/ only when it was built from the sources as they
 * are now; a source saved after the build started (or no build at all) runs the sources through tsx.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
// @ts-expect-error plain JavaScript module without types (bin/ runs before any build)
import { compiledHubCli } from '../../bin/hub-entry.js';

const BUILD_STARTED = Date.parse('2026-11-25T03:00:00Z');

function checkout(t: { teardown(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'carehub-hub-entry-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ['hub/panel', 'drivers/serial', 'protocols']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['hub/cli.ts', 'hub/panel/page.html', 'drivers/serial/binding.ts', 'protocols/event.ts']) {
    writeFileSync(join(root, file), '');
    utimesSync(join(root, file), new Date(BUILD_STARTED - 60_000), new Date(BUILD_STARTED - 60_000));
  }
  return root;
}

const stamp = (root: string, content: string) => {
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist/build-stamp.json'), content);
};
const entryOf = (root: string) => compiledHubCli(pathToFileURL(root + '/')) as URL | null;

t.test('a build newer than every source is used', async (t) => {
  const root = checkout(t);
  stamp(root, JSON.stringify({ startedAt: BUILD_STARTED }));
  t.equal(entryOf(root)?.href, pathToFileURL(join(root, 'dist/hub/cli.js')).href);
});

t.test('a source saved after the build started, in any compiled folder and any depth, means the sources run', async (t) => {
  for (const file of ['hub/cli.ts', 'hub/panel/page.html', 'drivers/serial/binding.ts', 'protocols/event.ts']) {
    const root = checkout(t);
    stamp(root, JSON.stringify({ startedAt: BUILD_STARTED }));
    utimesSync(join(root, file), new Date(BUILD_STARTED + 1000), new Date(BUILD_STARTED + 1000));
    t.equal(entryOf(root), null, file);
  }
});

t.test('no build, or a stamp that cannot be read, means the sources run', async (t) => {
  const root = checkout(t);
  t.equal(entryOf(root), null, 'no dist/');
  stamp(root, 'not json');
  t.equal(entryOf(root), null, 'garbage stamp');
  stamp(root, JSON.stringify({ builtAt: BUILD_STARTED }));
  t.equal(entryOf(root), null, 'stamp without startedAt');
});
