/**
 * Time as a dependency (docs/architecture.md#the-seams). Same shape as hub/clock.ts, declared here because drivers/
 * may import only protocols/ (docs/architecture.md#layout); the hub's Clock is assignable to this one.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
