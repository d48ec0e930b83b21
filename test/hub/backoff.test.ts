import t from 'tap';
import { Backoff as DriversBackoff, backoffDelay as driversBackoffDelay } from '../../drivers/backoff.ts';
import { Backoff, backoffDelay, parseRetryAfter, retryDelay } from '../../hub/backoff.ts';

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

t.test('the hub and its drivers share one backoff (test/drivers/backoff.test.ts covers it)', async (t) => {
  t.equal(backoffDelay, driversBackoffDelay);
  t.equal(Backoff, DriversBackoff);
});
