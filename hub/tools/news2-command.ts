/**
 * `hub news2 '<json>'` and `hub news2 -`: the NEWS2 score of one observation set, or of one per
 * line of standard input. The output is an interface other tools read: one JSON line
 * `{"score":N,"band":"...","parts":{...}}` per input, in order (docs/news2.md#command-line).
 */
import { createInterface } from 'node:readline';
import type { CliIo } from '../cli.ts';
import { parseNews2Input, scoreNews2, type News2InputIssue } from '../vitals/news2.ts';

export const NEWS2_USAGE = `Usage:
  hub news2 '<json>'   score one observation set
  hub news2 -          score one JSON object per line of standard input, one result per line

Keys (all required): rr (/min), spo2 (%), scale (1|2), o2 (true = oxygen, false = air),
sbp (mmHg), hr (/min), acvpu ("A"|"C"|"V"|"P"|"U"), temp (°C).
Prints {"score":N,"band":"low"|"low-medium"|"medium"|"high","parts":{rr,spo2,o2,sbp,hr,acvpu,temp}}.
A missing, unknown or out-of-range key is an error naming the key: on stderr for one object; with -,
an {"error":"..."} line in place of that result, and the exit status is 2 at the end.
Exit status: 0 ok, 2 bad input or usage. See docs/news2.md (chart, rounding rule, ranges).
`;

/** The same exit codes as the rest of `hub`: 2 is bad usage or bad input. */
const EXIT_BAD_INPUT = 2;

type Scored = { ok: true; line: string } | { ok: false; error: string };

const describe = (issues: readonly News2InputIssue[]) => issues.map(({ key, message }) => `${key}: ${message}`).join('; ');

function scoreText(text: string): Scored {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'expected a JSON object with keys rr, spo2, scale, o2, sbp, hr, acvpu, temp' };
  const parsed = parseNews2Input(value);
  if (!parsed.ok) return { ok: false, error: describe(parsed.issues) };
  return { ok: true, line: JSON.stringify(scoreNews2(parsed.value)) };
}

export async function news2Command(args: readonly string[], io: CliIo, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  if (args[0] === '-h' || args[0] === '--help') {
    io.out(NEWS2_USAGE);
    return 0;
  }
  if (args.length !== 1) {
    io.err(args.length === 0 ? 'hub news2: missing the observation set (a JSON object, or - for one per line on stdin)' : 'hub news2: takes one argument (quote the JSON)');
    io.err(NEWS2_USAGE);
    return EXIT_BAD_INPUT;
  }
  if (args[0] !== '-') {
    const result = scoreText(args[0]!);
    if (!result.ok) {
      io.err(`hub news2: ${result.error}`);
      return EXIT_BAD_INPUT;
    }
    io.out(result.line);
    return 0;
  }
  return scoreLines(stdin, io);
}

/** One result line per input line, in order; a bad line gets an error object on its own line. */
async function scoreLines(stdin: NodeJS.ReadableStream, io: CliIo): Promise<number> {
  let bad = 0;
  let lineNo = 0;
  for await (const raw of createInterface({ input: stdin, crlfDelay: Infinity })) {
    lineNo += 1;
    // A blank line still gets its (error) line, so output line n always answers input line n.
    const result = raw.trim() === '' ? ({ ok: false, error: 'empty line' } as const) : scoreText(raw);
    if (result.ok) {
      io.out(result.line);
    } else {
      bad += 1;
      io.out(JSON.stringify({ error: result.error, line: lineNo }));
    }
  }
  if (bad > 0) {
    io.err(`hub news2: ${bad} of ${lineNo} line${lineNo === 1 ? '' : 's'} could not be scored`);
    return EXIT_BAD_INPUT;
  }
  return 0;
}
