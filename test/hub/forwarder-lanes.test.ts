/**
 * Lanes in the forwarder (hub/forwarder.ts, docs/store-and-forward.md): the critical lane goes
 * first once the relay answers storedRanges, plain seq order with a relay that answers only the
 * contiguous ack; exactly the ranged seqs are deleted; linkState() for `hub status`. An in-process
 * relay model (a fake fetch that stores by seq) and a fake clock.
 */
import t, { type Test } from 'tap';
import { Forwarder } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { ACK_RANGES, ACK_RANGES_HEADER, toSeqRanges } from '../../protocols/wire.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

const reading = (v: number) => ({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + v, unit: '%' } }) as const;
const call = (deviceSeq: number) => ({ kind: 'call-point', deviceId: 'cp-1', payload: { event: 'call', deviceSeq, battery: null, via: 'serial' } }) as const;

interface Body {
  events: Array<{ seq: number; id: string }>;
}
/** How the relay model answers one batch, given the seqs it holds after storing it. */
type Answer = (body: Body, held: Set<number>, headers: Record<string, string>) => Response | Promise<Response>;

const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/json' } });
const contiguous = (held: Set<number>) => {
  let n = 0;
  while (held.has(n + 1)) n++;
  return n;
};
/** A relay that answers ranges when asked, as cloud/resources/ingest does. */
const rangesRelay: Answer = (body, held, headers) =>
  json({
    ackedSeq: contiguous(held),
    stored: body.events.length,
    duplicates: 0,
    relayTime: '2026-11-25T03:00:00.000Z',
    ...(headers[ACK_RANGES_HEADER] === ACK_RANGES && { storedRanges: toSeqRanges(body.events.map((e) => e.seq)) }),
  });
/** A relay from before ranges: the contiguous ack only. */
const oldRelay: Answer = (body, held) => json({ ackedSeq: contiguous(held), stored: body.events.length, duplicates: 0, relayTime: '2026-11-25T03:00:00.000Z' });

async function rig(t: Test, answer: Answer, options: { store?: (seq: number) => boolean } = {}) {
  const clock = new FakeClock(Date.parse('2026-11-25T03:00:00Z'));
  const store = createMemoryStore();
  await store.open();
  let outbox: Outbox | null = null;
  let forwarder: Forwarder | null = null;
  const log = new EventLog({ hubId: 'h1', store, clock, onDurable: (events) => outbox?.written(events), onForwardable: () => forwarder?.notify() });
  await log.start();
  outbox = new Outbox(store);
  await outbox.start();
  const metrics = createMetrics();
  const { logger } = createTestLogger('debug');
  /** every seq the relay model holds, and how often each arrived */
  const held = new Set<number>();
  const arrivals = new Map<number, number>();
  const batches: number[][] = [];
  let reject: Error | null = null;
  const fakeFetch = (async (_input: URL | RequestInfo, init?: RequestInit) => {
    if (reject) throw reject;
    const body = JSON.parse(String(init?.body)) as Body;
    batches.push(body.events.map((e) => e.seq));
    for (const e of body.events) {
      arrivals.set(e.seq, (arrivals.get(e.seq) ?? 0) + 1);
      if (options.store?.(e.seq) ?? true) held.add(e.seq);
    }
    return answer(body, held, init?.headers as Record<string, string>);
  }) as typeof fetch;
  forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: 'http://relay.test:8080',
    token: 'hub-token-0123456789',
    outbox,
    batchSize: 3,
    retryMinMs: 100,
    retryMaxMs: 60_000,
    idleMs: 5000,
    clock,
    logger,
    metrics,
    fetch: fakeFetch,
    random: () => 1,
  });
  t.teardown(() => forwarder.stop());
  /** Fires timers until `done` holds (each round runs on a timer). */
  const runUntil = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !done(); i++) {
      clock.runNext();
      await until(() => clock.pending > 0 || done(), `${what}: a round settled`);
    }
    t.ok(done(), what);
  };
  const failures = (reason: string) => metrics.get('forward_failures_total', { reason });
  const o = outbox;
  const f = forwarder;
  return { clock, log, outbox: o, forwarder: f, batches, arrivals, held, runUntil, failures, cut: (err: Error | null) => (reject = err) };
}

t.test('a relay with ranges: the call waiting behind telemetry goes in the next round, each event arrives once', async (t) => {
  const r = await rig(t, rangesRelay);
  for (let v = 1; v <= 6; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => r.batches.length === 1, 'first round sent');
  t.same(r.batches[0], [1, 2, 3], 'the first round is in seq order: the relay has not yet shown it answers ranges');
  await r.log.append(call(1));
  t.same(r.outbox.stats().lanes.critical.depth, 1, 'the call waits in the critical lane');
  await r.runUntil(() => r.batches.length === 2, 'the call sent');
  await until(() => r.clock.pending > 0 && r.outbox.stats().lanes.critical.depth === 0, 'the call round settled');
  t.equal(r.clock.pendingDelays[0], 0, 'telemetry follows at once: a small critical batch does not mean the outbox is empty');
  await r.runUntil(() => r.outbox.ackedSeq === 7, 'everything delivered');
  t.same(r.batches, [[1, 2, 3], [7], [4, 5, 6]], 'the call overtakes the telemetry backlog');
  t.same([...r.arrivals.values()], [1, 1, 1, 1, 1, 1, 1], 'nothing sent twice');
  t.same(await r.outbox.peek(10), []);
  const link = r.forwarder.linkState();
  t.match(link, { state: 'up', ackMode: 'ranges', lastError: null });
  t.ok(link.drainRatePerS > 0 && link.lastSuccessAt !== null, 'drain rate and last success reported');
});

t.test('a relay without ranges: plain seq order, so its contiguous ack always covers what was sent', async (t) => {
  const r = await rig(t, oldRelay);
  for (let v = 1; v <= 6; v++) await r.log.append(reading(v));
  await r.log.append(call(1));
  r.forwarder.start();
  await r.runUntil(() => r.outbox.ackedSeq === 7, 'everything delivered');
  t.same(r.batches, [[1, 2, 3], [4, 5, 6], [7]]);
  t.equal(r.failures('ack-below-batch'), 0, 'no round wasted on a batch the ack cannot describe');
  t.equal(r.forwarder.linkState().ackMode, 'seq-order');
});

t.test('ranges decide what is deleted: the unstored part is sent again; a claim outside the batch deletes nothing more', async (t) => {
  const answers: Answer[] = [
    rangesRelay,
    // seq 5 not stored: the relay names 4 and 6 only
    (body, held) => json({ ackedSeq: contiguous(held), stored: 2, duplicates: 0, relayTime: 'x', storedRanges: toSeqRanges(body.events.map((e) => e.seq).filter((s) => s !== 5)) }),
    // a relay naming seqs it was not sent in this batch (6 and 9)
    (_body, held) => json({ ackedSeq: contiguous(held), stored: 3, duplicates: 0, relayTime: 'x', storedRanges: [[5, 9]] }),
  ];
  const r = await rig(t, (body, held, headers) => (answers.shift() ?? rangesRelay)(body, held, headers));
  for (let v = 1; v <= 9; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => r.batches.length === 2, 'two rounds');
  t.same(r.batches[1], [4, 5, 6]);
  t.same((await r.outbox.peek(10)).map((e) => e.seq), [5, 7, 8, 9], 'seq 5 kept: the relay did not name it');
  t.equal(r.failures('partial-ack'), 1);
  await r.runUntil(() => r.batches.length === 3, 'third round');
  t.same(r.batches[2], [5, 7, 8]);
  t.same((await r.outbox.peek(10)).map((e) => e.seq), [9], 'seq 9 lies in the claimed range but was not sent: kept');
  t.equal(r.failures('ack-beyond-batch'), 1, 'and the claim is counted');
  await r.runUntil(() => r.outbox.ackedSeq === 9, 'the rest delivered');
});

t.test('linkState follows the rounds: down without an answer, up again after', async (t) => {
  const r = await rig(t, rangesRelay);
  t.match(r.forwarder.linkState(), { state: 'unknown', lastError: null, lastSuccessAt: null, drainRatePerS: 0, ackMode: 'seq-order' });
  await r.log.append(reading(1));
  r.cut(new Error('connect ECONNREFUSED'));
  r.forwarder.start();
  await r.runUntil(() => r.failures('network') >= 1, 'a failed round');
  t.match(r.forwarder.linkState(), { state: 'down', lastError: { reason: 'network', message: /ECONNREFUSED/ } });
  r.cut(null);
  await r.runUntil(() => r.outbox.ackedSeq === 1, 'delivered after the outage');
  t.match(r.forwarder.linkState(), { state: 'up', lastError: { reason: 'network' }, drainRatePerS: 0.1 });
  r.clock.advance(11_000);
  t.equal(r.forwarder.linkState().drainRatePerS, 0, 'the rate covers the last 10 s only');
});

t.test('a new critical event during a retry wait after no answer earns one early try; telemetry does not', async (t) => {
  const r = await rig(t, rangesRelay);
  await r.log.append(reading(1));
  r.cut(new Error('connect ECONNREFUSED'));
  r.forwarder.start();
  await r.runUntil(() => r.failures('network') >= 6, 'six failed rounds: the backoff is long now');
  const wait = r.clock.pendingDelays[0]!;
  t.ok(wait > 1000, `a long wait (${wait} ms)`);
  r.cut(null); // the link is back; the hub does not know yet
  r.clock.advance(100);
  await r.log.append(reading(2));
  t.equal(r.clock.pendingDelays[0], wait - 100, 'telemetry waits out the backoff');
  await r.log.append(call(1));
  t.equal(r.clock.pendingDelays[0], 0, 'a call tries at once');
  await r.runUntil(() => r.outbox.ackedSeq === 3, 'delivered');
  t.same(r.batches, [[1, 2, 3]], 'the early try carried it all, in seq order (the relay had not answered ranges yet)');
});

t.test('no early try while the relay asked for the wait (busy), nor sooner than retryMinMs after the last try', async (t) => {
  let busy = true;
  const r = await rig(t, (body, held, headers) => (busy ? new Response('', { status: 503, headers: { 'retry-after': '30' } }) : rangesRelay(body, held, headers)));
  await r.log.append(reading(1));
  r.forwarder.start();
  await r.runUntil(() => r.failures('busy') >= 1, 'a busy answer');
  const wait = r.clock.pendingDelays[0]!;
  r.clock.advance(500);
  await r.log.append(call(1));
  t.equal(r.clock.pendingDelays[0], wait - 500, 'Retry-After is honoured, alarm or not');
  busy = false;
  r.cut(new Error('connect ECONNREFUSED'));
  r.clock.runNext();
  await until(() => r.failures('network') >= 1 && r.clock.pending > 0, 'a failed round');
  t.ok(r.clock.pendingDelays[0]! > 100, 'a wait longer than retryMinMs');
  r.clock.advance(40);
  await r.log.append(call(2));
  t.equal(r.clock.pendingDelays[0], 60, 'the early try comes retryMinMs after the last one began, not sooner');
});

t.test('what the relay answered is remembered: after a restart the first round already sends alarms first', async (t) => {
  const r = await rig(t, rangesRelay);
  t.equal(r.outbox.relayAnswersRanges, null, 'never heard from the relay');
  await r.outbox.rememberRelayRanges(true); // as a previous run of the hub stored it
  for (let v = 1; v <= 6; v++) await r.log.append(reading(v));
  await r.log.append(call(1));
  r.forwarder.start();
  await r.runUntil(() => r.outbox.ackedSeq === 7, 'everything delivered');
  t.same(r.batches, [[7], [1, 2, 3], [4, 5, 6]], 'the call first, from the first round');

  const old = await rig(t, oldRelay);
  await old.outbox.rememberRelayRanges(true); // the relay was downgraded since
  await old.log.append(call(1));
  await old.log.append(reading(1));
  old.forwarder.start();
  await old.runUntil(() => old.outbox.ackedSeq === 2, 'delivered in seq order after one answer without ranges');
  t.equal(old.outbox.relayAnswersRanges, false, 'and remembered');
});

t.test('a critical event during a slow telemetry round is sent beside it, not after it', async (t) => {
  let release: (() => void) | null = null;
  const r = await rig(t, (body, held, headers) =>
    body.events[0]!.seq === 4 ? new Promise<Response>((resolve) => (release = () => resolve(rangesRelay(body, held, headers) as Response))) : rangesRelay(body, held, headers),
  );
  for (let v = 1; v <= 6; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => release !== null, 'the telemetry batch 4..6 is in flight and held');
  await r.log.append(call(1));
  await until(() => r.outbox.stats().lanes.critical.depth === 0, 'the call delivered while the telemetry batch still waits');
  t.same(r.batches, [[1, 2, 3], [4, 5, 6], [7]], 'the call went beside the held batch');
  t.equal(r.outbox.ackedSeq, 3, 'the held batch is not acknowledged yet');
  release!();
  await r.runUntil(() => r.outbox.ackedSeq === 7, 'everything delivered');
  t.same(r.batches.length, 3, 'nothing sent twice: the rounds skip what is being sent beside them');
  t.same([...r.arrivals.values()], [1, 1, 1, 1, 1, 1, 1]);
});

t.test('while the critical send beside a round waits, the next rounds do not send its events again', async (t) => {
  const holds = new Map<number, () => void>();
  const r = await rig(t, (body, held, headers) => {
    const first = body.events[0]!.seq;
    if (first !== 4 && first !== 7) return rangesRelay(body, held, headers);
    return new Promise<Response>((resolve) => holds.set(first, () => resolve(rangesRelay(body, held, headers) as Response)));
  });
  for (let v = 1; v <= 6; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => holds.has(4), 'the telemetry batch held');
  await r.log.append(call(1));
  await until(() => holds.has(7), 'the call sent beside it, and held too');
  holds.get(4)!();
  await r.runUntil(() => r.outbox.ackedSeq === 6, 'the telemetry delivered');
  r.clock.runNext(); // a round while the call is still unanswered
  await until(() => r.clock.pending > 0, 'that round settled');
  t.same(r.batches, [[1, 2, 3], [4, 5, 6], [7]], 'the call was not sent a second time');
  holds.get(7)!();
  await r.runUntil(() => r.outbox.ackedSeq === 7, 'the call delivered');
  t.same([...r.arrivals.values()], [1, 1, 1, 1, 1, 1, 1]);
});

t.test('with a telemetry backlog the next batch goes while one is in flight; each event still arrives once', async (t) => {
  let release: (() => void) | null = null;
  const r = await rig(t, (body, held, headers) =>
    body.events[0]!.seq === 4 ? new Promise<Response>((resolve) => (release = () => resolve(rangesRelay(body, held, headers) as Response))) : rangesRelay(body, held, headers),
  );
  for (let v = 1; v <= 15; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => release !== null, 'the batch 4..6 in flight and held');
  await until(() => r.batches.some((b) => b[0] === 7) && r.outbox.stats().lanes.telemetry.depth === 9, 'the batch 7..9 sent ahead and answered');
  t.equal(r.outbox.ackedSeq, 3, 'the held batch is not acknowledged');
  release!();
  await r.runUntil(() => r.outbox.ackedSeq === 15, 'everything delivered');
  t.same([...r.arrivals.values()], Array(15).fill(1), 'each event sent once');
  t.same(r.batches.flat().sort((a, b) => a - b), Array.from({ length: 15 }, (_, i) => i + 1));
});

t.test('never more than two requests at once: with a batch ahead in flight an alarm goes first in the next round', async (t) => {
  const holds = new Map<number, () => void>();
  let open = 0;
  let most = 0;
  const r = await rig(t, async (body, held, headers) => {
    open += 1;
    most = Math.max(most, open);
    const first = body.events[0]!.seq;
    if (first === 4 || first === 7) await new Promise<void>((resolve) => holds.set(first, resolve));
    open -= 1;
    return rangesRelay(body, held, headers);
  });
  for (let v = 1; v <= 15; v++) await r.log.append(reading(v));
  r.forwarder.start();
  await r.runUntil(() => holds.has(4) && holds.has(7), 'a round and a batch ahead, both held');
  await r.log.append(call(1));
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  t.same(r.batches, [[1, 2, 3], [4, 5, 6], [7, 8, 9]], 'no third request for the call');
  holds.get(4)!();
  await r.runUntil(() => r.batches.length === 4, 'the next round');
  t.same(r.batches[3], [16], 'the call first in the next round');
  holds.get(7)!();
  await r.runUntil(() => r.outbox.ackedSeq === 16, 'everything delivered');
  t.equal(most, 2, 'two requests at most');
  t.same([...r.arrivals.values()], Array(16).fill(1));
});
