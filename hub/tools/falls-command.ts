/**
 * `hub falls --format sisfall <files...>`: runs the fall detector (docs/fall-detection.md) over
 * recorded traces and prints one JSON line per file, in the order given:
 *   {"file": "<path as given>", "fall": true|false, "at_s": <seconds into the trace, or null>}
 * `at_s` is the time of the fall's largest impact. A file that cannot be read or parsed prints
 * {"file": "...", "error": "..."} on its line instead, and the command then exits 1. The output
 * format is fixed: other tools read it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli.ts';
import { createFallDetector } from '../falls/fall-detector.ts';
import { parseSisFall } from '../falls/sisfall.ts';

export const FALLS_USAGE = `Usage: hub falls --format sisfall <files...>
  Runs the hub's fall detector (default options) over each recorded trace and prints one JSON
  line per file, in order: {"file": "...", "fall": true|false, "at_s": seconds or null}
  (at_s: time of the fall's impact). An unreadable or malformed file prints
  {"file": "...", "error": "..."} on its line; the exit status is then 1.
  Formats: sisfall (SisFall data set text files, 200 Hz, waist ADXL345). See docs/fall-detection.md.
`;

const FORMATS = ['sisfall'] as const;

export function fallsCommand(argv: string[], io: CliIo, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      options: { format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    io.err(`hub falls: ${(err as Error).message}`);
    io.err(FALLS_USAGE);
    return 2;
  }
  const { values, positionals: files } = parsed;
  if (values.help) {
    io.out(FALLS_USAGE);
    return 0;
  }
  if (!FORMATS.includes(values.format as (typeof FORMATS)[number])) {
    io.err(values.format === undefined ? 'hub falls: --format is required (sisfall)' : `hub falls: unknown format "${values.format}" (known: ${FORMATS.join(', ')})`);
    io.err(FALLS_USAGE);
    return 2;
  }
  if (files.length === 0) {
    io.err('hub falls: no files given');
    io.err(FALLS_USAGE);
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    try {
      const trace = parseSisFall(readFile(file));
      const detector = createFallDetector({ sampleRateHz: trace.sampleRateHz });
      let atS: number | null = null;
      for (let i = 0; i < trace.adxl.length && atS === null; i += 3) {
        const event = detector.push(trace.adxl[i]!, trace.adxl[i + 1]!, trace.adxl[i + 2]!);
        // milliseconds are plenty at 200 Hz (5 ms per sample) and keep 7.115 from printing as 7.115000000000001
        if (event) atS = Math.round(event.atS * 1000) / 1000;
      }
      io.out(JSON.stringify({ file, fall: atS !== null, at_s: atS }));
    } catch (err) {
      failed++;
      io.out(JSON.stringify({ file, error: errorText(err) }));
    }
  }
  return failed > 0 ? 1 : 0;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // fs errors already name the path and the reason ("ENOENT: no such file or directory, open 'x'")
  return e?.message ?? String(err);
}
