#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so a clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../hub/cli.ts');
process.exitCode = await main(process.argv.slice(2));
