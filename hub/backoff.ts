/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): the n-th retry waits a random time between 0 and
 * min(maxMs, minMs·2^n). Full jitter spreads many hubs retrying after one relay
 * outage over the whole window, so they do not return in waves.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  // 2^30 already passes any useful cap; the bound keeps the product finite.
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Delay before the next try after `failures` failures. A relay's Retry-After is
 * honoured within our own bounds: huge values overflow Node timers (which then
 * fire at once), and a Pi booted without a clock turns an HTTP date into decades.
 */
export function retryDelay(failures: number, retryAfterMs: number | null, minMs: number, maxMs: number, random?: () => number): number {
  if (retryAfterMs === null) return backoffDelay(Math.max(0, failures - 1), minMs, maxMs, random);
  return Math.min(Math.max(retryAfterMs, minMs), maxMs);
}
