/**
 * Store-and-forward to the relay: sends the outbox in seq order, in bounded
 * batches, and deletes only what the relay acknowledged. The relay being down
 * means the outbox grows, not that anything is lost (promise 1, 3).
 */
import { IngestAck, INGEST_PATH } from '../protocols/wire.ts';
import { parseRetryAfter, retryDelay } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Outbox } from './store/outbox.ts';

export interface ForwarderOptions {
  hubId: string;
  relayUrl: string;
  token: string;
  outbox: Outbox;
  batchSize: number;
  retryMinMs: number;
  retryMaxMs: number;
  idleMs: number;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  fetch?: typeof fetch;
}

export class Forwarder {
  private timer: unknown = null;
  private running = false;
  private stopped = true;
  private failures = 0;
  private inFlight: Promise<void> | null = null;
  private abort: AbortController | null = null;

  constructor(private readonly options: ForwarderOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.inFlight?.catch(() => undefined);
  }

  /** Something was appended: send soon unless a retry wait is in force. */
  notify(): void {
    if (this.stopped || this.running || this.failures > 0) return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.cycle();
    }, ms);
  }

  private async cycle(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let next = this.options.idleMs;
    try {
      const sent = await this.sendOnce();
      this.failures = 0;
      if (sent === this.options.batchSize) next = 0; // more waiting: keep draining, one bounded batch at a time
    } catch (err) {
      this.failures += 1;
      next = retryDelay(this.failures, (err as ForwardError).retryAfterMs ?? null, this.options.retryMinMs, this.options.retryMaxMs);
      this.options.metrics.inc('forward_failures_total', { reason: (err as ForwardError).reason ?? 'network' });
      this.options.logger.warn({ err: (err as Error).message, retryInMs: next, failures: this.failures }, 'forwarding failed');
    } finally {
      this.running = false;
    }
    this.schedule(next);
  }

  /** Sends one batch; resolves to how many events it carried. */
  private async sendOnce(): Promise<number> {
    const events = await this.options.outbox.peek(this.options.batchSize);
    if (events.length === 0) return 0;
    const doFetch = this.options.fetch ?? fetch;
    this.abort = new AbortController();
    const timeout = setTimeout(() => this.abort?.abort(), 30_000);
    let res: Response;
    let body: string;
    try {
      res = await doFetch(new URL(INGEST_PATH, this.options.relayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify({ hubId: this.options.hubId, events }),
        signal: this.abort.signal,
      });
      body = await res.text(); // inside the timeout: a relay may send headers and then stall
    } catch (err) {
      throw new ForwardError('network', `relay unreachable: ${(err as Error).message}`, null, { cause: err });
    } finally {
      clearTimeout(timeout);
    }
    if (!res.ok) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'), this.options.clock.now());
      // 4xx other than 429 will not fix itself: log loudly, keep the events, retry slowly.
      const reason = res.status === 429 || res.status >= 500 ? 'busy' : 'refused';
      if (reason === 'refused') this.options.logger.error({ status: res.status, body: body.slice(0, 500) }, 'relay refused batch');
      throw new ForwardError(reason, `relay answered ${res.status}`, retryAfter);
    }
    const ack = IngestAck.safeParse(JSON.parse(body));
    if (!ack.success) throw new ForwardError('bad-ack', 'relay answer is not an IngestAck', null);
    const lastSent = events[events.length - 1]!.seq;
    if (ack.data.ackedSeq > lastSent) {
      // The relay claims events we never sent: it knows this hub id from an earlier life (a reinstalled
      // hub restarting at seq 1). Deleting on its word would lose events; keep them and say so.
      throw new ForwardError('bad-ack', `relay acknowledged seq ${ack.data.ackedSeq} but the batch ended at ${lastSent}`, null);
    }
    const deleted = await this.options.outbox.ackThrough(ack.data.ackedSeq);
    if (deleted === 0) {
      // The relay stored the batch but its contiguous ack did not move (it is missing an earlier seq).
      throw new ForwardError('no-progress', `relay acknowledged ${ack.data.ackedSeq}, below the batch`, null);
    }
    this.options.metrics.inc('forwarded_events_total', {}, deleted);
    this.options.logger.debug({ sent: events.length, ackedSeq: ack.data.ackedSeq, duplicates: ack.data.duplicates }, 'batch forwarded');
    return events.length;
  }
}

class ForwardError extends Error {
  constructor(
    readonly reason: 'network' | 'busy' | 'refused' | 'bad-ack' | 'no-progress',
    message: string,
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
