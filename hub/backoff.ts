/**
 * The hub's one backoff (docs/relay-pressure.md#one-backoff). The jitter itself lives in
 * drivers/backoff.ts, because the serial and BLE drivers use it too and drivers/ may not import
 * hub/ (docs/architecture.md#layout); this module adds what only the forwarder needs: the relay's
 * Retry-After on 429 and 503.
 */
import { backoffDelay } from '../drivers/backoff.ts';

export { Backoff, backoffDelay, type BackoffOptions } from '../drivers/backoff.ts';

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
 * It is not jittered again here: the relay already spreads the values it hands out
 * (docs/relay-pressure.md#retry-after).
 */
export function retryDelay(failures: number, retryAfterMs: number | null, minMs: number, maxMs: number, random?: () => number): number {
  if (retryAfterMs === null) return backoffDelay(failures - 1, minMs, maxMs, random);
  return Math.min(Math.max(retryAfterMs, minMs), maxMs);
}
