#!/usr/bin/env node
// Runs the compiled hub from dist/ when it is current (bin/hub-entry.js), else the TypeScript sources
// through tsx, so a clone being edited needs no build step.
import { applyHubHeapFlags, compiledHubCli } from './hub-entry.js';

applyHubHeapFlags();
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
