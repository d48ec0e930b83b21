// tap bakes its plugin list into node_modules at build time. A fresh `npm ci`
// ships the default build, which loads @tapjs/typescript (ts-node), and that
// breaks on TypeScript 7 (docs/architecture.md#toolchain-notes). Rebuild once when the baked list is stale.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const built = readFileSync(new URL('../../node_modules/@tapjs/test/test-built/src/index.ts', import.meta.url), 'utf8');
if (built.includes('@tapjs/typescript')) {
  console.error('tap: rebuilding plugins without @tapjs/typescript (one-time)');
  execFileSync('npx', ['tap', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
