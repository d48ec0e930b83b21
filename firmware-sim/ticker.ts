/**
 * A repeating timer on an injected Clock (docs/architecture.md#the-seams): the device sims use it
 * for their periodic frames, so tests drive them with test/fakes/fake-clock.ts and the CLI with
 * real time. The callback must not throw (sims catch their own write errors).
 */
import type { Clock } from '../drivers/clock.ts';

/** Calls `fn` every `everyMs` until the returned function is called. */
export function every(clock: Clock, everyMs: number, fn: () => void): () => void {
  let handle: unknown = null;
  let stopped = false;
  const arm = (): void => {
    handle = clock.setTimeout(() => {
      if (stopped) return;
      fn();
      if (!stopped) arm();
    }, everyMs);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
