import t from 'tap';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../hub/backoff.ts';

t.test('exponential backoff with full jitter: anywhere in [0, min(max, min·2^n)]', async (t) => {
  t.equal(backoffDelay(0, 100, 10_000, () => 0), 0, 'full jitter reaches down to 0');
  t.equal(backoffDelay(0, 100, 10_000, () => 1), 100);
  t.equal(backoffDelay(3, 100, 10_000, () => 1), 800, 'doubles per attempt');
  t.equal(backoffDelay(3, 100, 10_000, () => 0.5), 400, 'scaled by the random draw');
  t.equal(backoffDelay(7, 100, 10_000, () => 1), 10_000, 'capped');
  t.equal(backoffDelay(50, 100, 10_000, () => 1), 10_000, 'capped, no overflow at large attempts');
  t.equal(backoffDelay(2000, 1, Number.MAX_SAFE_INTEGER, () => 1), 2 ** 30, 'the exponent is bounded, so the delay stays finite');
  const draws = Array.from({ length: 200 }, () => backoffDelay(4, 100, 10_000));
  t.ok(draws.every((d) => Number.isInteger(d) && d >= 0 && d <= 1600), 'Math.random draws stay in the window, whole ms');
});

t.test('Retry-After is parsed as seconds or an HTTP date', async (t) => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  t.equal(parseRetryAfter('120', now), 120_000);
  t.equal(parseRetryAfter(' 5 ', now), 5_000, 'surrounding space is tolerated');
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 12:00:30 GMT', now), 30_000);
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now), 0, 'a past date means now');
  t.equal(parseRetryAfter('soon', now), null);
  t.equal(parseRetryAfter('', now), null);
  t.equal(parseRetryAfter(null, now), null);
});

t.test('Retry-After is bounded by our own retry window', async (t) => {
  t.equal(retryDelay(1, 3_000_000_000, 1000, 60_000), 60_000, 'beyond a 32-bit timer: capped, not overflowed to 1 ms');
  t.equal(retryDelay(1, 0, 1000, 60_000), 1000, 'zero is raised to the minimum');
  t.equal(retryDelay(1, 5000, 1000, 60_000), 5000);
  t.equal(retryDelay(1, null, 1000, 60_000, () => 1), 1000, 'no Retry-After: backoff, first failure within retryMinMs');
  t.equal(retryDelay(3, null, 1000, 60_000, () => 1), 4000, 'third failure: within 4 × retryMinMs');
  t.equal(retryDelay(0, null, 1000, 60_000, () => 1), 1000, 'never a negative attempt');
});
