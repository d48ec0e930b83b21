/**
 * Store-and-forward to the relay: sends the outbox in bounded batches, the
 * critical lane before telemetry, and deletes only what the relay says it
 * stored. The relay being down means the outbox grows, not that anything is
 * lost (docs/architecture.md, docs/store-and-forward.md).
 *
 * Lanes need the relay to answer which seqs of a batch it stored
 * (IngestAck.storedRanges, asked for with ACK_RANGES_HEADER). Until a relay has
 * answered with ranges, and for good when one answers without, the outbox goes
 * in plain seq order, which a contiguous ack alone describes.
 *
 * Every answer is sorted into one outcome. An acknowledgement that moves
 * forward at all is progress: what it covers is deleted and forwarding goes on
 * at once. Anything else is a named failure (the `reason` label of
 * `forward_failures_total`) and a backoff. An unexpected answer is logged once,
 * with the relay's status and the start of its body, and again only when the
 * case changes, not on every retry.
 */
import type { Event } from '../protocols/event.ts';
import { ACK_RANGES, ACK_RANGES_HEADER, IngestAck, INGEST_PATH } from '../protocols/wire.ts';
import { parseRetryAfter, retryDelay } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { laneOf, type Lane } from './store/keys.ts';
import type { Outbox } from './store/outbox.ts';
import { readBounded } from './read-bounded.ts';

export interface ForwarderOptions {
  hubId: string;
  relayUrl: string;
  token: string;
  outbox: Outbox;
  batchSize: number;
  retryMinMs: number;
  retryMaxMs: number;
  idleMs: number;
  /**
   * A relay that accepts the connection, or sends headers, and then goes
   * silent is given up on after this long (ms), so one stuck request cannot
   * hold forwarding forever. Default 30 s: a batch of 1,000 events takes well
   * under a second on a working relay.
   */
  stallTimeoutMs?: number;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  fetch?: typeof fetch;
  /** For the backoff's jitter; tests pin it. */
  random?: () => number;
}

/**
 * Why a round did not go as planned; the `reason` label of forward_failures_total.
 *
 * - `network`: no answer (refused, reset, DNS)
 * - `timeout`: the relay stalled past `stallTimeoutMs`
 * - `busy`: 429 or 5xx, which pass by themselves (Retry-After honoured)
 * - `revoked`: 401, the relay refuses this hub's credential (revoked, or replaced by a rotation
 *   and past its overlap): forwarding stops but for one probe every REVOKED_PROBE_MS, events stay
 *   buffered (docs/provisioning.md)
 * - `refused`: any other non-2xx (403, 409, 413, ...): a person must act
 * - `not-json`: a 2xx whose body is not JSON (a proxy's page, a wrong URL)
 * - `bad-ack`: JSON, but not an IngestAck
 * - `ack-below-batch`: the relay stored the batch, but its contiguous ack does not reach it
 * - `partial-ack`: the ack covers part of the batch (progress)
 * - `ack-beyond-batch`: the ack claims seqs this hub never sent (progress through the batch)
 * - `outbox`: reading or deleting in the hub's own store failed
 */
export type ForwardFailureReason =
  | 'network'
  | 'timeout'
  | 'busy'
  | 'revoked'
  | 'refused'
  | 'not-json'
  | 'bad-ack'
  | 'ack-below-batch'
  | 'partial-ack'
  | 'ack-beyond-batch'
  | 'outbox';

const FAILURE_REASONS: readonly ForwardFailureReason[] = [
  'network',
  'timeout',
  'busy',
  'revoked',
  'refused',
  'not-json',
  'bad-ack',
  'ack-below-batch',
  'partial-ack',
  'ack-beyond-batch',
  'outbox',
];

/** An IngestAck is under 200 bytes; a body far larger is not one, and is not read whole into memory. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** How much of an unexpected answer goes into the log. */
const EXCERPT_CHARS = 300;
const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** After a 401 the hub sends one batch this often (ms), not on its usual backoff. */
export const REVOKED_PROBE_MS = 5 * 60_000;

/**
 * Early tries for new critical events come at least this far apart (or retryMinMs, if smaller):
 * at most 4 refused connections a second during an outage, and an alarm raised as the link
 * returns is tried within a quarter second (goal: at the relay within 1 s).
 */
const EARLY_TRY_GAP_MS = 250;

/** A batch goes ahead of the one in flight only with more than this many batches of telemetry waiting. */
const AHEAD_BACKLOG_BATCHES = 2;

/** Window over which linkState().drainRatePerS averages acknowledged events. */
const DRAIN_RATE_WINDOW_MS = 10_000;

/**
 * The link as the last rounds saw it, for `hub status`:
 * - `unknown`: no round has finished yet
 * - `up`: the relay answered with an ack
 * - `down`: no answer (network, timeout)
 * - `busy`: 429 or 5xx
 * - `revoked`: 401, the credential is refused; nothing is sent until the hub is re-provisioned
 * - `refused`: any other non-2xx, or an answer that is not an IngestAck
 */
export type LinkStateName = 'unknown' | 'up' | 'down' | 'busy' | 'revoked' | 'refused';

export interface LinkState {
  state: LinkStateName;
  lastError: { reason: ForwardFailureReason; message: string; status?: number; at: string } | null;
  /** ISO time of the last round that deleted anything (or found nothing to send) */
  lastSuccessAt: string | null;
  /** events acknowledged and deleted per second over the last 10 s */
  drainRatePerS: number;
  /** `ranges`: lanes, critical first; `seq-order`: the relay has not answered with ranges (yet) */
  ackMode: 'ranges' | 'seq-order';
}

/** What one round did; `anomaly` is set when the answer was not the expected one. */
interface Round {
  sent: number;
  deleted: number;
  anomaly?: Anomaly;
  /** the batch came from the critical lane: telemetry may be waiting behind it however small it was */
  critical?: boolean;
}

interface Anomaly {
  reason: ForwardFailureReason;
  message: string;
  status?: number;
  /** the start of the relay's answer */
  answer?: string;
  retryAfterMs?: number | null;
  err?: unknown;
}

export class Forwarder {
  private timer: unknown = null;
  private running = false;
  /** notify() arrived while a round was running: go again as soon as it ends */
  private wakeRequested = false;
  private stopped = true;
  private failures = 0;
  /** the case last logged at warn/error; repeats of it are logged at debug */
  private reported: ForwardFailureReason | null = null;
  private inFlight: Promise<void> | null = null;
  /** one per request in flight (the round's, and a critical send beside it) */
  private readonly aborts = new Set<AbortController>();
  /** seqs of the critical events sent beside a telemetry round, until its answer is applied */
  private readonly asideSeqs = new Set<number>();
  private aside: Promise<void> | null = null;
  /** the telemetry batch sent ahead of the round's, and its last seq while in flight (0: none) */
  private ahead: Promise<void> | null = null;
  private aheadThrough = 0;
  private aheadChosen: Promise<void> | null = null;
  /** null until the relay's first ack says whether it answers storedRanges */
  private relayRanges: boolean | null = null;
  private link: Omit<LinkState, 'drainRatePerS' | 'ackMode'> = { state: 'unknown', lastError: null, lastSuccessAt: null };
  /** [clock ms, events deleted] per round within DRAIN_RATE_WINDOW_MS */
  private drained: Array<[number, number]> = [];
  /** when the last round began, and the critical lane's depth then (for the early try) */
  private lastRoundAt = -Infinity;
  private criticalAtRound = 0;
  /** clock ms at which the pending timer fires */
  private timerDueAt = Infinity;
  /** the lane the last batch came from; null in seq order */
  private lastBatchLane: Lane | null = null;
  /** why the last round failed, null when it did not */
  private lastFailure: ForwardFailureReason | null = null;

  constructor(private readonly options: ForwarderOptions) {}

  start(): void {
    const { metrics } = this.options;
    metrics.define('forwarded_events_total', 'counter', 'Events the relay acknowledged and the hub deleted from its outbox');
    metrics.define(
      'forward_failures_total',
      'counter',
      'Forwarding rounds that did not end in a full acknowledgement, by reason: network (no answer), timeout (relay stalled), ' +
        'busy (429/5xx), revoked (401: credential refused), refused (other non-2xx), not-json and bad-ack (a 2xx that is not an IngestAck), ack-below-batch ' +
        '(nothing of the batch acknowledged), partial-ack, ack-beyond-batch (acknowledged, with an ack outside the batch), ' +
        'outbox (the hub store failed)',
    );
    for (const reason of FAILURE_REASONS) metrics.inc('forward_failures_total', { reason }, 0);
    // What the relay answered before a restart: a hub restarted during an outage sends alarms first as soon as the link returns.
    this.relayRanges = this.options.outbox.relayAnswersRanges;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const abort of this.aborts) abort.abort();
    await this.inFlight?.catch(() => undefined);
    await this.aside;
    await this.ahead;
  }

  /** How the link is doing, from memory (for `hub status`). */
  linkState(): LinkState {
    const now = this.options.clock.now();
    this.drained = this.drained.filter(([at]) => now - at < DRAIN_RATE_WINDOW_MS);
    const sum = this.drained.reduce((n, [, deleted]) => n + deleted, 0);
    return { ...this.link, drainRatePerS: sum / (DRAIN_RATE_WINDOW_MS / 1000), ackMode: this.relayRanges ? 'ranges' : 'seq-order' };
  }

  /**
   * More may be forwardable: send soon unless a retry wait is in force. One exception: a new
   * critical event while the relay was merely unreachable earns one early try, so an alarm raised
   * just after the link came back does not wait out a long backoff (docs/store-and-forward.md#backoff-and-the-early-try).
   */
  notify(): void {
    if (this.stopped) return;
    if (this.failures > 0) {
      const early = this.earlyTryDelay();
      if (early !== null && this.options.clock.now() + early < this.timerDueAt) this.schedule(early);
      return;
    }
    if (this.running) {
      this.wakeRequested = true;
      this.maybeSendAside();
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timerDueAt = this.options.clock.now() + ms;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.cycle();
    }, ms);
  }

  /**
   * During a retry wait, when the critical lane grew since the last round began and the last
   * failure was no answer at all (a busy relay's Retry-After and a refusal are honoured): the delay
   * to an early try, retryMinMs (at most EARLY_TRY_GAP_MS) after the last try began, which bounds
   * the extra tries however many alarms come. Null when no early try is due.
   */
  private earlyTryDelay(): number | null {
    if (this.running || (this.lastFailure !== 'network' && this.lastFailure !== 'timeout')) return null;
    if (this.options.outbox.stats().lanes.critical.depth <= this.criticalAtRound) return null;
    return Math.max(0, this.lastRoundAt + Math.min(this.options.retryMinMs, EARLY_TRY_GAP_MS) - this.options.clock.now());
  }

  private async cycle(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    this.wakeRequested = false;
    this.lastRoundAt = this.options.clock.now();
    this.criticalAtRound = this.options.outbox.stats().lanes.critical.depth;
    let round: Round;
    try {
      round = await this.sendOnce();
      if (round.sent > 0 && this.relayRanges && this.lastBatchLane === 'critical') round.critical = true;
    } catch (err) {
      // sendOnce sorts every answer it can read; this is the store failing under it.
      round = { sent: 0, deleted: 0, anomaly: { reason: 'outbox', message: `outbox failed: ${(err as Error).message}`, err } };
    } finally {
      this.running = false;
    }
    if (this.stopped) return; // an abort by stop() is not a failure
    const { anomaly } = round;
    this.lastFailure = anomaly?.reason ?? null;
    this.observe(round);
    if (anomaly) this.report(anomaly);
    else if (this.reported !== null) {
      this.options.logger.info({ after: this.reported }, 'forwarding back to normal');
      this.reported = null;
    }
    // A withdrawn credential does not heal by retrying, and sending on would only load the relay; one
    // probe every few minutes still notices a 401 that was not meant (a replica mid-deploy)
    // (docs/provisioning.md#revocation).
    if (anomaly?.reason === 'revoked') {
      this.failures += 1; // notify() wakes nothing while failures > 0
      this.schedule(REVOKED_PROBE_MS);
      return;
    }
    let next: number;
    if (round.deleted > 0 || (round.sent === 0 && !anomaly)) {
      this.failures = 0;
      // More may be waiting (a full batch, a partial ack, or a wake during the round): keep draining.
      next = round.sent === this.options.batchSize || round.critical || anomaly !== undefined || this.wakeRequested ? 0 : this.options.idleMs;
    } else {
      this.failures += 1;
      next = retryDelay(this.failures, anomaly?.retryAfterMs ?? null, this.options.retryMinMs, this.options.retryMaxMs, this.options.random);
    }
    this.schedule(next);
  }

  /** Keeps linkState() current. */
  private observe(round: Round): void {
    const now = this.options.clock.now();
    if (round.deleted > 0) this.drained.push([now, round.deleted]);
    const { anomaly } = round;
    if (anomaly) this.link.lastError = { reason: anomaly.reason, message: anomaly.message, ...(anomaly.status !== undefined && { status: anomaly.status }), at: new Date(now).toISOString() };
    if (round.deleted > 0 || (round.sent === 0 && !anomaly)) this.link.lastSuccessAt = new Date(now).toISOString();
    if (!anomaly) {
      if (round.sent > 0) this.link.state = 'up';
      return;
    }
    const states: Partial<Record<ForwardFailureReason, LinkStateName>> = { network: 'down', timeout: 'down', busy: 'busy', revoked: 'revoked', refused: 'refused', 'not-json': 'refused', 'bad-ack': 'refused' };
    // The other reasons come with an ack (the relay answered) or from the hub's own store.
    this.link.state = states[anomaly.reason] ?? (anomaly.reason === 'outbox' ? this.link.state : 'up');
  }

  /** Counts every anomaly; logs it at warn/error once per case, at debug while it repeats. */
  private report(anomaly: Anomaly): void {
    const { logger, metrics } = this.options;
    metrics.inc('forward_failures_total', { reason: anomaly.reason });
    const fields = {
      reason: anomaly.reason,
      ...(anomaly.status !== undefined && { status: anomaly.status }),
      ...(anomaly.answer !== undefined && { answer: anomaly.answer }),
      ...(anomaly.err !== undefined && { err: anomaly.err }),
      failures: this.failures,
    };
    if (this.reported === anomaly.reason) {
      logger.debug(fields, anomaly.message);
      return;
    }
    this.reported = anomaly.reason;
    // Unreachable or busy passes by itself; anything else needs someone to look at the relay or the config.
    const transient = anomaly.reason === 'network' || anomaly.reason === 'timeout' || anomaly.reason === 'busy';
    if (transient) logger.warn(fields, anomaly.message);
    else logger.error(fields, anomaly.message);
  }

  /**
   * A telemetry round is in flight and the critical lane has something: send it beside the round
   * instead of after it, so a new alarm never waits for a telemetry batch (a slow or stalled one
   * included; docs/store-and-forward.md#draining). One such send at a time. Its answer deletes what
   * it names; a failure is counted and logged and leaves the backoff to the rounds, which send
   * whatever is left.
   */
  private maybeSendAside(): void {
    // Two requests at most, the round's and one beside it: the relay admits two per hub (admission.hubMaxInFlight).
    // With a batch ahead in flight the alarm goes in the next round, first.
    if (this.aside || this.ahead || this.stopped || !this.relayRanges || this.lastBatchLane !== 'telemetry') return;
    if (this.options.outbox.stats().lanes.critical.depth === 0) return;
    this.aside = this.sendAside().finally(() => (this.aside = null));
  }

  private async sendAside(): Promise<void> {
    let events: Event[] = [];
    try {
      events = (await this.options.outbox.peekLane('critical', this.options.batchSize)).filter((e) => !this.asideSeqs.has(e.seq));
      if (events.length === 0) return;
      for (const e of events) this.asideSeqs.add(e.seq);
      const round = await this.sendOnce(events);
      if (this.stopped) return;
      this.observe(round);
      if (round.anomaly) this.report(round.anomaly);
    } catch (err) {
      if (!this.stopped) this.report({ reason: 'outbox', message: `outbox failed: ${(err as Error).message}`, err });
    } finally {
      for (const e of events) this.asideSeqs.delete(e.seq);
    }
  }

  /** Sends one batch (the next one, or `given`) and applies the relay's answer. Throws only when the outbox itself fails. */
  private async sendOnce(given?: Event[]): Promise<Round> {
    const { outbox, clock } = this.options;
    const events = given ?? (await this.nextBatch());
    if (events.length === 0) return { sent: 0, deleted: 0 };
    const sent = events.length;
    const firstSent = events[0]!.seq;
    const lastSent = events[sent - 1]!.seq;
    const doFetch = this.options.fetch ?? fetch;
    const abort = new AbortController();
    this.aborts.add(abort);
    let stalled = false;
    const timeout = clock.setTimeout(() => {
      stalled = true;
      abort.abort();
    }, this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS);
    let res: Response;
    let body: string;
    try {
      res = await doFetch(new URL(INGEST_PATH, this.options.relayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}`, 'x-hub-time': new Date(clock.now()).toISOString(), [ACK_RANGES_HEADER]: ACK_RANGES },
        body: JSON.stringify({ hubId: this.options.hubId, events }),
        signal: abort.signal,
      });
      body = (await readBounded(res, MAX_ANSWER_BYTES)).text; // inside the timeout: a relay may send headers and then stall
    } catch (err) {
      if (stalled) {
        return { sent, deleted: 0, anomaly: { reason: 'timeout', message: `relay sent nothing for ${this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS} ms` } };
      }
      return { sent, deleted: 0, anomaly: { reason: 'network', message: `relay unreachable: ${(err as Error).message}`, err } };
    } finally {
      clock.clearTimeout(timeout);
      this.aborts.delete(abort);
    }
    const seen = { status: res.status, answer: body.slice(0, EXCERPT_CHARS) };

    if (!res.ok) {
      if (res.status === 429 || res.status >= 500) {
        const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), clock.now());
        return { sent, deleted: 0, anomaly: { reason: 'busy', message: `relay busy (${res.status})`, retryAfterMs, ...seen } };
      }
      if (res.status === 401) {
        const message = "relay refused this hub's credential (401: revoked, or replaced and past its overlap): forwarding stopped, events stay buffered; re-provision the hub (hub provision)";
        return { sent, deleted: 0, anomaly: { reason: 'revoked', message, ...seen } };
      }
      // Will not fix itself (a seq conflict, a body too large): keep the events, retry slowly, say so.
      return { sent, deleted: 0, anomaly: { reason: 'refused', message: `relay refused the batch (${res.status})`, ...seen } };
    }

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { sent, deleted: 0, anomaly: { reason: 'not-json', message: 'relay answer is not JSON', ...seen } };
    }
    const ack = IngestAck.safeParse(json);
    if (!ack.success) return { sent, deleted: 0, anomaly: { reason: 'bad-ack', message: 'relay answer is not an IngestAck', ...seen } };
    const ackedSeq = ack.data.ackedSeq;
    const range = `batch ${firstSent}..${lastSent}`;
    this.relayRanges = ack.data.storedRanges !== undefined;
    await outbox.rememberRelayRanges(this.relayRanges);
    if (ack.data.storedRanges !== undefined) return this.applyRanges(events, ack.data, seen);

    // The ack means "every seq from 1 to here is stored". For the seqs we sent the relay checked our
    // event ids (it answers 409 for a seq stored under another id), so through the batch the claim
    // holds; beyond it, it speaks of events this hub never sent (a hub restored from an old backup)
    // and deletes nothing of ours.
    // Only the events of this batch: were it a lane batch (sent before the relay showed it has no
    // ranges), seqs below it in the other lane may never have been sent.
    const deleted = ackedSeq >= 1 ? await outbox.ackStored(events, [[1, Math.min(ackedSeq, lastSent)]]) : 0;
    if (deleted > 0) this.options.metrics.inc('forwarded_events_total', {}, deleted);
    if (ackedSeq > lastSent) {
      return { sent, deleted, anomaly: { reason: 'ack-beyond-batch', message: `relay acknowledged seq ${ackedSeq}, beyond the ${range}`, ...seen } };
    }
    if (ackedSeq < lastSent) {
      // The relay stored the batch, but it misses an earlier seq, so its contiguous ack stops short.
      const reason = deleted > 0 ? 'partial-ack' : 'ack-below-batch';
      return { sent, deleted, anomaly: { reason, message: `relay acknowledged seq ${ackedSeq}, short of the ${range}`, ...seen } };
    }
    this.options.logger.debug({ sent, ackedSeq, duplicates: ack.data.duplicates }, 'batch forwarded');
    return { sent, deleted };
  }

  /**
   * The critical lane first, then telemetry (docs/store-and-forward.md#draining). Each round
   * looks at the critical lane again, so a new alarm waits at most for the telemetry batch
   * already in flight. Plain seq order until the relay has shown it answers ranges.
   */
  private async nextBatch(): Promise<Event[]> {
    const { outbox, batchSize } = this.options;
    this.lastBatchLane = null;
    if (!this.relayRanges) return outbox.peek(batchSize);
    // Not what is being sent beside a telemetry round already.
    const critical = (await outbox.peekLane('critical', batchSize)).filter((e) => !this.asideSeqs.has(e.seq));
    this.lastBatchLane = critical.length > 0 ? 'critical' : 'telemetry';
    if (critical.length > 0) return critical;
    // Past the batch being sent ahead, if any; what it leaves behind is picked up once it is answered.
    await this.aheadChosen;
    const telemetry = await outbox.peekLane('telemetry', batchSize, this.aheadThrough);
    if (telemetry.length === batchSize && outbox.stats().lanes.telemetry.depth > AHEAD_BACKLOG_BATCHES * batchSize) this.sendAhead(telemetry.at(-1)!.seq);
    return telemetry;
  }

  /**
   * With a telemetry backlog, the next batch goes while this one is in flight: the relay parses and
   * checks one batch while PostgreSQL stores the other, and the hub reads its outbox meanwhile
   * (bench:drain: the hub and the relay each sat idle most of a drain, waiting on the other and on
   * the database; docs/benchmarks.md). At most one batch ahead; a failure is counted and logged and
   * leaves the backoff to the rounds, which send again whatever is left.
   */
  private sendAhead(after: number): void {
    if (this.ahead || this.aside || this.stopped) return;
    let chosen = () => {};
    // Until the batch ahead is chosen, a round must not choose the same events.
    this.aheadChosen = new Promise<void>((resolve) => (chosen = resolve));
    this.ahead = (async () => {
      try {
        const events = await this.options.outbox.peekLane('telemetry', this.options.batchSize, after).finally(() => {
          this.aheadChosen = null;
          chosen();
        });
        if (events.length === 0) return;
        this.aheadThrough = events.at(-1)!.seq;
        const round = await this.sendOnce(events);
        if (this.stopped) return;
        this.observe(round);
        if (round.anomaly) this.report(round.anomaly);
      } catch (err) {
        if (!this.stopped) this.report({ reason: 'outbox', message: `outbox failed: ${(err as Error).message}`, err });
      } finally {
        this.aheadThrough = 0;
        this.ahead = null;
      }
    })();
  }

  /** Deletes exactly the sent events the relay's ranges name; anything else is an anomaly to count. */
  private async applyRanges(events: Event[], ack: IngestAck, seen: { status: number; answer: string }): Promise<Round> {
    const ranges = ack.storedRanges ?? [];
    const sent = events.length;
    const deleted = await this.options.outbox.ackStored(events, ranges);
    if (deleted > 0) this.options.metrics.inc('forwarded_events_total', {}, deleted);
    const range = `batch ${events[0]!.seq}..${events[sent - 1]!.seq}`;
    const beyond = seqsBeyond(ranges, new Set(events.map((e) => e.seq)));
    if (beyond > 0) {
      return { sent, deleted, anomaly: { reason: 'ack-beyond-batch', message: `relay named ${beyond} stored seqs outside the ${range}`, ...seen } };
    }
    if (deleted < sent) {
      const reason = deleted > 0 ? 'partial-ack' : 'ack-below-batch';
      return { sent, deleted, anomaly: { reason, message: `relay stored ${deleted} of the ${sent} events of the ${range}`, ...seen } };
    }
    this.options.logger.debug({ sent, ackedSeq: ack.ackedSeq, duplicates: ack.duplicates, lane: laneOf(events[0]!) }, 'batch forwarded');
    return { sent, deleted };
  }
}

/** How many seqs `ranges` name outside `sent` (a relay speaking of events this hub never sent in the batch). */
function seqsBeyond(ranges: ReadonlyArray<readonly [number, number]>, sent: ReadonlySet<number>): number {
  let outside = 0;
  for (const [first, last] of ranges) {
    let inside = 0;
    for (const seq of sent) if (seq >= first && seq <= last) inside += 1;
    outside += last - first + 1 - inside;
  }
  return outside;
}
