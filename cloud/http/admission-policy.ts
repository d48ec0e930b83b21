/**
 * When the relay turns ingest away (docs/relay-pressure.md): the decisions only, no Hono and no
 * timers, so they are tested with a fake clock. Per replica: each replica guards its own pool and
 * event loop, and replicas behind a load balancer add up.
 *
 * - The whole replica (503): at most `maxInFlight` ingest requests at once and `queueMax` waiting
 *   for a slot, with a Retry-After spread by how far demand is beyond what the replica finishes
 *   (spreadRetryAfter). A slow store shows as
 *   a moving average of the admitted requests' durations above `slowStoreMs`; then the limit is
 *   quartered, so fewer transactions wait on the database and the average can recover (requests
 *   still go through, so it keeps being measured: a limit of zero would never learn it is fast
 *   again).
 * - One hub (429): at most `hubMaxInFlight` requests of the hub at once (a forwarder sends one at
 *   a time; a second overlaps only when the hub gave up on a stalled one), and optionally a token
 *   bucket of `hubBatchesPerSecond` with `hubBurst`, so one hub draining a backlog cannot take
 *   every slot from the others.
 */
import type { AdmissionConfig } from '../config.ts';

export type ShedReason = 'in-flight' | 'slow-store' | 'hub-in-flight' | 'hub-rate';

export type Admitted = { admitted: true; release: () => void };
export type Refused = { admitted: false; status: 429 | 503; reason: ShedReason; retryAfterSeconds: number };
/**
 * The replica is full but its queue is not: `ticket` resolves when a slot is handed on. The caller
 * owns the wait's timer; when it gives up it calls `giveUp()`, which answers the 503 to send, or
 * null when a slot was handed on just then (await `ticket`).
 */
export type Queued = { admitted: 'queued'; ticket: Promise<Admitted>; giveUp: () => Refused | null };
export type Verdict = Admitted | Refused;

/** Weight of the newest sample in the moving average: about the last ten requests count. */
const EWMA_WEIGHT = 0.1;
/** Per-hub entries idle this long are forgotten, so hubs that went away cost no memory. */
const HUB_IDLE_FORGET_MS = 60_000;

interface HubState {
  inFlight: number;
  tokens: number;
  /** when tokens were last brought up to date, ms */
  refilledAt: number;
  lastUsedAt: number;
}

export class AdmissionPolicy {
  private inFlightNow = 0;
  /** Requests finished and 503s given, per whole second of the clock: the current second and the one before. */
  private readonly rates = { second: 0, finished: 0, finishedBefore: 0, refused: 0, refusedBefore: 0 };
  private latencyMs = 0;
  /** Requests waiting for a slot, oldest first. */
  private readonly waiting: Array<{ handOn: (admitted: Admitted) => void; done: boolean }> = [];
  /** keyed by hub id */
  private readonly hubs = new Map<string, HubState>();
  private sweptAt: number;

  constructor(
    private readonly limits: AdmissionConfig,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.sweptAt = now();
  }

  get inFlight(): number {
    return this.inFlightNow;
  }

  /** Moving average of admitted ingest requests, ms. */
  get storeLatencyMs(): number {
    return this.latencyMs;
  }

  get slow(): boolean {
    return this.latencyMs > this.limits.slowStoreMs;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }

  private get limit(): number {
    return this.slow ? Math.max(1, Math.floor(this.limits.maxInFlight / 4)) : this.limits.maxInFlight;
  }

  /**
   * The replica-wide check, before any work (body, credentials). A full replica queues up to
   * `queueMax` requests for a slot (a slot freed is handed to the oldest at once, so none sits idle
   * while hubs are told to wait); beyond that, or after the caller's wait, 503.
   */
  enter(): Admitted | Refused | Queued {
    this.handOn(); // a limit restored since the last release (the store fast again) frees slots for waiters first
    if (this.inFlightNow < this.limit) return this.admit();
    if (this.waiting.length >= this.limits.queueMax) return this.refusal();
    const waiter = { handOn: (_admitted: Admitted) => {}, done: false };
    const ticket = new Promise<Admitted>((resolve) => (waiter.handOn = resolve));
    this.waiting.push(waiter);
    return {
      admitted: 'queued',
      ticket,
      giveUp: () => {
        if (waiter.done) return null;
        waiter.done = true;
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        return this.refusal();
      },
    };
  }

  private refusal(): Refused {
    return { admitted: false, status: 503, reason: this.slow ? 'slow-store' : 'in-flight', retryAfterSeconds: this.spreadRetryAfter() };
  }

  /** Slots freed (or a limit restored) go to the oldest waiters. */
  private handOn(): void {
    while (this.waiting.length > 0 && this.inFlightNow < this.limit) {
      const waiter = this.waiting.shift()!;
      waiter.done = true;
      waiter.handOn(this.admit());
    }
  }

  private admit(): Admitted {
    this.inFlightNow += 1;
    const startedAt = this.now();
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlightNow -= 1;
        this.tick().finished += 1;
        const sample = Math.max(0, this.now() - startedAt);
        this.latencyMs = this.latencyMs === 0 ? sample : this.latencyMs + EWMA_WEIGHT * (sample - this.latencyMs);
        this.handOn();
      },
    };
  }

  /** The per-hub check, once the credential says which hub this is. */
  enterHub(hubId: string): Admitted | Refused {
    const at = this.now();
    this.sweep(at);
    const hub = this.hubs.get(hubId) ?? { inFlight: 0, tokens: this.limits.hubBurst, refilledAt: at, lastUsedAt: at };
    this.hubs.set(hubId, hub);
    hub.lastUsedAt = at;
    if (hub.inFlight >= this.limits.hubMaxInFlight) {
      return { admitted: false, status: 429, reason: 'hub-in-flight', retryAfterSeconds: 1 };
    }
    const rate = this.limits.hubBatchesPerSecond;
    if (rate > 0) {
      hub.tokens = Math.min(this.limits.hubBurst, hub.tokens + ((at - hub.refilledAt) / 1000) * rate);
      hub.refilledAt = at;
      if (hub.tokens < 1) {
        // Exactly when the next token is there (whole seconds, at least 1: Retry-After has no fractions).
        return { admitted: false, status: 429, reason: 'hub-rate', retryAfterSeconds: Math.max(1, Math.ceil((1 - hub.tokens) / rate)) };
      }
      hub.tokens -= 1;
    }
    hub.inFlight += 1;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        hub.inFlight -= 1;
        hub.lastUsedAt = this.now();
      },
    };
  }

  /**
   * Retry-After for a 503: random over 1..n s, n the seconds this replica needs to work through the
   * hubs it turned away in the last second at the rate it finished requests then (at most
   * retryAfterMaxSeconds). Hubs turned away together then come back spread, but no later than the
   * replica can take them: a fixed wide spread leaves slots idle while hubs still wait.
   */
  private spreadRetryAfter(): number {
    const rates = this.tick();
    rates.refused += 1;
    const refused = rates.refused + rates.refusedBefore;
    const finished = Math.max(1, rates.finished + rates.finishedBefore);
    const spread = Math.min(this.limits.retryAfterMaxSeconds, Math.max(1, Math.ceil(refused / finished)));
    return 1 + Math.floor(this.random() * spread);
  }

  /** The per-second counters, moved on to the clock's current second. */
  private tick(): AdmissionPolicy['rates'] {
    const second = Math.floor(this.now() / 1000);
    const rates = this.rates;
    if (second !== rates.second) {
      const adjacent = second === rates.second + 1;
      rates.finishedBefore = adjacent ? rates.finished : 0;
      rates.refusedBefore = adjacent ? rates.refused : 0;
      rates.finished = 0;
      rates.refused = 0;
      rates.second = second;
    }
    return rates;
  }

  /** Hubs tracked now (for tests of the forgetting). */
  get trackedHubs(): number {
    return this.hubs.size;
  }

  private sweep(at: number): void {
    if (at - this.sweptAt < HUB_IDLE_FORGET_MS) return;
    this.sweptAt = at;
    // Forgotten only once its bucket would be full again anyway, so forgetting changes no answer.
    const rate = this.limits.hubBatchesPerSecond;
    const idleMs = Math.max(HUB_IDLE_FORGET_MS, rate > 0 ? (this.limits.hubBurst / rate) * 1000 : 0);
    for (const [id, hub] of this.hubs) {
      if (hub.inFlight === 0 && at - hub.lastUsedAt >= idleMs) this.hubs.delete(id);
    }
  }
}
