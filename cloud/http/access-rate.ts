/**
 * Per-API-key rate limit (docs/access.md#every-request): a token bucket per key, the same arithmetic
 * as the per-hub bucket of ingest admission (cloud/http/admission-policy.ts). Pure: the clock is
 * passed in. Idle keys are forgotten once their bucket would be full again, so forgetting changes
 * no answer and the map cannot grow without bound.
 */
export interface KeyRateLimits {
  /** Requests per second per key; 0: no limit. */
  perSecond: number;
  /** Requests a key may send at once after being idle. */
  burst: number;
}

export type KeyVerdict = { admitted: true } | { admitted: false; retryAfterSeconds: number };

const SWEEP_EVERY_MS = 60_000;

export class KeyRateLimiter {
  /** keyed by API key id */
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();
  private sweptAt: number;

  constructor(
    private readonly limits: KeyRateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.sweptAt = now();
  }

  admit(keyId: string): KeyVerdict {
    const { perSecond, burst } = this.limits;
    if (perSecond <= 0) return { admitted: true };
    const at = this.now();
    this.sweep(at);
    const bucket = this.buckets.get(keyId) ?? { tokens: burst, refilledAt: at };
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.refilledAt) / 1000) * perSecond);
    bucket.refilledAt = at;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens < 1) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
    bucket.tokens -= 1;
    return { admitted: true };
  }

  get tracked(): number {
    return this.buckets.size;
  }

  private sweep(at: number): void {
    if (at - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = at;
    const fullAfterMs = (this.limits.burst / this.limits.perSecond) * 1000;
    for (const [id, b] of this.buckets) if (at - b.refilledAt >= fullAfterMs) this.buckets.delete(id);
  }
}
