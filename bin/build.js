#!/usr/bin/env node
// `npm run build` (and `prepare`, which `npm ci` runs): compiles hub/, drivers/ and protocols/ to
// JavaScript in dist/ with TypeScript 7 (tsconfig.build.json), copies the files that are not
// TypeScript (the panel's page), and writes the stamp bin/hub-entry.js checks before using dist/.
// Without the typescript package (an install without dev dependencies) it builds nothing and
// `hub` runs the sources through tsx. With --if-possible (`prepare`) a failed compile removes dist/
// and warns instead of failing the install: `hub` then runs the sources, as it did before builds.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, HUB_SOURCE_DIRS } from './hub-entry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

let tsc;
try {
  const manifest = require.resolve('typescript/package.json');
  tsc = join(dirname(manifest), require(manifest).bin.tsc);
} catch {
  console.error('build: typescript is not installed; hub will run its TypeScript sources through tsx');
  process.exit(0);
}

// Taken before compiling: a source saved during the build is newer than the stamp, so the build counts as stale.
const startedAt = Date.now();
rmSync(join(root, 'dist'), { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch (err) {
  // No stamp is written, so bin/hub.js would not use what was emitted anyway; remove it to say so plainly.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  if (!process.argv.includes('--if-possible')) throw err;
  console.error('build: compiling the hub failed (above); hub will run its TypeScript sources through tsx');
  process.exit(0);
}

/** Copies every file that is not TypeScript (e.g. hub/panel/page.html, read next to its module) into dist/. */
function copyAssets(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(path);
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      mkdirSync(join(root, 'dist', dir), { recursive: true });
      cpSync(join(root, path), join(root, 'dist', path));
    }
  }
}
for (const dir of HUB_SOURCE_DIRS) copyAssets(dir);
writeFileSync(join(root, BUILD_STAMP), JSON.stringify({ startedAt, builtAt: Date.now() }) + '\n');
