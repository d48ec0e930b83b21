#!/usr/bin/env node
// Runs the compiled hub from dist/ when it is current (bin/hub-entry.js), else the TypeScript sources
// through tsx, so a clone being edited needs no build step.
import { setFlagsFromString } from 'node:v8';
import { compiledHubCli } from './hub-entry.js';

// V8 heap sizing for a small, steady heap (docs/benchmarks.md#memory): the hub's live heap is
// ~35 MiB, but left alone V8 grows the young generation to 2 x 16 MiB and lets the old one swell
// between mark-compacts. The start-up flags for that (--max-semi-space-size, --optimize-for-size, the
// latter refused in NODE_OPTIONS) would need a re-executed process, which Node 20 cannot do. V8
// reads these two at run time instead: the growth factor whenever the young generation would grow
// (1 keeps it at its initial 1 MiB), optimize-for-size when it sizes the old generation. Set before
// the hub's modules load.
setFlagsFromString('--semi-space-growth-factor=1');
setFlagsFromString('--optimize-for-size');

const compiled = compiledHubCli();
let cli;
if (compiled) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../hub/cli.ts');
}
process.exitCode = await cli.main(process.argv.slice(2));
