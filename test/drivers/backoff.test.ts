import t from 'tap';
import { Backoff, backoffDelay } from '../../drivers/backoff.ts';

t.test('exponential backoff with full jitter: anywhere in [0, min(max, initial·factor^n)]', async (t) => {
  t.equal(backoffDelay(0, 100, 10_000, () => 0), 0, 'full jitter reaches down to 0');
  t.equal(backoffDelay(0, 100, 10_000, () => 1), 100);
  t.equal(backoffDelay(3, 100, 10_000, () => 1), 800, 'doubles per attempt');
  t.equal(backoffDelay(3, 100, 10_000, () => 0.5), 400, 'scaled by the random draw');
  t.equal(backoffDelay(3, 100, 10_000, () => 0.9999), 799, 'whole ms, never above the ceiling');
  t.equal(backoffDelay(2, 100, 10_000, () => 1, 3), 900, 'another growth factor');
  t.equal(backoffDelay(7, 100, 10_000, () => 1), 10_000, 'capped');
  t.equal(backoffDelay(50, 100, 10_000, () => 1), 10_000, 'capped, no overflow at large attempts');
  t.equal(backoffDelay(-3, 100, 10_000, () => 1), 100, 'never a negative attempt');
  t.equal(backoffDelay(2000, 1, Number.MAX_SAFE_INTEGER, () => 1), 2 ** 30, 'the exponent is bounded, so the delay stays finite');
  const draws = Array.from({ length: 200 }, () => backoffDelay(4, 100, 10_000));
  t.ok(draws.every((d) => Number.isInteger(d) && d >= 0 && d <= 1600), 'Math.random draws stay in the window, whole ms');
});

t.test('Backoff: the ceiling grows per retry, and only a link that stayed up for stableMs starts it again', async (t) => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2, stableMs: 10_000 }, () => 1);
  t.same([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [100, 200, 400, 800, 1_000]);
  t.equal(backoff.attempt, 5);
  backoff.linkLost(9_999);
  t.equal(backoff.next(), 1_000, 'a link shorter than stableMs keeps the count: a flapping link cannot spin');
  backoff.linkLost(10_000);
  t.equal(backoff.attempt, 0);
  t.equal(backoff.next(), 100, 'a stable link starts again from the first delay');
});

t.test('Backoff: draws from the random source it was given', async (t) => {
  const draws = [0, 0.5, 0.25];
  const backoff = new Backoff({ initialMs: 100, maxMs: 1_000, factor: 2, stableMs: 1 }, () => draws.shift()!);
  t.same([backoff.next(), backoff.next(), backoff.next()], [0, 100, 100]);
});
