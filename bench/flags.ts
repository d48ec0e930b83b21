/**
 * The benchmarks' command lines: node's parseArgs for the flags, zod for their values, `--help`
 * printing the usage. A bad flag or value is named on stderr with exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';

/** The parsed flags, or null when the caller should stop (help printed, or an error with exitCode 2). */
export function readFlags<S extends z.ZodType>(options: NonNullable<ParseArgsConfig['options']>, schema: S, usage: string): z.infer<S> | null {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', default: false } }, strict: true }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}; see --help\n`);
    process.exitCode = 2;
    return null;
  }
  if (values.help) {
    process.stdout.write(usage);
    return null;
  }
  const { help: _help, ...rest } = values;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) process.stderr.write(`--${issue.path.join('.')}: ${issue.message}\n`);
    process.exitCode = 2;
    return null;
  }
  return parsed.data;
}
