/**
 * The forwarder's details against an in-process relay (a fake fetch) and a fake clock: what a
 * request carries, when the next round runs, how each answer is counted and logged, how stop()
 * and notify() steer the timer, and how an answer body is read. The end-to-end cases over a real
 * HTTP port are in forwarder.test.ts.
 */
import t, { type Test } from 'tap';
import { Forwarder, type ForwarderOptions } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { INGEST_PATH } from '../../protocols/wire.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: { hubId: string; events: Array<{ seq: number }> };
  signal: AbortSignal;
}

/** What the fake relay does with one request: a Response, or a rejection (no answer). */
type Answer = (sent: Sent) => Response | Promise<Response>;

const REASONS = ['network', 'timeout', 'busy', 'revoked', 'refused', 'not-json', 'bad-ack', 'ack-below-batch', 'partial-ack', 'ack-beyond-batch', 'outbox'];

const ack = (ackedSeq: number, duplicates = 0) =>
  new Response(JSON.stringify({ ackedSeq, stored: 1, duplicates, relayTime: '2026-11-24T12:00:00.000Z' }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
const lastOf = (s: Sent) => s.body.events.at(-1)!.seq;
const status = (code: number, body = '') => new Response(body, { status: code });

/** Holds the first request until release(); every later one is acknowledged at once. */
function holdFirstRequest() {
  let calls = 0;
  let release: (() => void) | null = null;
  const answer = (s: Sent) =>
    ++calls === 1 ? new Promise<Response>((resolve) => (release = () => resolve(ack(lastOf(s))))) : ack(lastOf(s));
  return { answer, held: () => release !== null, release: () => release!() };
}

const reading = (v: number) => ({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + v, unit: '%' } }) as const;

const MIN = 100;
const MAX = 100_000;
const IDLE = 7_000;

async function rig(t: Test, answer: Answer, options: Partial<ForwarderOptions> & { events?: number } = {}) {
  const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z'));
  const store = createMemoryStore();
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock });
  await log.start();
  const outbox = new Outbox(store);
  await outbox.start();
  const metrics = createMetrics();
  const { logger, records } = createTestLogger('debug');
  const sent: Sent[] = [];
  /** requests whose answer has been produced (resolved or rejected) */
  let answered = 0;
  const fakeFetch = (async (input: URL | RequestInfo, init?: RequestInit) => {
    const s: Sent = {
      url: String(input),
      method: init?.method,
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)),
      signal: init!.signal!,
    };
    sent.push(s);
    try {
      return await answer(s);
    } finally {
      answered++;
    }
  }) as typeof fetch;
  const forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: 'http://relay.test:8080',
    token: 'hub-token-0123456789',
    outbox,
    batchSize: 3,
    retryMinMs: MIN,
    retryMaxMs: MAX,
    idleMs: IDLE,
    clock,
    logger,
    metrics,
    fetch: fakeFetch,
    random: () => 1,
    ...options,
  });
  t.teardown(() => forwarder.stop());
  for (let v = 1; v <= (options.events ?? 5); v++) await log.append(reading(v));
  const failures = (reason: string) => metrics.get('forward_failures_total', { reason });
  /** Runs the timer due now and waits until that round has sent its batch and set its next timer. */
  const round = async (what: string) => {
    const before = sent.length;
    clock.advance(0);
    await until(() => sent.length > before && clock.pending === 1 && clock.pendingDelays[0] !== 30_000, `${what}: settled`);
  };
  return { clock, log, outbox, metrics, records, sent, forwarder, failures, round, answered: () => answered };
}

t.test('a request is a POST of the batch, with the hub id and token, to the ingest path of the relay', async (t) => {
  const { outbox, sent, forwarder, round } = await rig(t, (s) => ack(lastOf(s)));
  const waiting = await outbox.peek(3);
  forwarder.start();
  await round('first');
  t.equal(sent.length, 1);
  const [req] = sent;
  t.equal(req!.url, new URL(INGEST_PATH, 'http://relay.test:8080').href);
  t.equal(req!.method, 'POST');
  t.equal(req!.headers['content-type'], 'application/json');
  t.equal(req!.headers.authorization, 'Bearer hub-token-0123456789');
  t.equal(req!.body.hubId, 'h1');
  t.same(req!.body.events, waiting, 'the events as stored, oldest first');
  t.type(req!.signal, AbortSignal);
  t.equal(req!.signal.aborted, false);
});

t.test('metrics: both series have a help text, and every reason is a series at 0 from the start', async (t) => {
  const { metrics, forwarder } = await rig(t, (s) => ack(lastOf(s)));
  forwarder.start();
  const text = metrics.render();
  t.match(text, /^# HELP carehub_hub_forwarded_events_total \S.*$/m);
  const help = /^# HELP carehub_hub_forward_failures_total (.*)$/m.exec(text)?.[1] ?? '';
  for (const reason of REASONS) {
    t.match(text, new RegExp(`^carehub_hub_forward_failures_total\\{reason="${reason}"\\} 0$`, 'm'), `${reason} at 0`);
    t.ok(help.includes(reason), `the help names ${reason}`);
  }
  t.equal(text.match(/^carehub_hub_forward_failures_total\{/gm)?.length, REASONS.length, 'no other reason');
  for (const name of ['forwarded_events_total', 'forward_failures_total']) {
    t.match(text, new RegExp(`^# TYPE carehub_hub_${name} counter$`, 'm'), `${name} is a counter`);
  }
  const declared = [...text.matchAll(/^# (?:HELP|TYPE) (\S*)/gm)].map((m) => m[1]!);
  t.same(
    declared.filter((name) => !/^carehub_hub_[a-z_]+$/.test(name)),
    [],
    'every series it declares has a name',
  );
});

t.test('pacing: a full batch goes on at once, a short one waits idleMs, an empty outbox waits idleMs', async (t) => {
  const { clock, sent, forwarder, metrics, round, records } = await rig(t, (s) => ack(lastOf(s), 1));
  forwarder.start();
  t.same(clock.pendingDelays, [0], 'start() schedules a round now');
  await round('full batch');
  t.same(clock.pendingDelays, [0], 'a full batch: the next round at once');
  await round('short batch');
  t.same(clock.pendingDelays, [IDLE], 'a short batch: nothing more waiting, idle');
  t.same(sent.map((s) => s.body.events.map((e) => e.seq)), [[1, 2, 3], [4, 5]]);
  t.equal(metrics.get('forwarded_events_total'), 5, 'every acknowledged event counted');
  clock.advance(IDLE);
  await until(() => clock.pending === 1, 'an empty round');
  t.same(clock.pendingDelays, [IDLE], 'an empty outbox: idle, no backoff');
  t.equal(sent.length, 2, 'an empty outbox sends nothing');
  const done = records.filter((r) => r.msg === 'batch forwarded');
  t.match(done, [
    { level: 20, sent: 3, ackedSeq: 3, duplicates: 1 },
    { level: 20, sent: 2, ackedSeq: 5, duplicates: 1 },
  ]);
  t.same(
    records.filter((r) => r.level >= 30),
    [],
    'nothing to tell an operator',
  );
});

t.test('backoff: failures grow the wait, a success resets it', async (t) => {
  let fail = 3;
  const { clock, sent, forwarder, round, outbox } = await rig(t, (s) => (fail-- > 0 ? status(503) : ack(lastOf(s))), { events: 2 });
  forwarder.start();
  await round('1st failure');
  t.same(clock.pendingDelays, [MIN]);
  clock.advance(MIN);
  await until(() => sent.length === 2 && clock.pending === 1 && clock.pendingDelays[0] !== 0, '2nd failure');
  t.same(clock.pendingDelays, [2 * MIN]);
  clock.advance(2 * MIN);
  await until(() => sent.length === 3 && clock.pending === 1 && clock.pendingDelays[0] !== 0, '3rd failure');
  t.same(clock.pendingDelays, [4 * MIN]);
  clock.advance(4 * MIN);
  await until(() => outbox.ackedSeq === 2 && clock.pending === 1, 'delivered');
  t.same(clock.pendingDelays, [IDLE]);
});

t.test('after a success the failure count starts again from one', async (t) => {
  // fail, fail, ok (partial batch), fail: the last wait is the first step again.
  const plan: Array<'fail' | 'ok'> = ['fail', 'fail', 'ok', 'fail'];
  const { clock, sent, forwarder, log } = await rig(t, (s) => (plan[sent.length - 1] === 'fail' ? status(500) : ack(lastOf(s))), { events: 1 });
  forwarder.start();
  const settle = async (n: number) => {
    await until(() => sent.length === n && clock.pending === 1 && clock.pendingDelays[0] !== 0, `round ${n}`);
  };
  clock.advance(0);
  await settle(1);
  t.same(clock.pendingDelays, [MIN]);
  clock.advance(MIN);
  await settle(2);
  t.same(clock.pendingDelays, [2 * MIN]);
  clock.advance(2 * MIN);
  await settle(3);
  t.same(clock.pendingDelays, [IDLE], 'delivered: idle');
  await log.append(reading(2));
  clock.advance(IDLE);
  await settle(4);
  t.same(clock.pendingDelays, [MIN], 'the first failure after a success waits the first step');
});

t.test('log: a case is told once at its level, then at debug with the same fields while it repeats', async (t) => {
  const cases: Array<[string, Answer, number]> = [
    ['network', () => Promise.reject(new TypeError('fetch failed')), 40],
    ['busy', () => status(503, 'later'), 40],
    ['refused', () => status(403, 'forbidden'), 50],
    ['not-json', () => status(200, '<html>'), 50],
    ['bad-ack', () => status(200, '{"ok":true}'), 50],
    ['ack-below-batch', () => ack(0), 50],
  ];
  for (const [reason, answer, level] of cases) {
    await t.test(reason, async (t) => {
      const { clock, sent, forwarder, records, failures } = await rig(t, answer);
      forwarder.start();
      for (let n = 1; n <= 3; n++) {
        clock.runNext();
        await until(() => failures(reason) === n && clock.pending === 1, `failure ${n}`);
      }
      t.equal(sent.length, 3);
      const told = records.filter((r) => r.reason !== undefined);
      t.same(
        told.map((r) => r.level),
        [level, 20, 20],
      );
      t.same(
        told.map((r) => r.failures),
        [0, 1, 2],
        'consecutive failures before this one',
      );
      t.equal(new Set(told.map((r) => r.msg)).size, 1, 'the repeats say the same');
      t.match(told[0]!.msg, /\w/, 'a message an operator can read, not a blank line');
      for (const r of told) t.equal(r.reason, reason);
      if (reason === 'network') {
        t.notOk('status' in told[0]!, 'no answer, no status');
        t.notOk('answer' in told[0]!, 'no answer, no excerpt');
        t.match(told[0], { err: { message: 'fetch failed' }, msg: /fetch failed/ });
      } else {
        t.equal(told[0]!.status, reason === 'busy' ? 503 : reason === 'refused' ? 403 : 200);
        t.type(told[0]!.answer, 'string');
        t.notOk('err' in told[0]!, 'an answer is not an error object');
      }
    });
  }
});

t.test('status classes: 429 and 5xx are busy, any other non-2xx is refused', async (t) => {
  const cases: Array<[number, string]> = [
    [400, 'refused'],
    [428, 'refused'],
    [429, 'busy'],
    [430, 'refused'],
    [499, 'refused'],
    [500, 'busy'],
    [599, 'busy'],
  ];
  for (const [code, reason] of cases) {
    const { forwarder, failures, clock, records } = await rig(t, () => status(code, 'x'));
    forwarder.start();
    clock.advance(0);
    await until(() => REASONS.some((r) => failures(r) > 0) && clock.pending === 1, `${code} handled`);
    t.equal(failures(reason), 1, `${code} is ${reason}`);
    t.match(records.find((r) => r.reason !== undefined), { reason, status: code, msg: new RegExp(`\\(${code}\\)`) });
    await forwarder.stop();
  }
});

t.test('a refused batch ignores Retry-After: it backs off on its own schedule', async (t) => {
  const { forwarder, failures, clock } = await rig(t, () => new Response('no', { status: 403, headers: { 'retry-after': '50' } }));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('refused') === 1 && clock.pending === 1, 'refused');
  t.same(clock.pendingDelays, [MIN], 'the backoff, not the 50 s asked for');
});

t.test('the return to normal is logged once, naming the case that ended', async (t) => {
  const plan = ['fail', 'ok', 'ok'];
  const { forwarder, clock, records, sent, outbox } = await rig(t, (s) => (plan[sent.length - 1] === 'fail' ? status(403, 'no') : ack(lastOf(s))));
  forwarder.start();
  clock.advance(0);
  await until(() => sent.length === 1 && clock.pending === 1 && clock.pendingDelays[0] !== 0, 'refused');
  clock.runNext();
  await until(() => outbox.ackedSeq === 3 && clock.pending === 1, 'first batch');
  clock.runNext();
  await until(() => outbox.ackedSeq === 5 && clock.pending === 1, 'second batch');
  const info = records.filter((r) => r.level === 30);
  t.match(info, [{ after: 'refused', msg: /back to normal/ }]);
  t.equal(info.length, 1, 'once, not after every good round');
});

t.test('partial progress: counted, logged at error, forwarding goes on at once, and the log names the range', async (t) => {
  const { forwarder, clock, records, outbox, failures, metrics } = await rig(t, (s) => ack(lastOf(s) - 1));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('partial-ack') === 1 && clock.pending === 1, 'partial');
  t.equal(outbox.ackedSeq, 2);
  t.equal(metrics.get('forwarded_events_total'), 2);
  t.same(clock.pendingDelays, [0], 'progress: no backoff');
  t.match(records.find((r) => r.reason === 'partial-ack'), { level: 50, msg: /seq 2, short of the batch 1\.\.3/ });
});

t.test('partial progress on a short batch still goes on at once: what the ack missed is sent again now', async (t) => {
  const { forwarder, clock, outbox, failures, sent } = await rig(t, (s) => ack(sent.length === 1 ? lastOf(s) - 1 : lastOf(s)), { events: 2 });
  forwarder.start();
  clock.advance(0);
  await until(() => failures('partial-ack') === 1 && clock.pending === 1, 'partial');
  t.equal(outbox.ackedSeq, 1);
  t.same(clock.pendingDelays, [0], 'not idleMs, although the batch was not full');
  clock.advance(0);
  await until(() => outbox.ackedSeq === 2 && clock.pending === 1, 'the rest');
  t.same(
    sent.map((s) => s.body.events.map((e) => e.seq)),
    [[1, 2], [2]],
  );
});

t.test('rounds never overlap: a second start() during a round does not send the batch again in parallel', async (t) => {
  const first = holdFirstRequest();
  const { forwarder, clock, outbox, sent } = await rig(t, first.answer, { events: 1 });
  forwarder.start();
  clock.advance(0);
  await until(first.held, 'first request in flight');
  forwarder.start();
  clock.advance(0);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.equal(sent.length, 1, 'one request in flight, not two');
  first.release();
  await until(() => outbox.ackedSeq === 1 && clock.pending === 1, 'first settled');
  t.equal(sent.length, 1, 'the event was sent once');
});

t.test('an ack of exactly the batch is no anomaly; one beyond it is, and deletes only the batch', async (t) => {
  await t.test('exact', async (t) => {
    const { forwarder, clock, outbox, failures } = await rig(t, (s) => ack(lastOf(s)));
    forwarder.start();
    clock.advance(0);
    await until(() => outbox.ackedSeq === 3 && clock.pending === 1, 'acked');
    for (const r of REASONS) t.equal(failures(r), 0, r);
  });
  await t.test('beyond', async (t) => {
    const { forwarder, clock, outbox, failures, records, metrics } = await rig(t, (s) => ack(lastOf(s) + 1));
    forwarder.start();
    clock.advance(0);
    await until(() => failures('ack-beyond-batch') === 1 && clock.pending === 1, 'acked');
    t.equal(outbox.ackedSeq, 3, 'the batch, not seq 4');
    t.equal(metrics.get('forwarded_events_total'), 3);
    t.same(clock.pendingDelays, [0], 'progress: on at once');
    t.match(records.find((r) => r.reason === 'ack-beyond-batch'), { level: 50, msg: /seq 4, beyond the batch 1\.\.3/ });
  });
});

t.test('a stall is named with the timeout, logged at warn, and the request is aborted', async (t) => {
  await t.test('configured', async (t) => {
    const { forwarder, clock, records, failures, sent } = await rig(
      t,
      (s) => new Promise<Response>((_resolve, reject) => s.signal.addEventListener('abort', () => reject(s.signal.reason))),
      { stallTimeoutMs: 4_000 },
    );
    forwarder.start();
    clock.advance(0);
    await until(() => sent.length === 1, 'request');
    t.same(clock.pendingDelays, [4_000]);
    clock.advance(4_000);
    await until(() => failures('timeout') === 1 && clock.pending === 1, 'timed out');
    t.equal(sent[0]!.signal.aborted, true, 'the request is aborted');
    t.equal(failures('network'), 0);
    t.match(records.find((r) => r.reason === 'timeout'), { level: 40, msg: /4000 ms/ });
  });
  await t.test('default', async (t) => {
    const { forwarder, clock, records, failures, sent } = await rig(
      t,
      (s) => new Promise<Response>((_resolve, reject) => s.signal.addEventListener('abort', () => reject(s.signal.reason))),
    );
    forwarder.start();
    clock.advance(0);
    await until(() => sent.length === 1, 'request');
    clock.advance(30_000);
    await until(() => failures('timeout') === 1 && clock.pending === 1, 'timed out');
    t.match(records.find((r) => r.reason === 'timeout'), { level: 40, msg: /30000 ms/ });
  });
});

t.test('the stall timer is cleared once the answer is read', async (t) => {
  const { forwarder, clock, outbox } = await rig(t, (s) => ack(lastOf(s)), { events: 1, stallTimeoutMs: 4_000 });
  forwarder.start();
  clock.advance(0);
  await until(() => outbox.ackedSeq === 1 && clock.pending === 1, 'acked');
  t.same(clock.pendingDelays, [IDLE], 'only the next round is pending, no stall timer');
});

t.test('notify(): wakes an idle forwarder at once, once, and not during a backoff or after stop()', async (t) => {
  await t.test('idle', async (t) => {
    const { forwarder, clock, outbox, log, sent } = await rig(t, (s) => ack(lastOf(s)), { events: 1 });
    forwarder.start();
    clock.advance(0);
    await until(() => outbox.ackedSeq === 1 && clock.pending === 1, 'idle');
    t.same(clock.pendingDelays, [IDLE]);
    await log.append(reading(2));
    forwarder.notify();
    forwarder.notify();
    t.same(clock.pendingDelays, [0], 'one round, now: the idle timer replaced');
    clock.advance(0);
    await until(() => outbox.ackedSeq === 2 && clock.pending === 1, 'sent');
    t.equal(sent.length, 2, 'one request for both notifies');
  });
  await t.test('backoff', async (t) => {
    const { forwarder, clock, failures } = await rig(t, () => status(503));
    forwarder.start();
    clock.advance(0);
    await until(() => failures('busy') === 1 && clock.pending === 1, 'busy');
    forwarder.notify();
    t.same(clock.pendingDelays, [MIN], 'the retry wait stays in force');
  });
  await t.test('stopped', async (t) => {
    const { forwarder, clock, outbox, sent } = await rig(t, (s) => ack(lastOf(s)), { events: 1 });
    forwarder.notify();
    t.equal(clock.pending, 0, 'not started: nothing scheduled');
    forwarder.start();
    clock.advance(0);
    await until(() => outbox.ackedSeq === 1 && clock.pending === 1, 'idle');
    await forwarder.stop();
    t.equal(clock.pending, 0, 'stop() clears the idle timer');
    forwarder.notify();
    t.equal(clock.pending, 0, 'a notify after stop() schedules nothing');
    clock.advance(IDLE * 2);
    await new Promise((r) => setImmediate(r));
    t.equal(sent.length, 1);
  });
});

t.test('a wake during a round runs the next round at once, and only that one', async (t) => {
  const first = holdFirstRequest();
  const { forwarder, clock, outbox, log, sent } = await rig(t, first.answer, { events: 1 });
  forwarder.start();
  clock.advance(0);
  await until(first.held, 'first request in flight');
  await log.append(reading(2));
  forwarder.notify();
  t.equal(clock.pending, 1, 'no second round while one runs (only its stall timer)');
  first.release();
  await until(() => outbox.ackedSeq === 1 && clock.pending === 1, 'first settled');
  t.same(clock.pendingDelays, [0], 'the wake is kept');
  clock.advance(0);
  await until(() => outbox.ackedSeq === 2 && clock.pending === 1, 'second settled');
  t.same(clock.pendingDelays, [IDLE], 'the wake was used up: idle again');
});

t.test('stop() during a request aborts it, waits for it, and nothing runs after', async (t) => {
  const { forwarder, clock, sent, records, failures, answered } = await rig(
    t,
    (s) => new Promise<Response>((_resolve, reject) => s.signal.addEventListener('abort', () => reject(s.signal.reason))),
  );
  forwarder.start();
  clock.advance(0);
  await until(() => sent.length === 1, 'request');
  await forwarder.stop();
  t.equal(sent[0]!.signal.aborted, true, 'aborted');
  t.equal(answered(), 1, 'the round had ended when stop() resolved');
  t.equal(clock.pending, 0, 'no stall timer, no next round');
  for (const r of REASONS) t.equal(failures(r), 0, `not counted as ${r}`);
  t.same(
    records.filter((r) => r.level >= 30),
    [],
  );
});

t.test('stop() while a failing outbox read is pending is not reported either', async (t) => {
  const { forwarder, clock, outbox, failures } = await rig(t, (s) => ack(lastOf(s)));
  let fail: ((e: Error) => void) | null = null;
  outbox.peek = () => new Promise((_resolve, reject) => (fail = reject));
  forwarder.start();
  clock.advance(0);
  await until(() => fail !== null, 'reading');
  const stopped = forwarder.stop();
  fail!(new Error('closed'));
  await stopped;
  t.equal(failures('outbox'), 0);
  t.equal(clock.pending, 0);
});

t.test('a failing outbox is logged at error with the store error, and backs off', async (t) => {
  const { forwarder, clock, outbox, failures, records } = await rig(t, (s) => ack(lastOf(s)));
  outbox.peek = () => Promise.reject(new Error('LevelDB read failed'));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('outbox') === 1 && clock.pending === 1, 'outbox');
  t.same(clock.pendingDelays, [MIN]);
  t.match(records.find((r) => r.reason === 'outbox'), { level: 50, err: { message: 'LevelDB read failed' }, msg: /LevelDB read failed/ });
});

/** A body delivered in the given chunks; `end: false` leaves the stream open, as a relay that stalls. */
function streamed(chunks: Uint8Array[], end: boolean) {
  let cancelled = false;
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (end) controller.close();
      // else: stay silent
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

t.test('an answer is read up to 64 KiB: exactly that much is enough, and the rest is cancelled', async (t) => {
  const limit = 64 * 1024;
  const s = streamed([new Uint8Array(limit).fill(0x78)], false);
  const { forwarder, clock, failures, records } = await rig(t, () => new Response(s.body, { status: 200 }), { stallTimeoutMs: 60_000 });
  forwarder.start();
  clock.advance(0);
  await until(() => failures('not-json') === 1 && clock.pending === 1, 'named without waiting for more');
  t.equal(failures('timeout'), 0);
  t.equal(s.cancelled(), true, 'the rest of the answer is cancelled');
  t.equal((records.find((r) => r.reason === 'not-json')!.answer as string).length, 300);
});

t.test('a short answer is read to its end, not cut and not cancelled', async (t) => {
  const s = streamed([new TextEncoder().encode('{"ackedSeq":3,"stored":3,'), new TextEncoder().encode('"duplicates":0,"relayTime":"x"}')], true);
  const { forwarder, clock, outbox } = await rig(t, () => new Response(s.body, { status: 200 }));
  forwarder.start();
  clock.advance(0);
  await until(() => outbox.ackedSeq === 3 && clock.pending === 1, 'the ack in two pieces understood');
  t.equal(s.cancelled(), false);
});

t.test('a character split across chunks is decoded whole', async (t) => {
  const bytes = new TextEncoder().encode('Zugriff verweigert: Schlüssel ungültig');
  const cut = bytes.indexOf(0xc3) + 1; // inside the first ü
  const s = streamed([bytes.slice(0, cut), bytes.slice(cut)], true);
  const { forwarder, clock, records, failures } = await rig(t, () => new Response(s.body, { status: 200 }));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('not-json') === 1 && clock.pending === 1, 'not json');
  t.equal(records.find((r) => r.reason === 'not-json')!.answer, 'Zugriff verweigert: Schlüssel ungültig');
});

t.test('a body cut inside a character ends with a replacement character, not silently short', async (t) => {
  const bytes = new TextEncoder().encode('kaputt ü');
  const s = streamed([bytes.slice(0, bytes.length - 1)], true);
  const { forwarder, clock, records, failures } = await rig(t, () => new Response(s.body, { status: 200 }));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('not-json') === 1 && clock.pending === 1, 'not json');
  t.equal(records.find((r) => r.reason === 'not-json')!.answer, 'kaputt \uFFFD');
});

t.test('an answer without a body is not JSON, with an empty excerpt', async (t) => {
  const { forwarder, clock, records, failures } = await rig(t, () => new Response(null, { status: 204 }));
  forwarder.start();
  clock.advance(0);
  await until(() => failures('not-json') === 1 && clock.pending === 1, 'not json');
  t.match(records.find((r) => r.reason === 'not-json'), { status: 204, answer: '' });
});
