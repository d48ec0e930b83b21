/**
 * The one retry backoff of the hub (docs/relay-pressure.md#one-backoff): capped exponential backoff
 * with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). The n-th retry waits a
 * random time in [0, min(maxMs, initialMs·factor^n)). Full jitter spreads many hubs (or many
 * devices of one hub) retrying after one outage over the whole window, so they do not return in
 * waves.
 *
 * It lives in drivers/ because drivers/ may import only drivers/ and protocols/
 * (docs/architecture.md#layout); hub/backoff.ts re-exports it and adds the relay's Retry-After.
 * Pure: no timers and no clock here; the caller owns the timer and passes the random source, so
 * tests pin the jitter.
 */

export interface BackoffOptions {
  /** Ceiling of the first delay, ms. */
  initialMs: number;
  /** Ceiling on any one delay, ms. */
  maxMs: number;
  /** Growth of the ceiling per attempt. */
  factor: number;
  /** A link that stayed up at least this long (ms) starts the count again; shorter ones keep it growing, so a flapping link cannot spin. */
  stableMs: number;
}

/** 2^30 already passes any useful cap; the bound keeps the power finite for any attempt count. */
const MAX_EXPONENT = 30;

/** The delay before retry number `attempt` (0 for the first retry), whole ms in [0, ceiling]. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random, factor = 2): number {
  const ceiling = Math.min(maxMs, initialMs * factor ** Math.min(Math.max(0, attempt), MAX_EXPONENT));
  return Math.floor(random() * ceiling);
}

/**
 * The attempt count of one link (a serial port, a BLE device) with its policy. The caller asks
 * next() when the link is lost or an open fails, and tells linkLost() how long the link was up.
 */
export class Backoff {
  private attempts = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Retries asked for since the count last started again. */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next try; the ceiling grows for the one after. */
  next(): number {
    const delayMs = backoffDelay(this.attempts, this.options.initialMs, this.options.maxMs, this.random, this.options.factor);
    this.attempts += 1;
    return delayMs;
  }

  /** A link that was up for `upForMs` is gone: a stable one starts the count again, a short one does not. */
  linkLost(upForMs: number): void {
    if (upForMs >= this.options.stableMs) this.attempts = 0;
  }
}
