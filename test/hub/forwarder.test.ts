/** The forwarder against a scripted relay on a real HTTP port. */
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Forwarder, type ForwarderOptions } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { systemClock, type Clock } from '../../hub/clock.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger, type LogRecord } from '../fakes/test-logger.ts';
import { eventually } from '../fakes/wait.ts';

type Script = (req: IncomingMessage, body: { hubId: string; events: Array<{ seq: number }> }, res: ServerResponse) => void;

async function relay(t: Test, script: Script) {
  const batches: Array<{ auth?: string; seqs: number[] }> = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      batches.push({ auth: req.headers.authorization, seqs: body.events.map((e: { seq: number }) => e.seq) });
      script(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // a stalled answer would hold close() forever
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batches };
}

const ok = (res: ServerResponse, ackedSeq: number) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ackedSeq, stored: 1, duplicates: 0, relayTime: new Date().toISOString() }));
};
const lastOf = (body: { events: Array<{ seq: number }> }) => body.events.at(-1)!.seq;

const reading = (v: number) => ({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + v, unit: '%' } }) as const;

interface RigOptions extends Partial<ForwarderOptions> {
  clock?: Clock;
  events?: number;
  /** the hub's wiring: the outbox bounded by the log's forwardable seq, the forwarder woken by it */
  wired?: boolean;
}

async function rig(t: Test, url: string, options: RigOptions = {}) {
  const clock = options.clock ?? systemClock;
  const store = createMemoryStore();
  await store.open();
  let forwarder: Forwarder | null = null;
  const log = new EventLog({ hubId: 'h1', store, clock, ...(options.wired && { onForwardable: () => forwarder?.notify() }) });
  await log.start();
  const outbox = options.wired ? new Outbox(store, () => log.forwardableSeq) : new Outbox(store);
  await outbox.start();
  const metrics = createMetrics();
  const { logger, records } = createTestLogger('debug');
  forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: url,
    token: 'hub-token-0123456789',
    outbox,
    batchSize: 2,
    retryMinMs: 5,
    retryMaxMs: 20,
    idleMs: 10,
    clock,
    logger,
    metrics,
    ...options,
  });
  const f = forwarder;
  t.teardown(() => f.stop());
  for (let v = 1; v <= (options.events ?? 5); v++) await log.append(reading(v));
  /** warn and error records, i.e. what an operator sees */
  const loud = () => records.filter((r) => r.level >= 40);
  return { log, outbox, forwarder: f, metrics, records, loud };
}

const failures = (metrics: ReturnType<typeof createMetrics>, reason: string) => metrics.get('forward_failures_total', { reason });

t.test('drains in bounded batches, in order, and deletes what was acknowledged', async (t) => {
  const r = await relay(t, (_req, body, res) => ok(res, lastOf(body)));
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'all acknowledged');
  t.same(r.batches.map((b) => b.seqs), [[1, 2], [3, 4], [5]]);
  t.equal(r.batches[0]!.auth, 'Bearer hub-token-0123456789');
  t.same(await outbox.peek(10), []);
  t.equal(metrics.get('forwarded_events_total'), 5);
  t.match(metrics.render(), /^carehub_hub_forward_failures_total\{reason="ack-below-batch"\} 0$/m, 'every reason is a series from the start');
  t.same(loud(), [], 'nothing to report');
});

t.test('one rule: nothing past an input still waiting for the rules is sent; its evaluation wakes the forwarder', async (t) => {
  // The panel's updates are not rule inputs: before the fix they were sent ahead of the mark, the
  // relay's ack of them deleted nothing, and the forwarder backed off and sent them again.
  const r = await relay(t, (_req, body, res) => ok(res, lastOf(body)));
  const clock = new FakeClock(0);
  const HOUR = 3_600_000;
  const { log, outbox, forwarder, metrics } = await rig(t, r.url, { clock, wired: true, events: 2, batchSize: 10, idleMs: HOUR, retryMinMs: HOUR, retryMaxMs: HOUR });
  forwarder.start();
  clock.advance(0);
  await eventually(() => outbox.ackedSeq === 2 && clock.pending === 1, 'the readings forwarded');
  const call = await log.append({ kind: 'call-point', deviceId: 'cp', payload: { event: 'call', deviceSeq: 1, battery: null, via: 'serial' } }, [], {
    evaluate: true,
  });
  await log.append({ kind: 'alarm-update', payload: { alarmId: '0192a4f0-0000-7000-8000-000000000001', state: 'acknowledged', by: { kind: 'panel', id: 'n1' } } });
  t.equal(log.forwardableSeq, 2, 'the unevaluated call holds the bound');
  t.same(await outbox.peek(10), [], 'nothing past it may be sent');
  t.equal(await outbox.ackThrough(4), 0, 'nor deleted');
  clock.advance(0); // the round the appends asked for finds nothing to send
  await eventually(() => clock.pending === 1 && clock.pendingDelays[0] === HOUR, 'idle again');
  t.equal(r.batches.length, 1, 'nothing sent while the call waits for the rules');
  log.evaluated(call.seq);
  t.same(clock.pendingDelays, [0], 'the evaluation wakes the forwarder');
  clock.advance(0);
  await eventually(() => outbox.ackedSeq === 4, 'the call and the update forwarded');
  t.same(r.batches.map((b) => b.seqs), [[1, 2], [3, 4]], 'each event sent once');
  t.equal(failures(metrics, 'ack-below-batch'), 0);
});

t.test('a notify during a round is not lost: the next round starts when this one ends', async (t) => {
  let release: (() => void) | null = null;
  const r = await relay(t, (_req, body, res) => {
    if (r.batches.length === 1) release = () => ok(res, lastOf(body));
    else ok(res, lastOf(body));
  });
  const { log, outbox, forwarder } = await rig(t, r.url, { events: 1, batchSize: 10, idleMs: 3_600_000 });
  forwarder.start();
  await eventually(() => release !== null, 'first batch in flight');
  await log.append(reading(2));
  forwarder.notify();
  release!();
  await eventually(() => outbox.ackedSeq === 2, 'the event appended during the round forwarded at once (idleMs is an hour)');
  t.same(r.batches.map((b) => b.seqs), [[1], [2]]);
});

t.test('503 with Retry-After and a dead relay lose nothing', async (t) => {
  let calls = 0;
  const r = await relay(t, (_req, body, res) => {
    calls++;
    if (calls === 1) {
      res.writeHead(503, { 'retry-after': '0' });
      return res.end();
    }
    if (calls === 2) return res.destroy(); // connection dropped mid-request
    ok(res, lastOf(body));
  });
  const { outbox, forwarder, metrics } = await rig(t, r.url, { batchSize: 10 });
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'all acknowledged after retries');
  t.same(r.batches.map((b) => b.seqs), [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], 'the same batch is resent');
  t.equal(failures(metrics, 'busy'), 1);
  t.equal(failures(metrics, 'network'), 1);
});

t.test('a refused batch (403) stays in the outbox and is logged once, with the relay answer', async (t) => {
  const r = await relay(t, (_req, _body, res) => {
    res.writeHead(403, { 'content-type': 'application/problem+json' });
    res.end('{"title":"Forbidden"}');
  });
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => failures(metrics, 'refused') >= 3, 'three refusals');
  t.equal(outbox.ackedSeq, 0);
  t.equal((await outbox.peek(10)).length, 5, 'nothing deleted');
  t.match(loud(), [{ level: 50, reason: 'refused', status: 403, answer: '{"title":"Forbidden"}' }], 'logged once, not on each retry');
  t.equal(loud().length, 1);
});

t.test('a 200 that is not JSON is named, logged once with a bounded excerpt, and nothing is deleted', async (t) => {
  const page = '<html>' + 'captive portal '.repeat(200) + '</html>';
  const r = await relay(t, (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
  });
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => failures(metrics, 'not-json') >= 3, 'three non-JSON answers');
  t.equal(failures(metrics, 'network'), 0, 'not counted as a network failure');
  t.equal(outbox.ackedSeq, 0);
  t.equal(loud().length, 1, 'logged once');
  t.match(loud()[0], { level: 50, reason: 'not-json', status: 200 });
  t.equal(loud()[0]!.answer, page.slice(0, 300), 'the start of the answer, bounded');
});

t.test('an answer that is JSON but not an IngestAck is bad-ack', async (t) => {
  const r = await relay(t, (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => failures(metrics, 'bad-ack') >= 2, 'two bad acks');
  t.equal(outbox.ackedSeq, 0);
  t.match(loud(), [{ reason: 'bad-ack', status: 200, answer: '{"ok":true}' }]);
});

t.test('an ack below the batch deletes nothing, backs off and is logged once', async (t) => {
  // A relay restored from an old backup: it stores the batch but misses seqs this hub already deleted.
  const r = await relay(t, (_req, _body, res) => ok(res, 0));
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => failures(metrics, 'ack-below-batch') >= 3, 'three short acks');
  t.equal(outbox.ackedSeq, 0);
  t.equal(loud().length, 1);
  t.match(loud()[0], { level: 50, reason: 'ack-below-batch', status: 200, msg: /acknowledged seq 0, short of the batch 1\.\.2/ });
});

t.test('an ack within the batch is progress: what it covers is deleted and forwarding goes on', async (t) => {
  let calls = 0;
  const r = await relay(t, (_req, body, res) => {
    calls++;
    ok(res, calls === 1 ? lastOf(body) - 1 : lastOf(body));
  });
  const clock = new FakeClock(0);
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url, { clock, retryMinMs: 3_600_000, retryMaxMs: 3_600_000 });
  forwarder.start();
  clock.advance(0);
  await eventually(() => outbox.ackedSeq === 1 && clock.pending === 1, 'the first round settled');
  t.same(clock.pendingDelays, [0], 'no backoff after progress');
  t.equal(failures(metrics, 'partial-ack'), 1);
  t.match(loud(), [{ reason: 'partial-ack' }]);
  clock.advance(0);
  await eventually(() => outbox.ackedSeq === 3, 'the second round settled');
  t.same(r.batches.map((b) => b.seqs), [[1, 2], [2, 3]], 'the rest is sent again from the ack');
});

t.test('an ack beyond the batch deletes the batch, never more, and is logged once', async (t) => {
  // A relay that has seqs from this hub id's earlier life answers with its old, higher ack.
  const r = await relay(t, (_req, _body, res) => ok(res, 5000));
  const { log, outbox, forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'every sent batch deleted');
  t.same(r.batches.map((b) => b.seqs), [[1, 2], [3, 4], [5]], 'each event sent once');
  t.equal(failures(metrics, 'ack-beyond-batch'), 3);
  t.equal(loud().length, 1, 'logged once, not for every batch');
  t.match(loud()[0], { reason: 'ack-beyond-batch', msg: /seq 5000, beyond the batch 1\.\.2/ });
  await log.append(reading(6));
  t.same((await outbox.peek(10)).map((e) => e.seq), [6], 'a later event is still waiting: the claim beyond the batch deleted nothing');
});

t.test('a case is logged again when it changes, and the return to normal once', async (t) => {
  const answers = [403, 403, 'html', 'html', 200, 200];
  const r = await relay(t, (_req, body, res) => {
    const a = answers[r.batches.length - 1] ?? 200;
    if (a === 403) {
      res.writeHead(403);
      return res.end('no');
    }
    if (a === 'html') {
      res.writeHead(200);
      return res.end('<html>');
    }
    ok(res, lastOf(body));
  });
  const { outbox, forwarder, records } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'forwarded in the end');
  const told = (rs: LogRecord[]) => rs.filter((x) => x.level >= 30).map((x) => (x.reason as string) ?? x.msg);
  t.same(told(records), ['refused', 'not-json', 'forwarding back to normal']);
});

t.test('a relay that sends headers and then stalls is given up on after stallTimeoutMs', async (t) => {
  const clock = new FakeClock(0);
  const r = await relay(t, (_req, body, res) => {
    if (r.batches.length === 1) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"acked'); // ...and nothing more
      return;
    }
    ok(res, lastOf(body));
  });
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url, { clock, stallTimeoutMs: 5_000, batchSize: 10, random: () => 1 });
  forwarder.start();
  clock.advance(0);
  await eventually(() => r.batches.length === 1, 'request at the relay');
  t.same(clock.pendingDelays, [5_000], 'the stall timer runs on the clock');
  clock.advance(4_999);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(failures(metrics, 'timeout'), 0, 'not before the timeout');
  clock.advance(1);
  await eventually(() => failures(metrics, 'timeout') === 1, 'timed out');
  t.equal(failures(metrics, 'network'), 0, 'named as a timeout, not a network failure');
  t.match(loud(), [{ level: 40, reason: 'timeout' }]);
  t.equal(outbox.ackedSeq, 0, 'nothing deleted');
  await eventually(() => clock.pending === 1, 'retry scheduled');
  t.same(clock.pendingDelays, [5], 'then a backoff (full jitter, random pinned to 1: retryMinMs)');
  clock.advance(5);
  await eventually(() => outbox.ackedSeq === 5, 'the next try delivers');
});

t.test('the stall timeout defaults to 30 s', async (t) => {
  const clock = new FakeClock(0);
  const r = await relay(t, () => undefined); // never answers
  const { forwarder } = await rig(t, r.url, { clock });
  forwarder.start();
  clock.advance(0);
  await eventually(() => r.batches.length === 1, 'request at the relay');
  t.same(clock.pendingDelays, [30_000]);
});

t.test('Retry-After on 429 and 503, in seconds or as an HTTP date, sets the next try, bounded by retryMaxMs', async (t) => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const cases: Array<[status: number, retryAfter: string, expectedMs: number]> = [
    [429, '7', 7_000],
    [503, '12', 12_000],
    [503, new Date(now + 20_000).toUTCString(), 20_000],
    [429, new Date(now + 45_000).toUTCString(), 45_000],
    [429, '3600', 60_000], // an hour asked, our own bound wins
    [503, new Date(now + 86_400_000).toUTCString(), 60_000],
    [429, 'soon', 1_000], // unreadable: backoff (random pinned to 1: retryMinMs for the first failure)
  ];
  for (const [status, retryAfter, expectedMs] of cases) {
    await t.test(`${status} Retry-After: ${retryAfter}`, async (t) => {
      const clock = new FakeClock(now);
      const r = await relay(t, (_req, _body, res) => {
        res.writeHead(status, { 'retry-after': retryAfter });
        res.end();
      });
      const { forwarder, metrics } = await rig(t, r.url, { clock, retryMinMs: 1_000, retryMaxMs: 60_000, random: () => 1 });
      forwarder.start();
      clock.advance(0);
      await eventually(() => failures(metrics, 'busy') === 1 && clock.pending === 1, 'the busy answer handled');
      t.same(clock.pendingDelays, [expectedMs]);
    });
  }
});

t.test('stop() during a request is not a failure', async (t) => {
  const r = await relay(t, () => undefined); // never answers
  const { forwarder, metrics, loud } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => r.batches.length === 1, 'request at the relay');
  await forwarder.stop();
  t.equal(failures(metrics, 'network'), 0);
  t.same(loud(), []);
});

t.test('an endless answer is read only up to a bound, not until the stall timeout', async (t) => {
  const r = await relay(t, (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<html>' + 'x'.repeat(70 * 1024)); // more than any IngestAck, and the answer never ends
  });
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url, { stallTimeoutMs: 60_000 });
  forwarder.start();
  await eventually(() => failures(metrics, 'not-json') >= 1, 'named without waiting for the stall timeout', 5_000);
  t.equal(failures(metrics, 'timeout'), 0);
  t.equal(outbox.ackedSeq, 0);
  t.equal((loud()[0]!.answer as string).length, 300, 'the excerpt is bounded');
});

t.test('a failing outbox is named as such and retried', async (t) => {
  const r = await relay(t, (_req, body, res) => ok(res, lastOf(body)));
  const { outbox, forwarder, metrics, loud } = await rig(t, r.url);
  const peek = outbox.peek.bind(outbox);
  let broken = 2;
  outbox.peek = (limit: number) => (broken-- > 0 ? Promise.reject(new Error('LevelDB read failed')) : peek(limit));
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'forwarded once the store reads again');
  t.equal(failures(metrics, 'outbox'), 2);
  t.equal(failures(metrics, 'network'), 0, 'not blamed on the network');
  t.match(loud(), [{ level: 50, reason: 'outbox', msg: /LevelDB read failed/ }]);
});
