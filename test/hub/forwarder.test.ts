/** The forwarder against a scripted relay on a real HTTP port. */
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Forwarder } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { systemClock } from '../../hub/clock.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
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
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, batches };
}


const ok = (res: ServerResponse, ackedSeq: number) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ackedSeq, stored: 1, duplicates: 0, relayTime: new Date().toISOString() }));
};

async function rig(t: Test, url: string, batchSize = 2) {
  const store = createMemoryStore();
  await store.open();
  const log = new EventLog({ hubId: 'h1', store, clock: systemClock });
  await log.start();
  const outbox = new Outbox(store);
  await outbox.start();
  const metrics = createMetrics();
  const forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: url,
    token: 'hub-token-0123456789',
    outbox,
    batchSize,
    retryMinMs: 5,
    retryMaxMs: 20,
    idleMs: 10,
    clock: systemClock,
    logger: createTestLogger('silent').logger,
    metrics,
  });
  t.teardown(() => forwarder.stop());
  for (let v = 1; v <= 5; v++) {
    await log.append({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: 90 + v, unit: '%' } });
  }
  return { outbox, forwarder, metrics };
}

t.test('drains in bounded batches, in order, and deletes what was acknowledged', async (t) => {
  const r = await relay(t, (_req, body, res) => ok(res, body.events.at(-1)!.seq));
  const { outbox, forwarder, metrics } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'all acknowledged');
  t.same(r.batches.map((b) => b.seqs), [[1, 2], [3, 4], [5]]);
  t.equal(r.batches[0]!.auth, 'Bearer hub-token-0123456789');
  t.same(await outbox.peek(10), []);
  t.equal(metrics.get('forwarded_events_total'), 5);
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
    ok(res, body.events.at(-1)!.seq);
  });
  const { outbox, forwarder, metrics } = await rig(t, r.url, 10);
  forwarder.start();
  await eventually(() => outbox.ackedSeq === 5, 'all acknowledged after retries');
  t.same(r.batches.map((b) => b.seqs), [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5]], 'the same batch is resent');
  t.equal(metrics.get('forward_failures_total', { reason: 'busy' }), 1);
  t.equal(metrics.get('forward_failures_total', { reason: 'network' }), 1);
});

t.test('a refused batch (401) stays in the outbox', async (t) => {
  const r = await relay(t, (_req, _body, res) => {
    res.writeHead(401, { 'content-type': 'application/problem+json' });
    res.end('{"title":"Unauthorized"}');
  });
  const { outbox, forwarder, metrics } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => metrics.get('forward_failures_total', { reason: 'refused' }) >= 2, 'two refusals');
  t.equal(outbox.ackedSeq, 0);
  t.equal((await outbox.peek(10)).length, 5, 'nothing deleted');
});

t.test('an ack beyond the batch is not believed: nothing is deleted', async (t) => {
  // A relay that knew this hub id from an earlier life answers with its old, higher ack.
  const r = await relay(t, (_req, _body, res) => ok(res, 5000));
  const { outbox, forwarder, metrics } = await rig(t, r.url);
  forwarder.start();
  await eventually(() => metrics.get('forward_failures_total', { reason: 'bad-ack' }) >= 2, 'two refused acks');
  t.equal(outbox.ackedSeq, 0);
  t.equal((await outbox.peek(10)).length, 5, 'every event kept');
});
