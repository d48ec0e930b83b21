import t from 'tap';
import { backoffDelay, parseRetryAfter, retryDelay } from '../../hub/backoff.ts';

t.test('exponential backoff with full jitter stays within [min, min·2^n] and the cap', async (t) => {
  t.equal(backoffDelay(0, 100, 10_000, () => 0), 100);
  t.equal(backoffDelay(3, 100, 10_000, () => 1), 800);
  t.equal(backoffDelay(50, 100, 10_000, () => 1), 10_000, 'capped, no overflow at large attempts');
});

t.test('Retry-After is parsed as seconds or an HTTP date', async (t) => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  t.equal(parseRetryAfter('120', now), 120_000);
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 12:00:30 GMT', now), 30_000);
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now), 0, 'a past date means now');
  t.equal(parseRetryAfter('soon', now), null);
  t.equal(parseRetryAfter(null, now), null);
});

t.test('Retry-After is bounded by our own retry window', async (t) => {
  t.equal(retryDelay(1, 3_000_000_000, 1000, 60_000), 60_000, 'beyond a 32-bit timer: capped, not overflowed to 1 ms');
  t.equal(retryDelay(1, 0, 1000, 60_000), 1000, 'zero is raised to the minimum');
  t.equal(retryDelay(1, 5000, 1000, 60_000), 5000);
  t.equal(retryDelay(1, null, 1000, 60_000, () => 0), 1000, 'no Retry-After: backoff');
});
