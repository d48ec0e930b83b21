/**
 * A 401 from the relay (docs/provisioning.md#revocation): the hub's credential is revoked or
 * replaced. Forwarding stops but for a probe every few minutes, the state says `revoked`, and
 * every event stays in the outbox.
 */
import t, { type Test } from 'tap';
import { Forwarder, REVOKED_PROBE_MS } from '../../hub/forwarder.ts';
import { createMetrics } from '../../hub/metrics.ts';
import { EventLog } from '../../hub/store/event-log.ts';
import { createMemoryStore } from '../../hub/store/memory-store.ts';
import { Outbox } from '../../hub/store/outbox.ts';
import { FakeClock } from '../fakes/fake-clock.ts';
import { createTestLogger } from '../fakes/test-logger.ts';
import { until } from '../fakes/wait.ts';

const reading = (v: number) => ({ kind: 'reading', deviceId: 'ox', payload: { metric: 'spo2', loinc: '59408-5', value: v, unit: '%' } }) as const;

/** A forwarder over a memory store whose relay answers 401 until `admit()` is called. */
async function rig(t: Test) {
  const clock = new FakeClock(Date.parse('2026-11-24T12:00:00Z'));
  const store = createMemoryStore();
  await store.open();
  let forwarder: Forwarder | null = null;
  const log = new EventLog({ hubId: 'h1', store, clock, onForwardable: () => forwarder?.notify() });
  await log.start();
  const outbox = new Outbox(store, () => log.forwardableSeq);
  await outbox.start();
  const metrics = createMetrics();
  const { logger, records } = createTestLogger('debug');
  let requests = 0;
  let admitted = false;
  forwarder = new Forwarder({
    hubId: 'h1',
    relayUrl: 'http://relay.test:8080',
    token: 'hub-token-0123456789',
    outbox,
    batchSize: 10,
    retryMinMs: 100,
    retryMaxMs: 1000,
    idleMs: 500,
    clock,
    logger,
    metrics,
    fetch: (async (_url: unknown, init?: RequestInit) => {
      requests++;
      if (!admitted) return new Response('{"detail":"Hub \\"h1\\" is revoked"}', { status: 401, headers: { 'content-type': 'application/problem+json' } });
      const events = JSON.parse(String(init?.body)).events as Array<{ seq: number }>;
      const last = events.at(-1)!.seq;
      return new Response(JSON.stringify({ ackedSeq: last, stored: events.length, duplicates: 0, relayTime: '2026-11-24T12:00:00.000Z' }), { status: 200 });
    }) as typeof fetch,
    random: () => 1,
  });
  t.teardown(() => forwarder!.stop());
  for (let v = 1; v <= 3; v++) await log.append(reading(v));
  return { clock, log, outbox, metrics, records, forwarder, requests: () => requests, admit: () => void (admitted = true) };
}

t.test('a 401 stops forwarding; later writes wake nothing; the events stay', async (t) => {
  const { clock, log, outbox, metrics, records, forwarder, requests } = await rig(t);
  forwarder.start();
  clock.advance(0);
  await until(() => metrics.get('forward_failures_total', { reason: 'revoked' }) === 1 && clock.pending === 1, 'revoked');
  t.equal(forwarder.linkState().state, 'revoked');
  t.same(clock.pendingDelays, [REVOKED_PROBE_MS], 'only a probe, minutes away; not the usual backoff');
  t.match(forwarder.linkState().lastError, { reason: 'revoked', status: 401, message: /credential .*forwarding stopped, events stay buffered/ });
  t.match(
    records.filter((r) => r.level >= 40),
    [{ level: 50, reason: 'revoked', answer: /is revoked/ }],
    'logged once, at error: a person must act',
  );

  for (let v = 4; v <= 6; v++) await log.append(reading(v));
  t.same(clock.pendingDelays, [REVOKED_PROBE_MS], 'new events schedule no round');
  clock.advance(REVOKED_PROBE_MS - 1);
  t.equal(requests(), 1, 'one request, then silence');
  t.same((await outbox.peek(10)).map((e) => e.seq), [1, 2, 3, 4, 5, 6], 'every event is kept');
  t.equal(metrics.get('forward_failures_total', { reason: 'refused' }), 0, 'not counted as a plain refusal');

  clock.advance(1);
  await until(() => metrics.get('forward_failures_total', { reason: 'revoked' }) === 2 && clock.pending === 1, 'probe');
  t.equal(requests(), 2, 'the probe is one request');
  t.same(clock.pendingDelays, [REVOKED_PROBE_MS], 'and the next is as far away');
  t.equal(records.filter((r) => r.level >= 40).length, 1, 'a repeat is not logged loudly again');
});

t.test('a 401 that was not meant passes at the next probe, and forwarding resumes', async (t) => {
  const { clock, outbox, metrics, forwarder, admit } = await rig(t);
  forwarder.start();
  clock.advance(0);
  await until(() => metrics.get('forward_failures_total', { reason: 'revoked' }) === 1 && clock.pending === 1, 'revoked');
  admit();
  clock.advance(REVOKED_PROBE_MS);
  await until(() => outbox.ackedSeq === 3, 'forwarded after the probe');
  await until(() => forwarder.linkState().state === 'up', 'link up');
});
