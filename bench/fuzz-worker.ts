/**
 * The fuzz run itself, in a worker thread of bench/fuzz.ts so that the main thread can watch it:
 * a codec caught in an endless loop stops reporting progress and the main thread ends the worker
 * and names where it hung. Messages to the main thread: FuzzMessage.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PhaseResult } from './fuzz-phase.ts';
import { Rng } from './fuzz-rng.ts';
import { FUZZ_TARGETS, targetSeed } from './fuzz-targets.ts';

export interface FuzzJob {
  frames: number;
  seed: number;
  /** Target names to run. */
  names: string[];
}

export type FuzzMessage =
  | { type: 'phase'; target: string; phase: string }
  | { type: 'progress'; done: number }
  | { type: 'row'; kind: string; target: string; phase: string; result: PhaseResult }
  | { type: 'fail'; target: string; message: string }
  | { type: 'done' };

const job = workerData as FuzzJob;
const post = (m: FuzzMessage): void => parentPort!.postMessage(m);

for (const target of FUZZ_TARGETS.filter((t) => job.names.includes(t.name))) {
  try {
    const rng = new Rng(targetSeed(job.seed, target.name));
    for (const phase of target.phases(rng)) {
      post({ type: 'phase', target: target.name, phase: phase.name });
      const result = phase.run(job.frames, (done) => post({ type: 'progress', done }));
      post({ type: 'row', kind: target.kind, target: target.name, phase: phase.name, result });
    }
  } catch (err) {
    // One target's failure is reported and the others still run.
    post({ type: 'fail', target: target.name, message: err instanceof Error ? err.message : String(err) });
  }
}
post({ type: 'done' });
