/**
 * npm run fuzz — pushes at least 10^6 valid, 10^6 mutated and 10^6 random frames through every
 * codec the hub has (docs/serial-devices.md#tests-and-fuzz, docs/gatt.md#tests-and-benchmark):
 * each serial framer and decoder of protocols/codecs.ts (bench/fuzz-serial.ts), each GATT decoder
 * of protocols/gatt/index.ts (bench/fuzz-gatt.ts) and the zigbee2mqtt decoders (bench/fuzz-z2m.ts).
 * Prints one table: frames/s, MiB/s, and rejects or error codes by code per target and phase.
 *
 * Exits 1 if an invariant breaks (a throw other than the codec's own coded error, a valid frame
 * lost or refused, no resync after garbage, bytes framed that were never pushed) or a target stops
 * making progress (a hang: the run is in a worker, bench/fuzz-worker.ts, watched from here);
 * 2 on bad flags. Progress goes to stderr, the table to stdout.
 */
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { PhaseResult } from './fuzz-phase.ts';
import { FUZZ_TARGETS } from './fuzz-targets.ts';
import type { FuzzJob, FuzzMessage } from './fuzz-worker.ts';
import { readFlags as readBenchFlags } from './flags.ts';

/** A batch of 10^4 frames that takes longer than this is a hang (one takes well under a second on a busy core). */
const HANG_MS = 60_000;

const USAGE = `npm run fuzz -- [flags]

Random, mutated and valid frames through every serial framer and decoder, every GATT decoder and
the zigbee2mqtt decoders; prints frames/s and rejects by code, exits 1 on a broken invariant or a hang.

  --frames N    frames per phase and target (1000000)
  --seed S      seed of the random source (1); each target's own seed derives from it and its name
  --only NAME   run only this target, or only this kind (serial, gatt, z2m); repeatable
  --help        this text

Targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}
`;

/** What --only may name: a target, or a kind of them. */
const KNOWN_TARGETS = new Set(FUZZ_TARGETS.flatMap((t) => [t.name, t.kind]));

const Flags = z.strictObject({
  frames: z.coerce.number().int().min(1).max(1e9),
  seed: z.coerce.number().int().min(0).max(0xffffffff),
  only: z.array(z.string()).refine((only) => only.every((o) => KNOWN_TARGETS.has(o)), {
    error: (issue) => `no target or kind named ${(issue.input as string[]).filter((o) => !KNOWN_TARGETS.has(o)).join(', ')}; see --help`,
  }),
});

const say = (line: string) => process.stdout.write(line + '\n');
const progress = (line: string) => process.stderr.write(line + '\n');

/** The flags, or null when --help was printed or a flag was bad (bench/flags.ts). */
const readFlags = () =>
  readBenchFlags(
    {
      frames: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string', multiple: true, default: [] },
    },
    Flags,
    USAGE,
  );

function table(rows: string[][]): void {
  const header = ['kind', 'codec', 'phase', 'frames in', 'decoded', 'refused', 'frames/s', 'MiB/s', 'rejects and errors by code'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 && i <= 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  say(line(header));
  for (const r of rows) say(line(r));
}

function row(kind: string, target: string, phase: string, r: PhaseResult): string[] {
  const codes = Object.entries(r.outcomes).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  const seconds = r.ms / 1000;
  return [
    kind,
    target,
    phase,
    r.frames.toLocaleString('en'),
    r.decoded.toLocaleString('en'),
    r.refused.toLocaleString('en'),
    Math.round(r.frames / seconds).toLocaleString('en'),
    (r.bytes / 1048576 / seconds).toFixed(1),
    r.note ? `${codes}; ${r.note}` : codes,
  ];
}

const flags = readFlags();
if (flags) {
  const names = FUZZ_TARGETS.filter((t) => flags.only.length === 0 || flags.only.includes(t.name) || flags.only.includes(t.kind)).map((t) => t.name);
  const job: FuzzJob = { frames: flags.frames, seed: flags.seed, names };
  const started = performance.now();
  const rows: string[][] = [];
  const failures: string[] = [];
  let where = 'start-up';
  let lastNews = performance.now();
  // A worker does not inherit the tsx loader of `node --import tsx` on Node 20: it registers its own.
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./fuzz-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: job });
  const watchdog = setInterval(() => {
    if (performance.now() - lastNews < HANG_MS) return;
    failures.push(`${where}: no progress for ${HANG_MS / 1000} s (hang?)`);
    void worker.terminate();
  }, 1000);
  worker.on('message', (m: FuzzMessage) => {
    lastNews = performance.now();
    if (m.type === 'phase') {
      where = `${m.target} ${m.phase}`;
      progress(`fuzz: ${where} ...`);
    } else if (m.type === 'row') rows.push(row(m.kind, m.target, m.phase, m.result));
    else if (m.type === 'fail') failures.push(m.message);
  });
  worker.on('error', (err) => failures.push(`${where}: the worker died: ${err.message}`));
  worker.on('exit', () => {
    clearInterval(watchdog);
    const seconds = (performance.now() - started) / 1000;
    say(`fuzz: ${flags.frames.toLocaleString('en')} frames per phase, seed ${flags.seed}, ${names.length} targets, node ${process.version}, ${seconds.toFixed(0)} s`);
    table(rows);
    for (const f of failures) say(`FAIL ${f}`);
    if (failures.length > 0) process.exitCode = 1;
  });
}
